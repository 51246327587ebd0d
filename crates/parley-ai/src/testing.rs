//! A local server that follows OpenAI's documented chat-completions and embeddings contract
//! (streamed `data:` chunks ending in `[DONE]`, `usage`, error bodies, 401, 429 with
//! `Retry-After`), for tests of the real client. Behaviour is chosen by the model name:
//!
//! - any name: answers `You asked: <last user message>`, streamed word by word;
//! - `rate-limit-once`: the first request gets 429 with `Retry-After: 1`, later ones answer;
//! - `broken`: 500 with an error body;
//! - `slow`: waits 5 s before answering;
//! - `cut`: streams two words and closes the connection without `[DONE]`;
//! - a name given a scripted answer in [`Recorded::scripted`]: answers with that text.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The most chat request bodies [`Recorded`] keeps: more than any test sends, while a
/// benchmark's thousands of requests neither grow memory nor pay for copies without end.
pub const MAX_RECORDED: usize = 1000;

#[derive(Default)]
pub struct Recorded {
    /// Bodies of the first [`MAX_RECORDED`] chat requests received, in order.
    pub chat_requests: Vec<Value>,
    pub rate_limited_once: bool,
    /// Model name -> the answer it gives, for tests that need a particular reply.
    pub scripted: std::collections::HashMap<String, String>,
}

#[derive(Clone)]
pub struct MockOpenAi {
    /// Ends in `/v1`, as clients are configured.
    pub base_url: String,
    pub api_key: String,
    pub recorded: Arc<Mutex<Recorded>>,
}

#[derive(Clone)]
struct Mock {
    key: String,
    recorded: Arc<Mutex<Recorded>>,
}

/// Starts the server on 127.0.0.1 with an ephemeral port.
pub async fn start() -> MockOpenAi {
    let recorded = Arc::new(Mutex::new(Recorded::default()));
    let key = "sk-test-parley".to_string();
    let app = Router::new()
        .route("/v1/chat/completions", post(chat))
        .route("/v1/embeddings", post(embeddings))
        .with_state(Mock {
            key: key.clone(),
            recorded: recorded.clone(),
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    MockOpenAi {
        base_url: format!("http://{addr}/v1"),
        api_key: key,
        recorded,
    }
}

fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"message": message, "type": kind, "param": null, "code": kind}})),
    )
        .into_response()
}

fn authorized(mock: &Mock, headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {}", mock.key))
}

async fn chat(State(mock): State<Mock>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    if !authorized(&mock, &headers) {
        return error(
            StatusCode::UNAUTHORIZED,
            "invalid_api_key",
            "Incorrect API key provided.",
        );
    }
    let (Some(model), Some(messages)) = (
        body["model"].as_str().map(str::to_string),
        body["messages"].as_array().cloned(),
    ) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "'model' and 'messages' are required.",
        );
    };
    {
        let mut recorded = mock.recorded.lock().unwrap();
        if recorded.chat_requests.len() < MAX_RECORDED {
            recorded.chat_requests.push(body.clone());
        }
    }
    match model.as_str() {
        "broken" => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "The server had an error while processing your request.",
            );
        }
        "rate-limit-once" => {
            let first =
                !std::mem::replace(&mut mock.recorded.lock().unwrap().rate_limited_once, true);
            if first {
                let mut r = error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limit_exceeded",
                    "Rate limit reached for requests.",
                );
                r.headers_mut().insert("retry-after", "1".parse().unwrap());
                return r;
            }
        }
        "slow" => tokio::time::sleep(Duration::from_secs(5)).await,
        _ => {}
    }
    // Content is a string, or (vision input) parts of which the text ones count here.
    let text_of = |m: &Value| -> String {
        match &m["content"] {
            Value::Array(parts) => parts
                .iter()
                .filter_map(|p| p["text"].as_str())
                .collect::<Vec<_>>()
                .join(" "),
            content => content.as_str().unwrap_or("").to_string(),
        }
    };
    let question = messages
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .map(text_of)
        .unwrap_or_default();
    let scripted = mock.recorded.lock().unwrap().scripted.get(&model).cloned();
    let answer = scripted.unwrap_or_else(|| format!("You asked: {question}"));
    let prompt_tokens: usize = messages
        .iter()
        .map(|m| text_of(m).split_whitespace().count())
        .sum();
    let words: Vec<String> = answer.split_inclusive(' ').map(str::to_string).collect();
    if body["stream"] != true {
        return Json(json!({
            "id": "chatcmpl-test", "object": "chat.completion", "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": words.len(), "total_tokens": prompt_tokens + words.len()},
        }))
        .into_response();
    }
    let cut = model == "cut";
    let mut events: Vec<String> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if cut && i == 2 {
            break;
        }
        let chunk = json!({"id": "chatcmpl-test", "object": "chat.completion.chunk", "model": model,
            "choices": [{"index": 0, "delta": {"content": w}, "finish_reason": null}]});
        events.push(format!("data: {chunk}\n\n"));
    }
    if !cut {
        let done = json!({"id": "chatcmpl-test", "object": "chat.completion.chunk", "model": model, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]});
        let usage = json!({"id": "chatcmpl-test", "object": "chat.completion.chunk", "model": model, "choices": [],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": words.len(), "total_tokens": prompt_tokens + words.len()}});
        events.push(format!("data: {done}\n\n"));
        events.push(format!("data: {usage}\n\n"));
        events.push("data: [DONE]\n\n".to_string());
    }
    let stream = futures::stream::iter(events.into_iter().map(Ok::<_, std::convert::Infallible>));
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(axum::body::Body::from_stream(stream))
        .unwrap()
}

/// Deterministic embeddings: words hashed into 64 buckets, normalized.
async fn embeddings(
    State(mock): State<Mock>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if !authorized(&mock, &headers) {
        return error(
            StatusCode::UNAUTHORIZED,
            "invalid_api_key",
            "Incorrect API key provided.",
        );
    }
    let inputs: Vec<String> = match &body["input"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request_error",
                "'input' is required.",
            );
        }
    };
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(index, text)| {
            let mut v = vec![0f32; 64];
            for w in text.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
                let h = w.bytes().fold(2166136261u32, |h, b| (h ^ b as u32).wrapping_mul(16777619));
                v[(h % 64) as usize] += 1.0;
            }
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
            json!({"object": "embedding", "index": index, "embedding": v.iter().map(|x| x / norm).collect::<Vec<_>>()})
        })
        .collect();
    Json(json!({"object": "list", "data": data, "model": body["model"], "usage": {"prompt_tokens": 0, "total_tokens": 0}})).into_response()
}
