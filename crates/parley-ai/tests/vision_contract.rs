//! The vision vendor-contract server (OpenAI, Ollama and vLLM modes) against the client:
//! what each server refuses, in its own error shape, and that the client reads the message
//! out of every shape.

use parley_ai::openai::{AiError, Client, Endpoint};
use parley_ai::testing::{self, VisionMode};
use serde_json::{Value, json};
use std::time::Duration;

fn loopback() -> parley_domain::egress::AllowHosts {
    parley_domain::egress::AllowHosts::parse("127.0.0.1").unwrap()
}

fn endpoint(mock: &testing::MockOpenAi, model: &str) -> Endpoint {
    Endpoint {
        base_url: mock.base_url.clone(),
        api_key_header: false,
        api_key: Some(mock.api_key.clone()),
        model: model.into(),
        timeout: Duration::from_secs(5),
        max_attempts: 1,
    }
}

/// A 1x1 PNG and a HEIC header, base64.
const PNG: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";
const HEIC: &str = "AAAAGGZ0eXBoZWljAAAAAG1pZjFoZWlj";

fn request(model: &str, images: &[Value]) -> Value {
    let mut content = vec![json!({"type": "text", "text": "What is this?"})];
    content.extend(images.iter().cloned());
    json!({
        "model": model,
        "messages": [{"role": "user", "content": content}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "parley_describe", "strict": true, "schema": {}}},
    })
}

fn data_url(mime: &str, b64: &str) -> Value {
    json!({"type": "image_url", "image_url": {"url": format!("data:{mime};base64,{b64}")}})
}

async fn send(mode: VisionMode, model: &str, images: &[Value]) -> Result<Value, AiError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mock = testing::start().await;
    mock.recorded.lock().unwrap().vision_mode = mode;
    let client = Client::new(loopback());
    let body = client
        .chat_json(&endpoint(&mock, model), &request(model, images))
        .await?;
    Ok(serde_json::from_slice(&body).unwrap())
}

fn refused(r: Result<Value, AiError>) -> (u16, String) {
    match r {
        Err(AiError::Http { status, message }) => (status, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn every_mode_answers_a_data_url_with_a_schema_valid_fixture() {
    for mode in [VisionMode::OpenAi, VisionMode::Ollama, VisionMode::Vllm] {
        let answer = send(mode, "eyes", &[data_url("image/png", PNG)])
            .await
            .unwrap();
        let content = answer["choices"][0]["message"]["content"].as_str().unwrap();
        let parsed: Value = serde_json::from_str(content).unwrap();
        assert_eq!(parsed["answer"], "Red.", "{mode:?}: {content}");
        assert!(parsed["description"].is_string());
    }
}

#[tokio::test]
async fn ollama_refuses_image_links_and_gif_but_takes_a_bare_string() {
    let link = json!({"type": "image_url", "image_url": {"url": "https://example.com/a.png"}});
    let (status, message) =
        refused(send(VisionMode::Ollama, "eyes", std::slice::from_ref(&link)).await);
    assert_eq!(status, 400);
    assert_eq!(
        message,
        "image URLs are not currently supported, please use base64 encoded data instead"
    );
    // OpenAI takes the same link.
    send(VisionMode::OpenAi, "eyes", &[link]).await.unwrap();
    let (_, message) =
        refused(send(VisionMode::Ollama, "eyes", &[data_url("image/gif", PNG)]).await);
    assert_eq!(message, "invalid image input");
    let bare = json!({"type": "image_url", "image_url": format!("data:image/png;base64,{PNG}")});
    send(VisionMode::Ollama, "eyes", std::slice::from_ref(&bare))
        .await
        .unwrap();
    refused(send(VisionMode::OpenAi, "eyes", &[bare]).await);
}

#[tokio::test]
async fn vllm_takes_one_image_and_answers_errors_in_its_own_shape() {
    let two = [data_url("image/png", PNG), data_url("image/png", PNG)];
    let (status, message) = refused(send(VisionMode::Vllm, "eyes", &two).await);
    assert_eq!(status, 400);
    // Read out of `{"object": "error", "message": ...}`, not shown as raw JSON.
    assert_eq!(
        message,
        "At most 1 image(s) may be provided in one request."
    );
    send(VisionMode::OpenAi, "eyes", &two).await.unwrap();
    let (status, message) = refused(send(VisionMode::Vllm, "broken", &[]).await);
    assert_eq!(status, 500);
    assert!(message.starts_with("The server had an error"), "{message}");
}

#[tokio::test]
async fn images_that_are_not_what_they_claim_are_refused_everywhere() {
    for mode in [VisionMode::OpenAi, VisionMode::Ollama, VisionMode::Vllm] {
        // A HEIC photo sent as a JPEG: OpenAI's unsupported-image message.
        let (status, message) = refused(send(mode, "eyes", &[data_url("image/jpeg", HEIC)]).await);
        assert_eq!(status, 400, "{mode:?}");
        assert!(message.contains("unsupported image"), "{mode:?}: {message}");
        let odd = json!({"type": "input_audio", "input_audio": {}});
        let (_, message) = refused(send(mode, "eyes", &[odd]).await);
        assert_eq!(message, "invalid message format");
    }
}

#[tokio::test]
async fn failure_switches_give_a_refusal_a_cut_answer_and_prose() {
    let png = [data_url("image/png", PNG)];
    let r = send(VisionMode::OpenAi, "vision-refusal", &png)
        .await
        .unwrap();
    assert!(r["choices"][0]["message"]["refusal"].is_string());
    assert!(r["choices"][0]["message"]["content"].is_null());
    let r = send(VisionMode::OpenAi, "vision-truncated", &png)
        .await
        .unwrap();
    assert_eq!(r["choices"][0]["finish_reason"], "length");
    let r = send(VisionMode::OpenAi, "vision-invalid-json", &png)
        .await
        .unwrap();
    let content = r["choices"][0]["message"]["content"].as_str().unwrap();
    assert!(serde_json::from_str::<Value>(content).is_err());
}

#[test]
fn error_messages_are_read_from_each_vendors_shape() {
    use parley_ai::openai::error_body_message;
    let openai = r#"{"error":{"message":"bad key","type":"invalid_request_error"}}"#;
    let vllm =
        r#"{"object":"error","message":"At most 1 image(s)","type":"BadRequestError","code":400}"#;
    let ollama = r#"{"error":"model 'x' not found"}"#;
    assert_eq!(error_body_message(openai).as_deref(), Some("bad key"));
    assert_eq!(
        error_body_message(vllm).as_deref(),
        Some("At most 1 image(s)")
    );
    assert_eq!(
        error_body_message(ollama).as_deref(),
        Some("model 'x' not found")
    );
    assert_eq!(error_body_message("<html>502</html>"), None);
}
