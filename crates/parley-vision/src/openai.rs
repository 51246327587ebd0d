//! The vision request and its answer for OpenAI-compatible chat completions (OpenAI, Ollama,
//! vLLM, LM Studio), as pure functions: the engine sends the body with its own HTTP client,
//! retries and timeouts, and hands the status and body back here.
//!
//! What every server accepts (see `/work/shared/vision.md` §4, summarised in `docs/vision.md`):
//! one image per request (vLLM's default limit), as a base64 `data:` URL (Ollama refuses http
//! URLs), in an `image_url` content part; structured output as
//! `response_format: {type: "json_schema", json_schema: {name, strict, schema}}`.

use crate::{Analysis, Invalid, Kind, Normalized, Task};
use serde_json::{Value, json};
use std::time::Duration;

/// The image to send: a normalised JPEG or PNG.
#[derive(Debug, Clone, Copy)]
pub struct ImagePart<'a> {
    pub mime: &'a str,
    pub bytes: &'a [u8],
}

impl Normalized {
    pub fn part(&self) -> ImagePart<'_> {
        ImagePart {
            mime: self.mime,
            bytes: &self.bytes,
        }
    }
}

/// Everything one vision request needs.
#[derive(Debug, Clone)]
pub struct VisionRequest<'a> {
    pub model: &'a str,
    pub task: &'a Task,
    pub image: ImagePart<'a>,
    /// OCR text of the image, when we have it: a model reads amounts more reliably with it.
    pub ocr_text: Option<&'a str>,
    /// Room for the answer; an answer cut off at this limit is an error, not a result.
    pub max_tokens: u32,
}

/// The largest OCR text passed along, in characters (a receipt is well under it).
pub const MAX_OCR_CHARS: usize = 6_000;

/// Why a vision call gave no result. The messages are for the agent or the admin.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VisionError {
    #[error("The image cannot be sent to a vision model: {0}")]
    Request(String),
    #[error("The vision server answered {status}: {message}")]
    Http {
        status: u16,
        message: String,
        retry_after: Option<Duration>,
    },
    #[error("The vision model declined to analyse the image: {0}")]
    Refused(String),
    #[error("The vision model's answer was cut off at the token limit; raise max_tokens.")]
    Truncated,
    #[error("The vision server's answer is not a chat completion: {0}")]
    Protocol(String),
    #[error("The vision model's answer is not a valid result: {0}")]
    Invalid(Invalid),
}

impl VisionError {
    /// Worth trying again: rate limits, server errors, timeouts, and an answer that broke the
    /// rules (a model's slip is often not repeated).
    pub fn retryable(&self) -> bool {
        match self {
            VisionError::Http { status, .. } => matches!(status, 408 | 409 | 429 | 500..=599),
            VisionError::Invalid(_) => true,
            _ => false,
        }
    }

    /// How long the server asked us to wait, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            VisionError::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// The result of a successful call.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelAnswer {
    pub analysis: Analysis,
    /// The model that answered, as the server names it.
    pub model: Option<String>,
    pub usage: Option<Usage>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// The system prompt per kind: what to look for, and to answer with the schema only.
fn system_prompt(kind: Kind) -> &'static str {
    match kind {
        Kind::Condition => {
            "You inspect photos of products that customers want to return. Judge only what the photo shows: \
             list every visible defect with where it is and how severe, and give plain reasons a customer \
             understands. If the photo is too blurry, dark or cropped to judge, say so in quality_issues and \
             answer needs_review. Never guess. Answer only with JSON matching the schema."
        }
        Kind::Invoice => {
            "You read invoices and receipts. Copy every field exactly as printed; amounts as numbers with a \
             dot for decimals; null for anything you cannot read. Do not compute missing amounts. Answer only \
             with JSON matching the schema."
        }
        Kind::Count => {
            "You count items in photos. Count each distinct item once, give a box per item as fractions of \
             the image size, and say in notes what made counting hard. Answer only with JSON matching the \
             schema."
        }
        Kind::Describe => {
            "You describe images for a customer-support agent: one or two factual sentences, a few tags, and \
             a direct answer when a question is asked. Answer only with JSON matching the schema."
        }
    }
}

/// The user's instruction for a task.
fn instruction(task: &Task) -> String {
    match task {
        Task::Condition => "What condition is this product in?".to_string(),
        Task::Invoice => "Extract the fields of this invoice or receipt.".to_string(),
        Task::Count { .. } => match task.count_what() {
            Some(what) => format!("Count the {what} in this photo."),
            None => "Count the items in this photo (decide what they are).".to_string(),
        },
        Task::Describe { .. } => match task.question() {
            Some(q) => format!("Describe this image and answer the question: {q}"),
            None => "Describe this image. No question was asked: answer is null.".to_string(),
        },
    }
}

