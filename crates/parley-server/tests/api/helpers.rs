//! Starts the real application on 127.0.0.1:0 against a test database.

#![allow(dead_code)]

use parley_server::config::{Config, Settings};
use parley_server::{AppState, build_router};
use parley_store::Store;
use parley_store::testing::TestDb;
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

/// The master secret test servers run with.
pub const SIGNING_KEY: &[u8] = b"test signing key of at least 32 bytes";
pub const OWNER_EMAIL: &str = "owner@example.com";
pub const OWNER_PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub name: &'static str,
    stop: CancellationToken,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

pub fn install_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub fn config() -> Config {
    let settings = Settings {
        public_url: Some("https://chat.example".into()),
        max_body_bytes: Some(64 * 1024),
        // Test receivers of workflow webhooks listen on loopback.
        webhook_allow_hosts: Some("127.0.0.1".into()),
        ..Default::default()
    };
    Config::resolve(settings, None).unwrap()
}

/// Serves the app on an ephemeral port with a first-start owner. Outbox events stay
/// pending (tests read them); [`start_with_workflows`] also dispatches them to workflows.
pub async fn start(db: &TestDb) -> TestApp {
    start_with(db.store.clone(), db.name).await
}

pub async fn start_with(store: Store, name: &'static str) -> TestApp {
    serve(store, name, false, config()).await
}

/// Like [`start`], with widget writes limited to `per_minute` per address and bot (0: off).
pub async fn start_with_widget_rate(db: &TestDb, per_minute: u32) -> TestApp {
    let config = Config {
        widget_rate_per_minute: per_minute,
        ..config()
    };
    start_with_config(db, config).await
}

/// Like [`start`], with `config` (start from [`config`]).
pub async fn start_with_config(db: &TestDb, config: Config) -> TestApp {
    serve(db.store.clone(), db.name, false, config).await
}

/// Like [`start_with_config`], with the outbox dispatcher running as in `parley serve`.
pub async fn start_with_config_and_workflows(db: &TestDb, config: Config) -> TestApp {
    serve(db.store.clone(), db.name, true, config).await
}

/// Like [`start`], with the outbox dispatcher running as in `parley serve`.
pub async fn start_with_workflows(db: &TestDb) -> TestApp {
    serve(db.store.clone(), db.name, true, config()).await
}

async fn serve(store: Store, name: &'static str, dispatch: bool, config: Config) -> TestApp {
    install_tls();
    let key = SIGNING_KEY.to_vec();
    let chat = parley_engine::services::Services::new(
        store.clone(),
        parley_engine::live::Hub::default(),
        &key,
        config.webhook_allow_hosts.clone(),
    )
    .with_integrations(config.integrations.clone());
    let _ = parley_engine::bootstrap::ensure_initialized(
        &store,
        &chat.vault,
        Some(OWNER_EMAIL),
        Some(OWNER_PASSWORD),
    )
    .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = CancellationToken::new();
    let workers = parley_engine::worker::WorkerConfig {
        poll_interval: std::time::Duration::from_millis(50),
        ..Default::default()
    };
    let pool = parley_engine::worker::WorkerPool::new(
        store.clone(),
        parley_server::serve::job_registry(&chat, &config),
        workers,
    );
    let wake = pool.waker();
    tokio::spawn(pool.run(stop.clone()));
    if dispatch {
        tokio::spawn(parley_server::serve::dispatcher(&chat, wake.clone()).run(stop.clone()));
    }
    let limits = config.connections;
    let state = AppState::new(config, key, wake, chat);
    let app = build_router(state);
    tokio::spawn(parley_server::listener::serve(
        listener,
        app,
        limits,
        stop.clone(),
    ));
    TestApp {
        base: format!("http://{addr}"),
        store,
        name,
        stop,
    }
}

/// A browser-like client: keeps cookies and, once logged in, sends the CSRF token.
pub struct Session {
    pub client: Client,
    pub base: String,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
}

