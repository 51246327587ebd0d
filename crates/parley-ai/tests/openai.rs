//! The OpenAI-compatible client against the local vendor-contract server.

use futures::StreamExt;
use parley_ai::openai::{AiError, Client, Delta, Endpoint};
use parley_domain::chat::memory::PromptMessage;
use std::time::{Duration, Instant};

fn endpoint(base: &str, key: &str, model: &str) -> Endpoint {
    Endpoint {
        base_url: base.into(),
        api_key_header: false,
        api_key: Some(key.into()),
        model: model.into(),
        timeout: Duration::from_millis(1500),
        max_attempts: 3,
    }
}

fn question(text: &str) -> Vec<PromptMessage> {
    vec![
        PromptMessage {
            role: "system",
            content: "Be brief.".into(),
        },
        PromptMessage {
            role: "user",
            content: text.into(),
        },
    ]
}

async fn collect(
    client: &Client,
    e: &Endpoint,
) -> Result<(String, Option<parley_ai::openai::Usage>), AiError> {
    let mut stream = client
        .chat_stream(e, &question("where is my order"), None, 100, 0.2)
        .await?;
    let (mut text, mut usage) = (String::new(), None);
    while let Some(delta) = stream.next().await {
        match delta? {
            Delta::Text(t) => text.push_str(&t),
            Delta::Usage(u) => usage = Some(u),
        }
    }
    Ok((text, usage))
}

#[tokio::test]
async fn streams_tokens_usage_and_done() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mock = parley_ai::testing::start().await;
    let client = Client::new(loopback());
    let (text, usage) = collect(
        &client,
        &endpoint(&mock.base_url, &mock.api_key, "gpt-test"),
    )
    .await
    .unwrap();
    assert_eq!(text, "You asked: where is my order");
    assert_eq!(usage.unwrap().completion_tokens, 6);
    let sent = &mock.recorded.lock().unwrap().chat_requests[0];
    assert_eq!(sent["stream"], true);
    assert_eq!(sent["messages"][0]["role"], "system");
}

/// Internal calls (summaries, classification) ask for the whole completion at once.
#[tokio::test]
async fn whole_completions_are_not_streamed_and_are_retried() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mock = parley_ai::testing::start().await;
    let client = Client::new(loopback());
    let e = endpoint(&mock.base_url, &mock.api_key, "rate-limit-once");
    let text = client
        .chat_text(&e, &question("what is my order status"), 50)
        .await
        .unwrap();
    assert_eq!(text, "You asked: what is my order status");
    let sent = mock.recorded.lock().unwrap().chat_requests.clone();
    assert_eq!(sent.len(), 2, "the 429 was retried");
    assert_eq!(sent[1]["stream"], serde_json::Value::Null);
    assert_eq!(sent[1]["max_tokens"], 50);
    let broken = endpoint(&mock.base_url, &mock.api_key, "broken");
    let error = client
        .chat_text(&broken, &question("hello"), 50)
        .await
        .unwrap_err();
    assert!(
        matches!(error, AiError::Http { status: 500, .. }),
        "{error}"
    );
}

#[tokio::test]
async fn errors_are_clear_and_retried_when_worth_it() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mock = parley_ai::testing::start().await;
    let client = Client::new(loopback());

    let started = Instant::now();
    let (text, _) = collect(
        &client,
        &endpoint(&mock.base_url, &mock.api_key, "rate-limit-once"),
    )
    .await
    .unwrap();
    assert!(text.starts_with("You asked"));
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "honoured Retry-After"
    );

    let err = collect(&client, &endpoint(&mock.base_url, "sk-wrong", "gpt-test"))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        AiError::Http {
            status: 401,
            message: "Incorrect API key provided.".into()
        }
    );
    let before = mock.recorded.lock().unwrap().chat_requests.len();
    let err = collect(&client, &endpoint(&mock.base_url, &mock.api_key, "broken"))
        .await
        .unwrap_err();
    assert!(matches!(err, AiError::Http { status: 500, .. }), "{err:?}");
    assert_eq!(
        mock.recorded.lock().unwrap().chat_requests.len() - before,
        3,
        "5xx retried up to max_attempts"
    );
    let mut slow = endpoint(&mock.base_url, &mock.api_key, "slow");
    slow.timeout = Duration::from_millis(200);
    slow.max_attempts = 1;
    assert!(matches!(
        collect(&client, &slow).await.unwrap_err(),
        AiError::Timeout(_)
    ));
    let err = collect(&client, &endpoint(&mock.base_url, &mock.api_key, "cut"))
        .await
        .unwrap_err();
    assert!(matches!(err, AiError::Protocol(_)), "{err:?}");
    let err = collect(&client, &endpoint("http://127.0.0.1:9/v1", "k", "m"))
        .await
        .unwrap_err();
    assert!(matches!(err, AiError::Network(_)), "{err:?}");
}

#[tokio::test]
async fn embeddings_come_back_in_order() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mock = parley_ai::testing::start().await;
    let e = endpoint(&mock.base_url, &mock.api_key, "text-embedding-test");
    let v = Client::new(loopback())
        .embed(&e, &["boots".into(), "tents".into(), "boots".into()])
        .await
        .unwrap();
    assert_eq!(v.len(), 3);
    assert_eq!(v[0], v[2]);
    assert_ne!(v[0], v[1]);
}

/// The contract server listens on loopback, which the client refuses unless allowed.
fn loopback() -> parley_domain::egress::AllowHosts {
    parley_domain::egress::AllowHosts::parse("127.0.0.1").unwrap()
}

/// A bot's base URL may name any host: without the operator's leave, a private or loopback
/// one is refused before anything (the bot's key included) is sent, whether the URL holds
/// the address itself or a name that resolves to it, and a redirect is not followed.
#[tokio::test]
async fn private_model_hosts_are_refused_unless_allowed() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mock = parley_ai::testing::start().await;
    let guarded = Client::new(parley_domain::egress::AllowHosts::default());
    let by_name = mock.base_url.replace("127.0.0.1", "localhost");
    for base in [mock.base_url.as_str(), by_name.as_str()] {
        let e = endpoint(base, &mock.api_key, "gpt-test");
        let err = guarded
            .chat_text(&e, &question("hi"), 10)
            .await
            .unwrap_err();
        assert!(matches!(&err, AiError::Refused(_)), "{base}: {err:?}");
    }
    assert!(
        mock.recorded.lock().unwrap().chat_requests.is_empty(),
        "nothing reached the server"
    );
    let allowed = Client::new(loopback())
        .chat_text(
            &endpoint(&mock.base_url, &mock.api_key, "gpt-test"),
            &question("hi"),
            10,
        )
        .await;
    assert!(allowed.is_ok(), "{allowed:?}");
}
