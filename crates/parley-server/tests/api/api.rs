//! The admin API end to end over HTTP, on every test database.

use crate::helpers;

use helpers::{OWNER_EMAIL, start};
use parley_domain::Role;
use parley_store::testing::test_stores;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn health_openapi_and_metrics() {
    for db in test_stores().await {
        let app = start(&db).await;
        let anon = app.anonymous();
        let (status, body) = anon.call(Method::GET, "/health/live", None).await;
        assert_eq!(
            (status, body["status"].as_str()),
            (StatusCode::OK, Some("live"))
        );
        let (status, body) = anon.call(Method::GET, "/health/ready", None).await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", db.name);
        assert_eq!(body["checks"]["database"]["status"], "up");
        assert_eq!(body["checks"]["database"]["backend"], db.name);

        let response = anon.send(Method::GET, "/health/live", None).await;
        assert!(
            response.headers().get("x-request-id").is_some(),
            "request ids are returned"
        );

        let (status, doc) = anon.call(Method::GET, "/api/openapi.json", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(doc["openapi"], "3.1.0");
        assert!(doc["paths"]["/api/v1/bots/{id}"]["patch"].is_object());

        let metrics = anon
            .send(Method::GET, "/metrics", None)
            .await
            .text()
            .await
            .unwrap();
        assert!(metrics.contains("parley_http_requests_total"), "{metrics}");
        assert!(metrics.contains(r#"route="/health/live""#));
        assert!(metrics.contains("parley_http_request_duration_seconds_bucket"));
        assert!(metrics.contains(r#"parley_jobs{status="queued"}"#));

        let (status, body) = anon.call(Method::GET, "/api/v1/nothing-here", None).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found"))
        );
    }
}

/// The committed OpenAPI document (the dashboard's types are generated from it) must match
/// the code; regenerate with `make openapi` when this fails.
#[test]
fn committed_openapi_document_is_current() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../web/dashboard/openapi.json"
    ))
    .unwrap();
    let committed: serde_json::Value = serde_json::from_str(&committed).unwrap();
    let current = serde_json::to_value(parley_server::router::openapi_document()).unwrap();
    assert!(
        committed == current,
        "web/dashboard/openapi.json is stale: run `make openapi`"
    );
}

#[tokio::test]
async fn login_errors_cookies_and_csrf() {
    for db in test_stores().await {
        let app = start(&db).await;
        let anon = app.anonymous();
        let login = "/api/v1/auth/login";

        let (status, body) = anon
            .call(
                Method::POST,
                login,
                Some(json!({"email": OWNER_EMAIL, "password": "wrong password"})),
            )
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_credentials"))
        );
        let (status2, body2) = anon
            .call(
                Method::POST,
                login,
                Some(json!({"email": "ghost@example.com", "password": "wrong password"})),
            )
            .await;
        assert_eq!(
            (status2, &body2),
            (status, &body),
            "{}: no hint which of email or password was wrong",
            db.name
        );

        let (status, body) = anon
            .call(
                Method::POST,
                login,
                Some(json!({"email": OWNER_EMAIL, "password": 5})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body["error"]["fields"]["password"].is_string(), "{body}");
        let (status, body) = anon
            .call(Method::POST, login, Some(json!({"email": OWNER_EMAIL})))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let response = anon
            .request(Method::POST, login)
            .header("content-type", "application/json")
            .body("{\"email\":")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let response = anon
            .request(Method::POST, login)
            .body("email=a")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let huge = json!({"email": "x".repeat(100_000), "password": "y"});
        assert_eq!(
            anon.send(Method::POST, login, Some(huge)).await.status(),
            StatusCode::PAYLOAD_TOO_LARGE
        );

        let response = anon
            .send(
                Method::POST,
                login,
                Some(json!({"email": OWNER_EMAIL, "password": helpers::OWNER_PASSWORD})),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let cookie = response
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Lax")
                && cookie.contains("Secure"),
            "{cookie}"
        );
        let me: serde_json::Value = response.json().await.unwrap();
        assert_eq!(me["role"], "owner");
        let csrf = me["csrf_token"].as_str().unwrap().to_string();

        // The cookie alone authenticates reads, but not writes.
        let (status, _) = anon.call(Method::GET, "/api/v1/auth/me", None).await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = anon
            .call(Method::POST, "/api/v1/bots", Some(json!({"name": "x"})))
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("csrf_failed"))
        );
        let mut with_csrf = anon;
        with_csrf.csrf = Some(csrf);
        let (status, _) = with_csrf
            .call(Method::POST, "/api/v1/bots", Some(json!({"name": "x"})))
            .await;
        assert_eq!(status, StatusCode::CREATED);

        let (status, _) = with_csrf
            .call(Method::POST, "/api/v1/auth/logout", None)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = with_csrf.call(Method::GET, "/api/v1/auth/me", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{}: logged out", db.name);
    }
}

