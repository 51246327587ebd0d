//! A client for OpenAI-compatible chat completions (streamed, or whole for internal calls)
//! and embeddings.
//!
//! Requests that fail before any token arrives are retried: 429 and 5xx answers after their
//! `Retry-After` (or an exponential backoff), network errors after the backoff. Once tokens
//! flow, a failure ends the stream with an error: the caller decides what the visitor sees.

use futures::{Stream, StreamExt};
use parley_domain::chat::memory::PromptMessage;
use parley_domain::egress::{AllowHosts, is_public};
use serde::Deserialize;
use serde_json::json;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AiError {
    #[error("the model did not answer within {0:?}")]
    Timeout(Duration),
    #[error("rate limited by the model provider (retry after {retry_after_secs:?} s)")]
    RateLimited { retry_after_secs: Option<u64> },
    #[error("the model provider answered {status}: {message}")]
    Http { status: u16, message: String },
    #[error("could not reach the model provider: {0}")]
    Network(String),
    #[error("unexpected answer from the model provider: {0}")]
    Protocol(String),
    /// The endpoint is on an address outgoing calls may not reach (see [`ModelHosts`]).
    #[error("{0}")]
    Refused(String),
}

/// Where and how to reach one model.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Up to and including `/v1`, e.g. `https://api.openai.com/v1` or `http://localhost:11434/v1`.
    pub base_url: String,
    pub api_key: Option<String>,
    /// Send the key as `api-key` (Azure OpenAI) rather than `Authorization: Bearer`.
    pub api_key_header: bool,
    pub model: String,
    /// Until the first token (and between tokens).
    pub timeout: Duration,
    /// Attempts before giving up on 429, 5xx and network errors.
    pub max_attempts: u32,
}

/// A completed answer's accounting, from the provider's `usage` when it reports one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
}

/// What a streamed completion yields.
#[derive(Debug, Clone, PartialEq)]
pub enum Delta {
    Text(String),
    Usage(Usage),
}

pub type DeltaStream = Pin<Box<dyn Stream<Item = Result<Delta, AiError>> + Send>>;

/// The model client. It reaches only public addresses, besides the hosts the operator
/// allowed (a local Ollama, vLLM or LM Studio): a bot's base URL is written by a workspace
/// manager, and a model call carries the bot's key and returns what it read. Names are
/// checked as they resolve, on every new connection, so a name that later points inward
/// is refused then; an address written into the URL is checked before each request; and
/// redirects are not followed, since a redirect's target is not checked.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    allowed: Arc<AllowHosts>,
}

