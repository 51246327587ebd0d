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
//!
//! Vision requests (content parts with `image_url`) follow the contract of the server named
//! by [`Recorded::vision_mode`], as `shared/vision.md` §4 describes it:
//!
//! - all modes: only `text` and `image_url` parts; images must be base64 data URLs of
//!   JPEG, PNG, WebP or GIF whose bytes are what the prefix says (HEIC is refused);
//! - [`VisionMode::OpenAi`]: errors as `{"error": {"message", "type", "param", "code"}}`;
//!   http(s) image URLs are accepted (not fetched);
//! - [`VisionMode::Ollama`]: `image_url` may be a bare string; http(s) URLs are refused with
//!   Ollama's message; GIF is not among its data-URL types;
//! - [`VisionMode::Vllm`]: at most one image per request (its historical default), errors as
//!   `{"object": "error", "message", "type", "code"}`.
//!
//! A structured request (`response_format.json_schema`, named `parley_<kind>`) without a
//! scripted answer gets a schema-valid fixture for its kind. Model names switch failures:
//! `vision-invalid-json` (content that is no JSON), `vision-truncated` (`finish_reason:
//! "length"`), `vision-refusal` (`message.refusal`), and `broken` / `rate-limit-once` as above
//! (in each mode's error shape).

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
    /// Whose vision contract the server follows.
    pub vision_mode: VisionMode,
}

/// The vendor whose vision contract the server follows (see the module docs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum VisionMode {
    #[default]
    OpenAi,
    Ollama,
    Vllm,
}

impl VisionMode {
    /// An error in this server's shape.
    fn error(self, status: StatusCode, kind: &str, message: &str) -> Response {
        match self {
            VisionMode::OpenAi | VisionMode::Ollama => error(status, kind, message),
            VisionMode::Vllm => {
                let kind = if status.is_server_error() {
                    "InternalServerError"
                } else {
                    "BadRequestError"
                };
                (
                    status,
                    Json(json!({"object": "error", "message": message, "type": kind, "param": null, "code": status.as_u16()})),
                )
                    .into_response()
            }
        }
    }
}