/// The chat-completions body for one image and one task.
pub fn build_request(req: &VisionRequest<'_>) -> Result<Value, VisionError> {
    if !matches!(
        req.image.mime,
        "image/jpeg" | "image/png" | "image/webp" | "image/gif"
    ) {
        return Err(VisionError::Request(format!(
            "{} is not a type vision servers accept; normalise it first",
            req.image.mime
        )));
    }
    if crate::normalize::sniff(req.image.bytes).is_err() {
        return Err(VisionError::Request(
            "the bytes are not an image; normalise it first".to_string(),
        ));
    }
    let kind = req.task.kind();
    let mut content = vec![json!({"type": "text", "text": instruction(req.task)})];
    if let Some(text) = req.ocr_text.map(str::trim).filter(|t| !t.is_empty()) {
        let text: String = text.chars().take(MAX_OCR_CHARS).collect();
        content.push(json!({
            "type": "text",
            "text": format!("OCR of the image (may contain misreadings; the image decides):\n{text}"),
        }));
    }
    content.push(json!({
        "type": "image_url",
        "image_url": {"url": crate::normalize::data_url(req.image.mime, req.image.bytes), "detail": "high"},
    }));
    Ok(json!({
        "model": req.model,
        "messages": [
            {"role": "system", "content": system_prompt(kind)},
            {"role": "user", "content": content},
        ],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": format!("parley_{kind}"), "strict": true, "schema": kind.schema()},
        },
        "temperature": 0,
        "max_tokens": req.max_tokens,
    }))
}

/// Turns a 2xx chat-completions body into a validated result for `task`.
pub fn parse_response(task: &Task, body: &[u8]) -> Result<ModelAnswer, VisionError> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| VisionError::Protocol(format!("not JSON ({e}): {}", snippet(body))))?;
    if let Some(error) = v.get("error").filter(|e| !e.is_null()) {
        // Some gateways answer 200 with an error envelope.
        return Err(VisionError::Http {
            status: 200,
            message: error_message(error),
            retry_after: None,
        });
    }
    let choice = v
        .get("choices")
        .and_then(|c| c.get(0))
        .ok_or_else(|| VisionError::Protocol(format!("no choices in {}", snippet(body))))?;
    let message = choice.get("message").unwrap_or(&Value::Null);
    if let Some(refusal) = message
        .get("refusal")
        .and_then(Value::as_str)
        .filter(|r| !r.trim().is_empty())
    {
        return Err(VisionError::Refused(refusal.trim().to_string()));
    }
    match choice.get("finish_reason").and_then(Value::as_str) {
        Some("length") => return Err(VisionError::Truncated),
        Some("content_filter") => {
            return Err(VisionError::Refused(
                "the provider's content filter stopped the answer".into(),
            ));
        }
        _ => {}
    }
    let content = match message.get("content") {
        Some(Value::String(s)) => s.clone(),
        // A few servers answer with content parts.
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect(),
        _ => return Err(VisionError::Protocol("the answer has no content".into())),
    };
    let json = strip_fences(&content);
    let analysis = Analysis::from_model_json(task, json).map_err(VisionError::Invalid)?;
    let usage = v.get("usage").and_then(|u| {
        Some(Usage {
            prompt_tokens: u.get("prompt_tokens")?.as_u64()?,
            completion_tokens: u.get("completion_tokens")?.as_u64()?,
        })
    });
    Ok(ModelAnswer {
        analysis,
        model: v.get("model").and_then(Value::as_str).map(str::to_string),
        usage,
    })
}

/// The error for a non-2xx answer: the server's own message when its body has one (OpenAI's
/// `{"error": {"message"}}`, vLLM's `{"message"}`, Ollama's `{"error": "..."}`), otherwise
/// the start of the body. `retry_after` is the `Retry-After` header, in seconds.
pub fn error_from_status(status: u16, body: &[u8], retry_after: Option<&str>) -> VisionError {
    let message = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| {
            v.get("error")
                .map(error_message)
                .or_else(|| v.get("message").and_then(Value::as_str).map(str::to_string))
        })
        .unwrap_or_else(|| {
            let s = snippet(body);
            if s.is_empty() {
                "no details given".to_string()
            } else {
                s
            }
        });
    let retry_after = retry_after
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    VisionError::Http {
        status,
        message,
        retry_after,
    }
}

fn error_message(error: &Value) -> String {
    match error {
        Value::String(s) => s.clone(),
        other => other
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| other.to_string()),
    }
}

/// Models without structured output wrap JSON in a Markdown fence.
fn strip_fences(s: &str) -> &str {
    let t = s.trim();
    let Some(rest) = t.strip_prefix("```") else {
        return t;
    };
    let rest = rest.strip_prefix("json").unwrap_or(rest);
    rest.strip_suffix("```").unwrap_or(rest).trim()
}

fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .trim()
        .chars()
        .take(300)
        .collect()
}