impl Client {
    /// A client that may also reach the `allowed` hosts on private addresses.
    pub fn new(allowed: AllowHosts) -> Self {
        let allowed = Arc::new(allowed);
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("parley/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(PublicResolver(allowed.clone())))
            .build()
            .expect("a TLS provider is installed at start-up");
        Self { http, allowed }
    }

    /// Whether a model URL would be refused before any call: its host is a non-public
    /// address or a `localhost` name the operator did not allow. Names that resolve to
    /// private addresses are refused when called (the resolver checks them).
    pub fn refusal(&self, url: &str) -> Option<String> {
        if let Err(AiError::Refused(why)) = self.check_address(url) {
            return Some(why);
        }
        let parsed = reqwest::Url::parse(url).ok()?;
        let host = parsed.host_str()?.to_ascii_lowercase();
        let local = host == "localhost" || host.ends_with(".localhost");
        (local && !self.allowed.allows_host(&host)).then(|| match refused(&host) {
            AiError::Refused(why) => why,
            other => other.to_string(),
        })
    }

    /// Refuses a URL whose host is an address (no name to resolve) that is not public,
    /// unless allowed.
    fn check_address(&self, url: &str) -> Result<(), AiError> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| AiError::Refused(format!("the model URL is not valid: {e}")))?;
        let host = parsed.host_str().unwrap_or("");
        let Ok(ip) = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        else {
            return Ok(()); // a name: checked as it resolves
        };
        let port = parsed.port_or_known_default().unwrap_or(0);
        if is_public(ip) || self.allowed.allows(&ip.to_string(), port) {
            Ok(())
        } else {
            Err(refused(&ip.to_string()))
        }
    }

    /// Starts a streamed chat completion. `image` (a `data:` URL) goes with the last message,
    /// as OpenAI's vision input does (`image_url` content parts), for models that see images.
    pub async fn chat_stream(
        &self,
        endpoint: &Endpoint,
        messages: &[PromptMessage],
        image: Option<&str>,
        max_tokens: u32,
        temperature: f32,
    ) -> Result<DeltaStream, AiError> {
        let mut messages = json!(messages);
        if let (Some(url), Some(last)) = (image, messages.as_array_mut().and_then(|m| m.last_mut()))
        {
            let text = last["content"].take();
            last["content"] = json!([
                {"type": "text", "text": text},
                {"type": "image_url", "image_url": {"url": url}},
            ]);
        }
        let body = json!({
            "model": endpoint.model,
            "messages": messages,
            "stream": true,
            "stream_options": {"include_usage": true},
            "max_tokens": max_tokens,
            "temperature": temperature,
        });
        let response = self
            .post_with_retries(endpoint, "chat/completions", &body)
            .await?;
        let timeout = endpoint.timeout;
        let bytes = response.bytes_stream();
        Ok(Box::pin(sse_deltas(bytes, timeout)))
    }

    /// A whole completion as one text: for short internal calls (classification,
    /// summaries) where nobody watches the tokens arrive. Not streamed: one JSON body to
    /// read instead of an event per token.
    pub async fn chat_text(
        &self,
        endpoint: &Endpoint,
        messages: &[PromptMessage],
        max_tokens: u32,
    ) -> Result<String, AiError> {
        #[derive(Deserialize)]
        struct Message {
            content: Option<String>,
        }
        #[derive(Deserialize)]
        struct Choice {
            message: Message,
        }
        #[derive(Deserialize)]
        struct Body {
            choices: Vec<Choice>,
        }
        let body = json!({
            "model": endpoint.model,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": 0.0,
        });
        let response = self
            .post_with_retries(endpoint, "chat/completions", &body)
            .await?;
        let parsed: Body = tokio::time::timeout(endpoint.timeout, response.json())
            .await
            .map_err(|_| AiError::Timeout(endpoint.timeout))?
            .map_err(|e| AiError::Protocol(e.to_string()))?;
        let choice = parsed
            .choices
            .into_iter()
            .next()
            .ok_or_else(|| AiError::Protocol("the completion has no choices".into()))?;
        // A refusal or a tool call comes with `content: null`: no text.
        Ok(choice.message.content.unwrap_or_default())
    }

    /// Sends a chat-completions `body` built elsewhere (a vision request with its image and
    /// response schema) to the endpoint, with the same address checks, key, timeout and
    /// retries as every other call, and returns the 2xx body for the caller to parse: the
    /// vision crate owns the request and answer shapes, this client owns the wire.
    pub async fn chat_json(
        &self,
        endpoint: &Endpoint,
        body: &serde_json::Value,
    ) -> Result<bytes::Bytes, AiError> {
        let response = self
            .post_with_retries(endpoint, "chat/completions", body)
            .await?;
        tokio::time::timeout(endpoint.timeout, response.bytes())
            .await
            .map_err(|_| AiError::Timeout(endpoint.timeout))?
            .map_err(|e| AiError::Protocol(e.to_string()))
    }

    /// Embeds each input, in order.
    pub async fn embed(
        &self,
        endpoint: &Endpoint,
        inputs: &[String],
    ) -> Result<Vec<Vec<f32>>, AiError> {
        #[derive(Deserialize)]
        struct Item {
            index: usize,
            embedding: Vec<f32>,
        }
        #[derive(Deserialize)]
        struct Body {
            data: Vec<Item>,
        }
        let body = json!({"model": endpoint.model, "input": inputs});
        let response = self
            .post_with_retries(endpoint, "embeddings", &body)
            .await?;
        let mut parsed: Body = tokio::time::timeout(endpoint.timeout, response.json())
            .await
            .map_err(|_| AiError::Timeout(endpoint.timeout))?
            .map_err(|e| AiError::Protocol(e.to_string()))?;
        parsed.data.sort_by_key(|i| i.index);
        if parsed.data.len() != inputs.len() {
            return Err(AiError::Protocol(format!(
                "{} embeddings for {} inputs",
                parsed.data.len(),
                inputs.len()
            )));
        }
        Ok(parsed.data.into_iter().map(|i| i.embedding).collect())
    }

    async fn post_with_retries(
        &self,
        endpoint: &Endpoint,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<reqwest::Response, AiError> {
        let url = format!("{}/{path}", endpoint.base_url.trim_end_matches('/'));
        self.check_address(&url)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = self.http.post(&url).json(body).timeout(endpoint.timeout);
            request = match &endpoint.api_key {
                Some(key) if endpoint.api_key_header => request.header("api-key", key),
                Some(key) => request.bearer_auth(key),
                None => request,
            };
            let error = match request.send().await {
                Ok(response) if response.status().is_success() => return Ok(response),
                Ok(response) => error_from(response).await,
                Err(e) if e.is_timeout() => AiError::Timeout(endpoint.timeout),
                Err(e) => network_error(&e),
            };
            let retryable = match &error {
                AiError::RateLimited { .. } | AiError::Network(_) | AiError::Timeout(_) => true,
                AiError::Http { status, .. } => *status >= 500,
                AiError::Protocol(_) | AiError::Refused(_) => false,
            };
            if !retryable || attempt >= endpoint.max_attempts.max(1) {
                return Err(error);
            }
            let wait = match &error {
                AiError::RateLimited {
                    retry_after_secs: Some(s),
                } => Duration::from_secs((*s).min(30)),
                _ => Duration::from_millis(250 * 2u64.pow(attempt - 1)),
            };
            tracing::info!(%error, attempt, wait_ms = wait.as_millis() as u64, "model request failed; retrying");
            tokio::time::sleep(wait).await;
        }
    }
}