#[tokio::test]
async fn login_is_throttled_with_retry_after() {
    for db in test_stores().await {
        let app = start(&db).await;
        let anon = app.anonymous();
        for _ in 0..5 {
            anon.call(
                Method::POST,
                "/api/v1/auth/login",
                Some(json!({"email": OWNER_EMAIL, "password": "not the password"})),
            )
            .await;
        }
        let response = anon
            .send(
                Method::POST,
                "/api/v1/auth/login",
                Some(json!({"email": OWNER_EMAIL, "password": helpers::OWNER_PASSWORD})),
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            db.name
        );
        let retry: u64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(retry > 0 && retry <= 900);
    }
}

#[tokio::test]
async fn bots_crud_validation_and_rotation() {
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;

        let (status, body) = owner.call(Method::GET, "/api/v1/bots", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            body["items"].as_array().unwrap().len(),
            1,
            "{}: the demo bot",
            db.name
        );

        let bad = json!({"name": " ", "allowed_origins": ["not an origin"], "appearance": {"title": "T", "greeting": "", "primary_color": "red", "position": "right", "avatar_url": null}});
        let (status, body) = owner.call(Method::POST, "/api/v1/bots", Some(bad)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields = &body["error"]["fields"];
        assert!(
            fields["name"].is_string()
                && fields["allowed_origins"].is_string()
                && fields["appearance.primary_color"].is_string(),
            "{body}"
        );
        let (status, body) = owner
            .call(
                Method::POST,
                "/api/v1/bots",
                Some(json!({"name": "A", "colour": "x"})),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "unknown fields are refused: {body}"
        );
        let (status, body) = owner
            .call(
                Method::POST,
                "/api/v1/bots",
                Some(json!({"name": "A", "appearance": {"position": "top"}})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            body["error"]["fields"]["appearance.position"].is_string()
                || body["error"]["fields"]["appearance"].is_string(),
            "{body}"
        );

        let (status, bot) = owner
            .call(
                Method::POST,
                "/api/v1/bots",
                Some(json!({"name": " Support ", "allowed_origins": ["https://Shop.Example/"]})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{bot}");
        assert_eq!(bot["name"], "Support");
        assert_eq!(bot["allowed_origins"], json!(["https://shop.example"]));
        let key = bot["public_key"].as_str().unwrap().to_string();
        assert!(key.starts_with("pk_"));
        assert_eq!(
            bot["embed_snippet"],
            format!(
                r#"<script src="https://chat.example/widget.js" data-bot="{key}" async></script>"#
            )
        );
        let id = bot["id"].as_str().unwrap().to_string();
        let path = format!("/api/v1/bots/{id}");

        let mut appearance = bot["appearance"].clone();
        appearance["greeting"] = json!("Howdy!");
        let (status, updated) = owner
            .call(
                Method::PATCH,
                &path,
                Some(json!({"appearance": appearance})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{updated}");
        assert_eq!(updated["appearance"]["greeting"], "Howdy!");
        assert_eq!(updated["name"], "Support", "absent fields stay");
        let (_, fetched) = owner.call(Method::GET, &path, None).await;
        assert_eq!(fetched["appearance"]["greeting"], "Howdy!");

        let (status, rotated) = owner
            .call(
                Method::POST,
                &format!("{path}/rotate"),
                Some(json!({"key": "public_key"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_ne!(rotated["public_key"], json!(key));
        assert_eq!(rotated["identity_secret"], fetched["identity_secret"]);
        let (_, rotated2) = owner
            .call(
                Method::POST,
                &format!("{path}/rotate"),
                Some(json!({"key": "identity_secret"})),
            )
            .await;
        assert_ne!(rotated2["identity_secret"], fetched["identity_secret"]);
        let secret = rotated2["identity_secret"].as_str().unwrap();
        assert!(secret.starts_with("is_"), "{rotated2}");
        let id: uuid::Uuid = rotated2["id"].as_str().unwrap().parse().unwrap();
        let stored = parley_store::repo::bots::all(app.store.db())
            .await
            .unwrap()
            .into_iter()
            .find(|b| b.id == id)
            .unwrap();
        assert!(
            !stored.identity_secret.contains(secret) && !stored.identity_secret.contains("is_"),
            "{}: the identity secret is stored sealed, not as {}",
            app.name,
            stored.identity_secret
        );

        let (status, _) = owner.call(Method::DELETE, &path, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = owner.call(Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = owner
            .call(Method::GET, "/api/v1/bots/not-a-uuid", None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let (status, audit) = owner
            .call(Method::GET, "/api/v1/audit?limit=10", None)
            .await;
        assert_eq!(status, StatusCode::OK);
        let actions: Vec<&str> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            &actions[..5],
            [
                "bot.deleted",
                "bot.key_rotated",
                "bot.key_rotated",
                "bot.updated",
                "bot.created"
            ],
            "{}",
            db.name
        );
    }
}

#[tokio::test]
async fn other_workspaces_ids_answer_404_and_roles_are_enforced() {
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let bot = owner.create_bot("Mine").await;
        let path = format!("/api/v1/bots/{}", bot["id"].as_str().unwrap());

        // A second workspace with its own owner.
        let other = app.owner_of_another_workspace().await;
        for method in [Method::GET, Method::PATCH, Method::DELETE] {
            let body = (method == Method::PATCH).then(|| json!({"name": "stolen"}));
            let (status, _) = other.call(method.clone(), &path, body).await;
            assert_eq!(
                status,
                StatusCode::NOT_FOUND,
                "{}: {method} another workspace's bot",
                db.name
            );
        }
        let (_, list) = other.call(Method::GET, "/api/v1/bots", None).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 0);

        // An agent reads bots without their secrets and cannot change anything.
        parley_engine::accounts::create_user(
            &app.store,
            "agent@example.com",
            "Agent",
            "agent password 1",
            Role::Agent,
            None,
        )
        .await
        .unwrap();
        let agent = app.login("agent@example.com", "agent password 1").await;
        let (status, fetched) = agent.call(Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(fetched["identity_secret"].is_null());
        let (status, _) = agent
            .call(Method::PATCH, &path, Some(json!({"name": "x"})))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = agent.call(Method::GET, "/api/v1/tokens", None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn api_tokens_are_shown_once_and_revocable() {
    for db in test_stores().await {
        let app = start(&db).await;
        let owner = app.owner().await;
        let (status, body) = owner
            .call(
                Method::POST,
                "/api/v1/tokens",
                Some(json!({"name": "zapier", "role": "admin"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let secret = body["secret"].as_str().unwrap().to_string();
        let id = body["token"]["id"].as_str().unwrap().to_string();
        let (_, list) = owner.call(Method::GET, "/api/v1/tokens", None).await;
        assert!(
            !list.to_string().contains(&secret),
            "the secret is never listed"
        );

        let bot_client = app.with_token(&secret);
        let (status, _) = bot_client
            .call(
                Method::POST,
                "/api/v1/bots",
                Some(json!({"name": "From a script"})),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "{}: bearer writes need no CSRF token",
            db.name
        );
        let (_, list) = owner.call(Method::GET, "/api/v1/tokens", None).await;
        assert!(list["items"][0]["last_used_at"].is_string());

        let (status, _) = owner
            .call(
                Method::POST,
                "/api/v1/tokens",
                Some(json!({"name": "x", "role": "owner"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        let (status, _) = owner
            .call(Method::DELETE, &format!("/api/v1/tokens/{id}"), None)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = bot_client.call(Method::GET, "/api/v1/bots", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (_, list) = owner.call(Method::GET, "/api/v1/tokens", None).await;
        assert!(list["items"][0]["revoked_at"].is_string());
        let (status, _) = app
            .with_token("pt_forged")
            .call(Method::GET, "/api/v1/bots", None)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}