/// Decodes the first bytes of standard base64 (enough for a magic-bytes check).
fn base64_head(text: &str, bytes: usize) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes().take(bytes.div_ceil(3) * 4) {
        if c == b'=' {
            break;
        }
        let v = ALPHABET.iter().position(|a| *a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// What the bytes are, by their magic numbers.
fn sniff(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpeg")
    } else if head.starts_with(b"\x89PNG") {
        Some("png")
    } else if head.starts_with(b"GIF8") {
        Some("gif")
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        Some("webp")
    } else if head.len() >= 12 && &head[4..8] == b"ftyp" {
        Some("heic")
    } else {
        None
    }
}

/// Checks the image parts of a vision request as `mode`'s server would: the error response
/// when it would refuse them, `None` when it takes them.
fn refuse_images(mode: VisionMode, messages: &[Value]) -> Option<Response> {
    let bad = |message: &str| mode.error(StatusCode::BAD_REQUEST, "invalid_request_error", message);
    let mut images = 0;
    for m in messages {
        let Value::Array(parts) = &m["content"] else {
            continue;
        };
        for part in parts {
            match part["type"].as_str() {
                Some("text") => continue,
                Some("image_url") => {}
                _ => return Some(bad("invalid message format")),
            }
            images += 1;
            let url = match &part["image_url"] {
                Value::Object(o) => o.get("url").and_then(Value::as_str),
                Value::String(s) if mode == VisionMode::Ollama => Some(s.as_str()),
                _ => None,
            };
            let Some(url) = url else {
                return Some(bad("invalid message format"));
            };
            if url.starts_with("http://") || url.starts_with("https://") {
                if mode == VisionMode::Ollama {
                    return Some(bad(
                        "image URLs are not currently supported, please use base64 encoded data instead",
                    ));
                }
                continue;
            }
            let types: &[&str] = match mode {
                VisionMode::Ollama => &["jpeg", "jpg", "png", "webp"],
                _ => &["jpeg", "jpg", "png", "webp", "gif"],
            };
            let declared = url
                .strip_prefix("data:image/")
                .and_then(|rest| rest.split_once(";base64,"))
                .filter(|(t, _)| types.contains(t));
            let Some((declared, data)) = declared else {
                return Some(bad("invalid image input"));
            };
            let found = base64_head(data, 16).as_deref().and_then(sniff);
            let declared = if declared == "jpg" { "jpeg" } else { declared };
            if found != Some(declared) {
                return Some(bad(
                    "You uploaded an unsupported image. Please make sure your image is below 20 MB in size and is of one the following formats: ['png', 'jpeg', 'gif', 'webp'].",
                ));
            }
        }
    }
    if mode == VisionMode::Vllm && images > 1 {
        return Some(bad("At most 1 image(s) may be provided in one request."));
    }
    None
}

/// A schema-valid answer for a structured request named `parley_<kind>`.
fn fixture(schema_name: &str, asked: &str) -> Option<Value> {
    Some(match schema_name.strip_prefix("parley_")? {
        "condition" => {
            json!({"verdict": "used", "damages": [], "reasons": ["Light wear on the base."],
            "confidence": 0.8, "quality_issues": []})
        }
        "invoice" => {
            json!({"vendor": "ACME HARDWARE", "invoice_number": "INV-1", "date": "2026-03-14",
            "date_raw": "14.03.2026", "date_ambiguous": false, "currency": "EUR",
            "line_items": [{"description": "Hammer", "quantity": 1, "amount": 10.0}],
            "subtotal": 10.0, "tax": 1.9, "total": 11.9, "confidence": 0.9})
        }
        "count" => json!({"what": "items", "count": 2, "confidence": 0.8, "notes": [],
            "boxes": [{"x": 0.1, "y": 0.1, "width": 0.2, "height": 0.2}, {"x": 0.6, "y": 0.6, "width": 0.2, "height": 0.2}]}),
        "describe" => {
            let answer = asked.contains('?').then_some("Red.");
            json!({"description": "A photo of a product.", "tags": ["product"], "answer": answer, "confidence": 0.8})
        }
        _ => return None,
    })
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
    let mode = {
        let mut recorded = mock.recorded.lock().unwrap();
        if recorded.chat_requests.len() < MAX_RECORDED {
            recorded.chat_requests.push(body.clone());
        }
        recorded.vision_mode
    };
    if let Some(refused) = refuse_images(mode, &messages) {
        return refused;
    }
    match model.as_str() {
        "broken" => {
            return mode.error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "The server had an error while processing your request.",
            );
        }
        "rate-limit-once" => {
            let first =
                !std::mem::replace(&mut mock.recorded.lock().unwrap().rate_limited_once, true);
            if first {
                let mut r = mode.error(
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
    let schema = body["response_format"]["json_schema"]["name"]
        .as_str()
        .unwrap_or_default();
    let structured = (!schema.is_empty())
        .then(|| fixture(schema, &question))
        .flatten()
        .map(|v| v.to_string());
    let answer = scripted
        .or(structured)
        .unwrap_or_else(|| format!("You asked: {question}"));
    let prompt_tokens: usize = messages
        .iter()
        .map(|m| text_of(m).split_whitespace().count())
        .sum();
    let words: Vec<String> = answer.split_inclusive(' ').map(str::to_string).collect();
    if body["stream"] != true {
        let usage = json!({"prompt_tokens": prompt_tokens, "completion_tokens": words.len(), "total_tokens": prompt_tokens + words.len()});
        let (message, finish) = if model.contains("vision-refusal") {
            (
                json!({"role": "assistant", "content": null, "refusal": "I can't help with that request."}),
                "stop",
            )
        } else if model.contains("vision-truncated") {
            let cut: String = answer.chars().take(answer.len() / 2).collect();
            (json!({"role": "assistant", "content": cut}), "length")
        } else if model.contains("vision-invalid-json") {
            (
                json!({"role": "assistant", "content": "Sure! The item looks fine to me."}),
                "stop",
            )
        } else {
            (json!({"role": "assistant", "content": answer}), "stop")
        };
        if message["content"] != json!(answer) || message["refusal"].is_string() {
            return Json(json!({
                "id": "chatcmpl-test", "object": "chat.completion", "model": model,
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": usage,
            }))
            .into_response();
        }
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