/// The message of an error body: OpenAI's `{"error": {"message"}}`, vLLM's top-level
/// `{"object": "error", "message"}`, or Ollama's native `{"error": "..."}`; `None` for
/// anything else (the caller then shows the start of the body).
pub fn error_body_message(text: &str) -> Option<String> {
    let v = serde_json::from_str::<serde_json::Value>(text).ok()?;
    v["error"]["message"]
        .as_str()
        .or_else(|| v["error"].as_str())
        .or_else(|| v["message"].as_str())
        .map(str::to_string)
}

/// Reads the error body (OpenAI's, vLLM's or Ollama's shape) and `Retry-After`.
async fn error_from(response: reqwest::Response) -> AiError {
    let status = response.status().as_u16();
    let retry_after_secs = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let text = response.text().await.unwrap_or_default();
    let message = error_body_message(&text).unwrap_or_else(|| text.chars().take(300).collect());
    if status == 429 {
        AiError::RateLimited { retry_after_secs }
    } else {
        AiError::Http { status, message }
    }
}

/// Turns an SSE byte stream of chat-completion chunks into deltas, ending at `[DONE]`.
fn sse_deltas(
    bytes: impl Stream<Item = reqwest::Result<bytes::Bytes>> + Send + 'static,
    timeout: Duration,
) -> impl Stream<Item = Result<Delta, AiError>> + Send {
    futures::stream::unfold(
        (Box::pin(bytes), String::new(), false),
        move |(mut bytes, mut buffer, mut done)| async move {
            loop {
                if done {
                    return None;
                }
                if let Some(end) = buffer.find('\n') {
                    let line = buffer[..end].trim_end_matches('\r').to_string();
                    buffer.drain(..=end);
                    let Some(data) = line.strip_prefix("data:").map(str::trim) else {
                        continue;
                    };
                    if data == "[DONE]" {
                        done = true;
                        continue;
                    }
                    match parse_chunk(data) {
                        Ok(Some(delta)) => return Some((Ok(delta), (bytes, buffer, done))),
                        Ok(None) => continue,
                        Err(e) => return Some((Err(e), (bytes, buffer, true))),
                    }
                }
                match tokio::time::timeout(timeout, bytes.next()).await {
                    Err(_) => return Some((Err(AiError::Timeout(timeout)), (bytes, buffer, true))),
                    Ok(None) => {
                        // The connection closed without `[DONE]`.
                        return Some((
                            Err(AiError::Protocol("the stream ended early".into())),
                            (bytes, buffer, true),
                        ));
                    }
                    Ok(Some(Err(e))) => {
                        return Some((Err(AiError::Network(e.to_string())), (bytes, buffer, true)));
                    }
                    Ok(Some(Ok(chunk))) => buffer.push_str(&String::from_utf8_lossy(&chunk)),
                }
            }
        },
    )
}