impl TestApp {
    pub fn anonymous(&self) -> Session {
        Session {
            client: Client::builder().cookie_store(true).build().unwrap(),
            base: self.base.clone(),
            csrf: None,
            bearer: None,
        }
    }

    pub async fn login(&self, email: &str, password: &str) -> Session {
        let mut s = self.anonymous();
        let (status, body) = s
            .call(
                Method::POST,
                "/api/v1/auth/login",
                Some(json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{}: login: {body}", self.name);
        s.csrf = body["csrf_token"].as_str().map(str::to_string);
        s
    }

    pub async fn owner(&self) -> Session {
        self.login(OWNER_EMAIL, OWNER_PASSWORD).await
    }

    /// Logs in the owner of a second workspace, to check that tenants never meet.
    pub async fn owner_of_another_workspace(&self) -> Session {
        use parley_store::repo::accounts;
        let c = self.store.db();
        let ws = accounts::create_workspace(c, "Other Co").await.unwrap();
        let hash = parley_engine::accounts::hash_password("other owner password")
            .await
            .unwrap();
        let user = accounts::create_user(c, "other@example.com", "Other", &hash)
            .await
            .unwrap();
        accounts::add_member(c, ws.id, user.id, parley_domain::Role::Owner)
            .await
            .unwrap();
        self.login("other@example.com", "other owner password")
            .await
    }

    pub fn with_token(&self, secret: &str) -> Session {
        Session {
            bearer: Some(secret.to_string()),
            ..self.anonymous()
        }
    }
}

impl Session {
    /// Creates a bot named `name`; returns the response body (the bot, or the error).
    pub async fn create_bot(&self, name: &str) -> Value {
        self.call(Method::POST, "/api/v1/bots", Some(json!({ "name": name })))
            .await
            .1
    }

    /// Points `bot` at the mock server's `model`, with its key.
    pub async fn use_model(&self, bot: &Value, mock: &parley_ai::testing::MockOpenAi, model: &str) {
        let settings = json!({"base_url": mock.base_url, "model": model, "temperature": 0.2,
            "max_tokens": 256, "context_tokens": 4096, "api_key": mock.api_key});
        let path = format!("/api/v1/bots/{}/model", bot["id"].as_str().unwrap());
        self.call(Method::PUT, &path, Some(settings)).await;
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(csrf) = &self.csrf {
            req = req.header("x-csrf-token", csrf);
        }
        if let Some(bearer) = &self.bearer {
            req = req.bearer_auth(bearer);
        }
        req
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        let mut req = self.request(method, path);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.unwrap()
    }

    /// Status and JSON body (Null when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let response = self.send(method, path, body).await;
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            if text.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).unwrap_or(Value::String(text))
            },
        )
    }
}

/// The widget API as a host page's script calls it.
pub struct Widget {
    pub client: reqwest::Client,
    pub base: String,
    pub key: String,
    pub origin: Option<String>,
    pub session: Option<String>,
}

impl Widget {
    /// A widget of `bot` (a bot as the admin API returns it) with no session yet.
    pub fn of(app: &TestApp, bot: &Value) -> Widget {
        Widget {
            client: reqwest::Client::new(),
            base: app.base.clone(),
            key: bot["public_key"].as_str().unwrap().into(),
            origin: None,
            session: None,
        }
    }

    /// Starts a conversation, keeps its session token and returns the conversation id.
    pub async fn start(&mut self) -> String {
        let (status, started) = self
            .call(
                Method::POST,
                "/widget/v1/conversations",
                Some(serde_json::json!({})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{started}");
        self.session = started["session_token"].as_str().map(str::to_string);
        started["conversation"]["id"].as_str().unwrap().to_string()
    }

    /// A request with the widget's headers.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("x-parley-bot", &self.key);
        if let Some(o) = &self.origin {
            req = req.header("origin", o);
        }
        if let Some(s) = &self.session {
            req = req.header("x-parley-session", s);
        }
        req
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.request(method, path);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}