/// The probe behind a bot's "test vision" button: a small generated image of a red square on
/// white and the question of its colour. A model that cannot see answers something else.
pub fn probe_request(model: &str) -> Value {
    let img = image::RgbImage::from_fn(96, 96, |x, y| {
        if (24..72).contains(&x) && (24..72).contains(&y) {
            image::Rgb([220, 20, 20])
        } else {
            image::Rgb([255, 255, 255])
        }
    });
    let png = crate::normalize::encode_png(&img).expect("a small PNG encodes");
    build_request(&VisionRequest {
        model,
        task: &probe_task(),
        image: ImagePart {
            mime: "image/png",
            bytes: &png,
        },
        ocr_text: None,
        max_tokens: 200,
    })
    .expect("the probe image is a PNG")
}

fn probe_task() -> Task {
    Task::Describe {
        question: Some("What colour is the square in the middle? Answer with one word.".into()),
    }
}

/// Checks the probe's answer: `Ok` when the model saw the red square.
pub fn check_probe(body: &[u8]) -> Result<ModelAnswer, VisionError> {
    let answer = parse_response(&probe_task(), body)?;
    let Analysis::Describe(d) = &answer.analysis else {
        unreachable!("a describe task gives a describe result")
    };
    let said = d.answer.as_deref().unwrap_or_default().to_lowercase();
    if said.contains("red") {
        Ok(answer)
    } else {
        Err(VisionError::Invalid(Invalid::new(
            Kind::Describe,
            vec![format!(
                "the model did not see the red square (it answered {said:?}); it may not support images"
            )],
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG_1X1: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0,
        0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xDE,
    ];

    fn completion(content: &str) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "id": "chatcmpl-1", "object": "chat.completion", "model": "qwen2.5vl:7b",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 812, "completion_tokens": 96, "total_tokens": 908}
        }))
        .unwrap()
    }

    #[test]
    fn the_request_carries_a_data_url_the_schema_and_the_ocr_text() {
        let task = Task::Invoice;
        let body = build_request(&VisionRequest {
            model: "gpt-4o-mini",
            task: &task,
            image: ImagePart {
                mime: "image/png",
                bytes: PNG_1X1,
            },
            ocr_text: Some("TOTAL 58.85"),
            max_tokens: 800,
        })
        .unwrap();
        assert_eq!(body["model"], "gpt-4o-mini");
        assert_eq!(body["max_tokens"], 800);
        let rf = &body["response_format"];
        assert_eq!(rf["type"], "json_schema");
        assert_eq!(rf["json_schema"]["name"], "parley_invoice");
        assert_eq!(rf["json_schema"]["strict"], true);
        assert_eq!(rf["json_schema"]["schema"], Kind::Invoice.schema());
        let parts = body["messages"][1]["content"].as_array().unwrap();
        assert_eq!(parts.len(), 3);
        assert!(parts[1]["text"].as_str().unwrap().ends_with("TOTAL 58.85"));
        let url = parts[2]["image_url"]["url"].as_str().unwrap();
        assert!(
            url.starts_with("data:image/png;base64,iVBORw0KGgo"),
            "{url}"
        );
        assert_eq!(
            body["messages"].as_array().unwrap().len(),
            2,
            "one image, one user message (vLLM's limit)"
        );
    }

    #[test]
    fn the_request_refuses_what_is_not_a_normalised_image() {
        let task = Task::Condition;
        let req = |mime, bytes| VisionRequest {
            model: "m",
            task: &task,
            image: ImagePart { mime, bytes },
            ocr_text: None,
            max_tokens: 10,
        };
        assert!(matches!(
            build_request(&req("image/heic", PNG_1X1)),
            Err(VisionError::Request(_))
        ));
        assert!(matches!(
            build_request(&req("image/png", b"<svg/>")),
            Err(VisionError::Request(_))
        ));
    }

    #[test]
    fn a_valid_answer_becomes_a_checked_result_with_usage() {
        let content = r#"{"what":"boxes","count":2,"boxes":[{"x":0.1,"y":0.1,"width":0.2,"height":0.2},{"x":0.5,"y":0.5,"width":0.2,"height":0.2}],"confidence":0.85,"notes":[]}"#;
        let a = parse_response(
            &Task::Count {
                what: Some("boxes".into()),
            },
            &completion(content),
        )
        .unwrap();
        let Analysis::Count(c) = a.analysis else {
            panic!()
        };
        assert_eq!(c.count, 2);
        assert!(!c.estimate);
        assert_eq!(a.model.as_deref(), Some("qwen2.5vl:7b"));
        assert_eq!(
            a.usage,
            Some(Usage {
                prompt_tokens: 812,
                completion_tokens: 96
            })
        );
    }

    #[test]
    fn an_invoice_answer_gets_our_checks_whatever_the_model_believed() {
        // The model's amounts do not add up (items 30.00, subtotal 35.00); it still says 0.95.
        let content = r#"{"vendor":"ACME","invoice_number":"INV-7","date":"2024-03-14","date_raw":"14.03.2024",
            "date_ambiguous":false,"currency":"EUR","line_items":[{"description":"Hammer","quantity":2,"amount":30.0}],
            "subtotal":35.0,"tax":6.65,"total":41.65,"confidence":0.95}"#;
        let a = parse_response(&Task::Invoice, &completion(content)).unwrap();
        let Analysis::Invoice(inv) = a.analysis else {
            panic!()
        };
        assert_eq!(
            inv.checks.items_match_subtotal,
            crate::invoice::Check::Failed
        );
        assert_eq!(
            inv.checks.subtotal_plus_tax_matches_total,
            crate::invoice::Check::Passed
        );
        assert_eq!(inv.confidence, crate::invoice::FAILED_CHECK_CONFIDENCE);
        let v = serde_json::to_value(Analysis::Invoice(inv)).unwrap();
        assert_eq!(v["kind"], "invoice");
        assert_eq!(v["checks"]["items_match_subtotal"], "failed");
    }

    #[test]
    fn fenced_json_is_read() {
        let content = "```json\n{\"description\":\"A mug.\",\"tags\":[],\"answer\":null,\"confidence\":0.7}\n```";
        assert!(parse_response(&Task::Describe { question: None }, &completion(content)).is_ok());
    }

    #[test]
    fn refusals_truncation_invalid_json_and_broken_rules_are_errors() {
        let task = Task::Condition;
        let refusal = serde_json::to_vec(&json!({"choices": [{"message": {"content": null, "refusal": "I can't help with that."}, "finish_reason": "stop"}]})).unwrap();
        assert_eq!(
            parse_response(&task, &refusal),
            Err(VisionError::Refused("I can't help with that.".into()))
        );
        let cut = serde_json::to_vec(&json!({"choices": [{"message": {"content": "{\"verdict\":\"dam"}, "finish_reason": "length"}]})).unwrap();
        assert_eq!(parse_response(&task, &cut), Err(VisionError::Truncated));
        let e = parse_response(&task, &completion("The item looks damaged.")).unwrap_err();
        assert!(
            matches!(&e, VisionError::Invalid(i) if i.problems[0].contains("not the condition schema")),
            "{e}"
        );
        assert!(e.retryable());
        let broken = r#"{"verdict":"damaged","damages":[],"reasons":["cracked"],"confidence":0.9,"quality_issues":[]}"#;
        let e = parse_response(&task, &completion(broken)).unwrap_err();
        assert!(
            e.to_string().contains("verdict damaged lists no damage"),
            "{e}"
        );
        assert!(matches!(
            parse_response(&task, b"<html>Bad gateway</html>"),
            Err(VisionError::Protocol(_))
        ));
        assert!(matches!(
            parse_response(&task, br#"{"choices": []}"#),
            Err(VisionError::Protocol(_))
        ));
    }

    #[test]
    fn error_bodies_of_each_server_give_their_message() {
        let openai = br#"{"error":{"message":"You uploaded an unsupported image.","type":"invalid_request_error","param":null,"code":null}}"#;
        let e = error_from_status(400, openai, None);
        assert_eq!(
            e.to_string(),
            "The vision server answered 400: You uploaded an unsupported image."
        );
        assert!(!e.retryable());
        let vllm = br#"{"object":"error","message":"At most 1 image(s) may be provided in one request.","type":"BadRequestError","code":400}"#;
        assert!(
            error_from_status(400, vllm, None)
                .to_string()
                .contains("At most 1 image")
        );
        let ollama = br#"{"error":"invalid image input"}"#;
        assert!(
            error_from_status(400, ollama, None)
                .to_string()
                .ends_with("invalid image input")
        );
        let limited = error_from_status(429, b"", Some("7"));
        assert!(limited.retryable());
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(7)));
        assert!(
            error_from_status(503, b"upstream down", None)
                .to_string()
                .contains("upstream down")
        );
    }

    #[test]
    fn the_probe_passes_only_when_the_model_saw_red() {
        let req = probe_request("llava");
        assert!(
            req["messages"][1]["content"][1]["image_url"]["url"]
                .as_str()
                .unwrap()
                .starts_with("data:image/png;base64,")
        );
        let saw = r#"{"description":"A red square on white.","tags":["square"],"answer":"Red.","confidence":0.9}"#;
        assert!(check_probe(&completion(saw)).is_ok());
        let blind = r#"{"description":"I cannot see images.","tags":[],"answer":"I don't know.","confidence":0.1}"#;
        assert!(
            check_probe(&completion(blind))
                .unwrap_err()
                .to_string()
                .contains("may not support images")
        );
    }
}