/// One streamed `data:` chunk, typed so that parsing skips the fields we do not read
/// (id, model, fingerprint, logprobs…) instead of building a tree of them for every token.
#[derive(Deserialize)]
struct StreamChunk {
    /// Any shape: servers differ, and only its `message` is read.
    #[serde(default)]
    error: Option<serde_json::Value>,
    #[serde(default)]
    choices: Option<Vec<ChunkChoice>>,
    #[serde(default)]
    usage: Option<ChunkUsage>,
}

#[derive(Deserialize)]
struct ChunkChoice {
    #[serde(default)]
    delta: Option<ChunkDelta>,
}

#[derive(Deserialize)]
struct ChunkDelta {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize)]
struct ChunkUsage {
    #[serde(default)]
    prompt_tokens: Option<u64>,
    #[serde(default)]
    completion_tokens: Option<u64>,
}

fn parse_chunk(data: &str) -> Result<Option<Delta>, AiError> {
    let chunk: StreamChunk =
        serde_json::from_str(data).map_err(|e| AiError::Protocol(format!("bad chunk: {e}")))?;
    if let Some(message) = chunk.error.as_ref().and_then(|e| e["message"].as_str()) {
        return Err(AiError::Http {
            status: 200,
            message: message.to_string(),
        });
    }
    let text = chunk
        .choices
        .into_iter()
        .flatten()
        .next()
        .and_then(|c| c.delta)
        .and_then(|d| d.content)
        .filter(|t| !t.is_empty());
    if let Some(text) = text {
        return Ok(Some(Delta::Text(text)));
    }
    if let Some(usage) = chunk.usage {
        return Ok(Some(Delta::Usage(Usage {
            prompt_tokens: usage.prompt_tokens.unwrap_or(0) as u32,
            completion_tokens: usage.completion_tokens.unwrap_or(0) as u32,
        })));
    }
    Ok(None)
}

/// A failed request as an error: [`AiError::Refused`] when the resolver refused the host,
/// else a network error naming its causes (reqwest's own message leaves them out).
fn network_error(error: &reqwest::Error) -> AiError {
    let mut causes = vec![error.to_string()];
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(AiError::Refused(why)) = cause.downcast_ref::<AiError>() {
            return AiError::Refused(why.clone());
        }
        causes.push(cause.to_string());
        source = cause.source();
    }
    AiError::Network(causes.join(": "))
}

fn refused(host: &str) -> AiError {
    AiError::Refused(format!(
        "refusing to call {host}: it is a private, loopback or link-local address (an operator can allow it with PARLEY_WEBHOOK_ALLOW_HOSTS)"
    ))
}

/// Resolves model hosts and refuses names that resolve to any non-public address, unless
/// the host is allowed.
struct PublicResolver(Arc<AllowHosts>);

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        let allowed = self.0.allows_host(&host);
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if !allowed && addrs.iter().any(|a| !is_public(a.ip())) {
                return Err(refused(&host).into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_chunks_as_servers_send_them() {
        let text = r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","system_fingerprint":"fp","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"logprobs":null,"finish_reason":null}],"usage":null}"#;
        assert!(matches!(parse_chunk(text), Ok(Some(Delta::Text(t))) if t == "Hel"));
        let usage = r#"{"id":"c","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}"#;
        assert!(matches!(
            parse_chunk(usage),
            Ok(Some(Delta::Usage(Usage {
                prompt_tokens: 12,
                completion_tokens: 3
            })))
        ));
        let finish = r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#;
        assert!(matches!(parse_chunk(finish), Ok(None)));
        assert!(matches!(
            parse_chunk(r#"{"choices":null,"usage":null}"#),
            Ok(None)
        ));
        let error = r#"{"error":{"message":"overloaded","type":"server_error"}}"#;
        assert!(
            matches!(parse_chunk(error), Err(AiError::Http { message, .. }) if message == "overloaded")
        );
        assert!(matches!(
            parse_chunk("{not json"),
            Err(AiError::Protocol(_))
        ));
    }
}
