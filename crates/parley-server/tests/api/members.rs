//! The team over HTTP on every test database: invitations by email (to a local SMTP sink)
//! and by copied link, roles, deactivation cutting sessions and tokens at once, password
//! resets, tenancy, and workspaces (create, switch, settings).

use crate::helpers::{self, OWNER_EMAIL, OWNER_PASSWORD, Session, TestApp};
use crate::smtp_sink::{SinkMessage, SmtpSink};
use parley_engine::mail::{Mailer, SmtpSettings};
use parley_server::config::Config;
use parley_store::ConnectionTrait;
use parley_store::testing::test_stores;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

fn config_with(sink: Option<&SmtpSink>, allow_workspaces: bool) -> Config {
    Config {
        mail: Mailer::new(
            sink.map(|s| {
                SmtpSettings::parse(&s.url(), Some("Parley <parley@example.com>")).unwrap()
            }),
        ),
        allow_workspace_creation: allow_workspaces,
        ..helpers::config()
    }
}

/// The token in a link: what follows `token=` up to white space.
fn token_in(text: &str) -> String {
    let start = text.find("token=").expect("a link with a token") + "token=".len();
    text[start..]
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap()
        .to_string()
}

async fn email_to(sink: &SmtpSink, to: &str) -> SinkMessage {
    let to = to.to_string();
    sink.wait_for(|m| m.to.contains(&to), Duration::from_secs(15))
        .await
}

/// Accepts `token` with a name and password; returns the signed-in session and the body.
async fn accept(app: &TestApp, token: &str, password: &str) -> (Session, StatusCode, Value) {
    let mut s = app.anonymous();
    let (status, body) = s
        .call(
            Method::POST,
            "/api/v1/invitations/accept",
            Some(json!({"token": token, "name": "New Person", "password": password})),
        )
        .await;
    s.csrf = body["csrf_token"].as_str().map(str::to_string);
    (s, status, body)
}

/// Invites `email` as `role` without SMTP; returns the link's token.
async fn invite_link(by: &Session, email: &str, role: &str) -> String {
    let (status, body) = by
        .call(
            Method::POST,
            "/api/v1/invitations",
            Some(json!({"email": email, "role": role})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    token_in(body["link"].as_str().expect("a link to copy without SMTP"))
}

async fn member_id(by: &Session, email: &str) -> String {
    let (_, body) = by.call(Method::GET, "/api/v1/members", None).await;
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == email)
        .unwrap_or_else(|| panic!("{email} in {body}"))["user_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn an_emailed_invitation_is_accepted_once_and_signs_in() {
    for db in test_stores().await {
        let sink = SmtpSink::start().await;
        let app = helpers::start_with_config(&db, config_with(Some(&sink), false)).await;
        let owner = app.owner().await;

        let (status, body) = owner
            .call(
                Method::POST,
                "/api/v1/invitations",
                Some(json!({"email": " New@Example.org ", "role": "agent"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{}: {body}", db.name);
        assert_eq!(body["emailed"], true);
        assert!(body["link"].is_null(), "the link goes by email only");
        assert_eq!(body["invitation"]["email"], "new@example.org");

        let mail = email_to(&sink, "new@example.org").await;
        assert!(
            mail.subject.starts_with("You are invited to"),
            "{}",
            mail.subject
        );
        assert!(
            mail.text
                .contains("https://chat.example/app/accept-invite?token="),
            "{}",
            mail.text
        );
        assert!(!mail.message_id.is_empty(), "the job id is the Message-ID");
        let token = token_in(&mail.text);

        let (status, preview) = app
            .anonymous()
            .call(
                Method::POST,
                "/api/v1/invitations/preview",
                Some(json!({ "token": token })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{preview}");
        assert_eq!(preview["email"], "new@example.org");
        assert_eq!(preview["role"], "agent");
        assert_eq!(preview["existing_user"], false);

        let (_, status, body) = accept(&app, &token, "short").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.to_string().contains("password"), "{body}");

        let (person, status, me) = accept(&app, &token, "a long new password").await;
        assert_eq!(status, StatusCode::OK, "{}: {me}", db.name);
        assert_eq!(me["role"], "agent");
        let (status, me) = person.call(Method::GET, "/api/v1/auth/me", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["user"]["email"], "new@example.org");
        assert_eq!(me["user"]["name"], "New Person");

        let (_, status, body) = accept(&app, &token, "a long new password").await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "used once: {body}"
        );
        assert!(body.to_string().contains("already accepted"), "{body}");

        app.login("new@example.org", "a long new password").await;
        let (_, members) = owner.call(Method::GET, "/api/v1/members", None).await;
        let items = members["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{members}");
        let new = items
            .iter()
            .find(|m| m["email"] == "new@example.org")
            .unwrap();
        assert_eq!(new["status"], "active");
        assert!(new["last_active_at"].is_string(), "{new}");
        let (_, pending) = owner.call(Method::GET, "/api/v1/invitations", None).await;
        assert_eq!(pending["items"].as_array().unwrap().len(), 0);
        assert_eq!(pending["email_enabled"], true);

        let (_, audit) = owner.call(Method::GET, "/api/v1/audit", None).await;
        let actions: Vec<&str> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        for action in ["member.invited", "member.joined"] {
            assert!(actions.contains(&action), "{action} in {actions:?}");
        }
    }
}

#[tokio::test]
async fn without_smtp_the_link_is_shown_and_expired_or_revoked_links_fail() {
    for db in test_stores().await {
        let app = helpers::start_with_config(&db, config_with(None, false)).await;
        let owner = app.owner().await;
        let (_, list) = owner.call(Method::GET, "/api/v1/invitations", None).await;
        assert_eq!(list["email_enabled"], false);

        let first = invite_link(&owner, "pat@example.org", "admin").await;
        // A second invitation replaces the first.
        let second = invite_link(&owner, "pat@example.org", "admin").await;
        let (_, status, body) = accept(&app, &first, "a long new password").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.to_string().contains("withdrawn"), "{body}");

        // An expired link.
        app.store
            .db()
            .execute_unprepared("UPDATE invitations SET expires_at = 1")
            .await
            .unwrap();
        let (_, status, body) = accept(&app, &second, "a long new password").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", db.name);
        assert!(body.to_string().contains("expired"), "{body}");

        // A revoked one.
        let third = invite_link(&owner, "pat@example.org", "admin").await;
        let (_, list) = owner.call(Method::GET, "/api/v1/invitations", None).await;
        let id = list["items"][0]["id"].as_str().unwrap().to_string();
        let (status, _) = owner
            .call(Method::DELETE, &format!("/api/v1/invitations/{id}"), None)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (_, status, _) = accept(&app, &third, "a long new password").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        let (_, status, _) = accept(&app, "made-up-token", "a long new password").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        let fourth = invite_link(&owner, "pat@example.org", "admin").await;
        let (_, status, me) = accept(&app, &fourth, "a long new password").await;
        assert_eq!(status, StatusCode::OK, "{me}");
        assert_eq!(me["role"], "admin");

        // Inviting a member again is refused; bad input says which field.
        let (status, body) = owner
            .call(
                Method::POST,
                "/api/v1/invitations",
                Some(json!({"email": "pat@example.org", "role": "agent"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, body) = owner
            .call(
                Method::POST,
                "/api/v1/invitations",
                Some(json!({"email": "nope", "role": "king"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let text = body.to_string();
        assert!(text.contains("email") && text.contains("role"), "{text}");
    }
}

#[tokio::test]
async fn roles_change_and_deactivation_stops_sessions_and_tokens_at_once() {
    for db in test_stores().await {
        let app = helpers::start_with_config(&db, config_with(None, false)).await;
        let owner = app.owner().await;
        let token = invite_link(&owner, "ada@example.org", "agent").await;
        let (_, status, _) = accept(&app, &token, "ada's long password").await;
        assert_eq!(status, StatusCode::OK);
        let ada = member_id(&owner, "ada@example.org").await;

        let (status, _) = owner
            .call(
                Method::PATCH,
                &format!("/api/v1/members/{ada}"),
                Some(json!({"role": "admin"})),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{}", db.name);
        let ada_session = app.login("ada@example.org", "ada's long password").await;
        let (_, me) = ada_session.call(Method::GET, "/api/v1/auth/me", None).await;
        assert_eq!(me["role"], "admin");

        // An admin neither makes owners nor touches one, nor themselves.
        let owner_id = member_id(&owner, OWNER_EMAIL).await;
        let (status, _) = ada_session
            .call(
                Method::PATCH,
                &format!("/api/v1/members/{ada}"),
                Some(json!({"role": "owner"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = ada_session
            .call(
                Method::POST,
                &format!("/api/v1/members/{owner_id}/deactivate"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = owner
            .call(
                Method::POST,
                &format!("/api/v1/members/{owner_id}/deactivate"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "not yourself");

        // Ada's API token and session work, until she is deactivated.
        let (status, created) = ada_session
            .call(
                Method::POST,
                "/api/v1/tokens",
                Some(json!({"name": "script", "role": "agent"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let bearer = app.with_token(created["secret"].as_str().unwrap());
        assert_eq!(
            bearer.call(Method::GET, "/api/v1/bots", None).await.0,
            StatusCode::OK
        );
        let (status, _) = owner
            .call(
                Method::POST,
                &format!("/api/v1/members/{ada}/deactivate"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(
            ada_session
                .call(Method::GET, "/api/v1/auth/me", None)
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            bearer.call(Method::GET, "/api/v1/bots", None).await.0,
            StatusCode::UNAUTHORIZED
        );
        let (status, _) = app
            .anonymous()
            .call(
                Method::POST,
                "/api/v1/auth/login",
                Some(json!({"email": "ada@example.org", "password": "ada's long password"})),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "a deactivated member cannot log in"
        );
        let (_, members) = owner.call(Method::GET, "/api/v1/members", None).await;
        let row = members["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["email"] == "ada@example.org")
            .unwrap()
            .clone();
        assert_eq!(row["status"], "deactivated");
        let (_, agents) = owner.call(Method::GET, "/api/v1/agents", None).await;
        assert!(
            !agents.to_string().contains("ada@example.org"),
            "nobody assigns work to a deactivated member: {agents}"
        );

        // Reactivated, she signs in again (her token stays revoked).
        let (status, _) = owner
            .call(
                Method::POST,
                &format!("/api/v1/members/{ada}/reactivate"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        app.login("ada@example.org", "ada's long password").await;
        assert_eq!(
            bearer.call(Method::GET, "/api/v1/bots", None).await.0,
            StatusCode::UNAUTHORIZED
        );

        let (_, audit) = owner.call(Method::GET, "/api/v1/audit", None).await;
        let actions: Vec<&str> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        for action in ["member.role_changed", "member.deactivated"] {
            assert!(actions.contains(&action), "{action} in {actions:?}");
        }
    }
}

#[tokio::test]
async fn a_password_is_reset_by_email_once_within_the_hour() {
    for db in test_stores().await {
        let sink = SmtpSink::start().await;
        let app = helpers::start_with_config(&db, config_with(Some(&sink), false)).await;
        let old_session = app.owner().await;
        let anon = app.anonymous();

        for email in [OWNER_EMAIL, "nobody@example.org", "not an email"] {
            let (status, _) = anon
                .call(
                    Method::POST,
                    "/api/v1/auth/forgot-password",
                    Some(json!({ "email": email })),
                )
                .await;
            assert_eq!(
                status,
                StatusCode::ACCEPTED,
                "{email}: the same answer for all"
            );
        }
        let mail = email_to(&sink, OWNER_EMAIL).await;
        assert!(
            mail.text
                .contains("https://chat.example/app/reset-password?token="),
            "{}",
            mail.text
        );
        let token = token_in(&mail.text);

        let reset = |token: String, password: &'static str| {
            let anon = app.anonymous();
            async move {
                anon.call(
                    Method::POST,
                    "/api/v1/auth/reset-password",
                    Some(json!({"token": token, "password": password})),
                )
                .await
            }
        };
        let (status, _) = reset(token.clone(), "short").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, me) = reset(token.clone(), "a brand new passphrase").await;
        assert_eq!(status, StatusCode::OK, "{}: {me}", db.name);
        assert_eq!(me["user"]["email"], OWNER_EMAIL);
        assert_eq!(
            old_session
                .call(Method::GET, "/api/v1/auth/me", None)
                .await
                .0,
            StatusCode::UNAUTHORIZED,
            "the reset ends other sessions"
        );
        let (status, body) = reset(token, "another passphrase!").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "single use");
        assert!(body.to_string().contains("already used"), "{body}");
        app.login(OWNER_EMAIL, "a brand new passphrase").await;

        // An expired link.
        anon.call(
            Method::POST,
            "/api/v1/auth/forgot-password",
            Some(json!({ "email": OWNER_EMAIL })),
        )
        .await;
        let second = sink
            .wait_for(
                |m| m.subject.contains("Reset") && m.text != mail.text,
                Duration::from_secs(15),
            )
            .await;
        app.store
            .db()
            .execute_unprepared("UPDATE password_resets SET expires_at = 1 WHERE used_at IS NULL")
            .await
            .unwrap();
        let (status, body) = reset(token_in(&second.text), "a third passphrase").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.to_string().contains("expired"), "{body}");

        // The CLI's reset path still works and ends sessions too.
        parley_engine::accounts::reset_password(&app.store, OWNER_EMAIL, OWNER_PASSWORD)
            .await
            .unwrap();
        app.owner().await;
    }
}

#[tokio::test]
async fn admins_of_one_workspace_cannot_touch_another() {
    for db in test_stores().await {
        let app = helpers::start_with_config(&db, config_with(None, false)).await;
        let owner = app.owner().await;
        let token = invite_link(&owner, "bo@example.org", "agent").await;
        let (_, status, body) = accept(&app, &token, "bo's long password").await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", db.name);
        let bo = member_id(&owner, "bo@example.org").await;
        invite_link(&owner, "cy@example.org", "agent").await;
        let (_, list) = owner.call(Method::GET, "/api/v1/invitations", None).await;
        let invitation = list["items"][0]["id"].as_str().unwrap().to_string();

        let other = app.owner_of_another_workspace().await;
        let (_, members) = other.call(Method::GET, "/api/v1/members", None).await;
        assert_eq!(members["items"].as_array().unwrap().len(), 1, "{}", db.name);
        let (status, _) = other
            .call(
                Method::PATCH,
                &format!("/api/v1/members/{bo}"),
                Some(json!({"role": "admin"})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = other
            .call(
                Method::POST,
                &format!("/api/v1/members/{bo}/deactivate"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = other
            .call(
                Method::DELETE,
                &format!("/api/v1/invitations/{invitation}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, list) = other.call(Method::GET, "/api/v1/invitations", None).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 0);
        // Switching into a workspace one is not a member of is not found either.
        let (_, mine) = owner.call(Method::GET, "/api/v1/workspaces", None).await;
        let demo = mine["items"][0]["id"].as_str().unwrap().to_string();
        let (status, _) = other
            .call(
                Method::POST,
                &format!("/api/v1/workspaces/{demo}/switch"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Agents cannot invite.
        let agent = app.login("bo@example.org", "bo's long password").await;
        let (status, _) = agent
            .call(
                Method::POST,
                "/api/v1/invitations",
                Some(json!({"email": "x@example.org", "role": "agent"})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn workspaces_are_created_switched_and_configured() {
    for db in test_stores().await {
        let app = helpers::start_with_config(&db, config_with(None, true)).await;
        let owner = app.owner().await;
        let (_, list) = owner.call(Method::GET, "/api/v1/workspaces", None).await;
        assert_eq!(list["can_create"], true, "{list}");
        assert_eq!(list["items"].as_array().unwrap().len(), 1);

        let (status, created) = owner
            .call(
                Method::POST,
                "/api/v1/workspaces",
                Some(json!({"name": "Second Shop"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{}: {created}", db.name);
        let second = created["id"].as_str().unwrap().to_string();
        // The CLI's way, for the same owner.
        parley_engine::workspaces::create_for_email(&app.store, "Third Shop", OWNER_EMAIL)
            .await
            .unwrap();
        assert!(
            parley_engine::workspaces::create_for_email(&app.store, "X", "nobody@example.org")
                .await
                .is_err()
        );

        let (_, list) = owner.call(Method::GET, "/api/v1/workspaces", None).await;
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 3, "{list}");
        assert_eq!(items.iter().filter(|w| w["current"] == true).count(), 1);

        let (status, me) = owner
            .call(
                Method::POST,
                &format!("/api/v1/workspaces/{second}/switch"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{me}");
        assert_eq!(me["workspace"]["name"], "Second Shop");
        let (_, me) = owner.call(Method::GET, "/api/v1/auth/me", None).await;
        assert_eq!(me["workspace"]["id"], second.as_str(), "the session moved");
        let (_, bots) = owner.call(Method::GET, "/api/v1/bots", None).await;
        assert_eq!(
            bots["items"].as_array().unwrap().len(),
            0,
            "a fresh workspace"
        );

        let (status, body) = owner
            .call(
                Method::PUT,
                "/api/v1/workspace",
                Some(json!({"name": " ", "time_zone": "Mars/Olympus", "bot_language": "english"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let text = body.to_string();
        for field in ["name", "time_zone", "bot_language"] {
            assert!(text.contains(field), "{field} in {text}");
        }
        let (status, saved) = owner
            .call(
                Method::PUT,
                "/api/v1/workspace",
                Some(json!({"name": "Second Shop EU", "time_zone": "Europe/Paris", "bot_language": "fr-FR"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        let (_, settings) = owner.call(Method::GET, "/api/v1/workspace", None).await;
        assert_eq!(settings["time_zone"], "Europe/Paris");
        assert_eq!(settings["bot_language"], "fr-FR");
        let id = uuid::Uuid::parse_str(&second).unwrap();
        assert_eq!(
            parley_engine::workspaces::time_zone(&app.store, id)
                .await
                .unwrap()
                .as_deref(),
            Some("Europe/Paris")
        );

        // Without the instance's permission, nobody creates workspaces.
        let closed = helpers::start_with_config(&db, config_with(None, false)).await;
        let owner = closed.owner().await;
        let (_, list) = owner.call(Method::GET, "/api/v1/workspaces", None).await;
        assert_eq!(list["can_create"], false);
        let (status, _) = owner
            .call(
                Method::POST,
                "/api/v1/workspaces",
                Some(json!({"name": "Nope"})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn an_existing_user_accepts_with_their_password_and_lands_in_the_new_workspace() {
    for db in test_stores().await {
        let app = helpers::start_with_config(&db, config_with(None, false)).await;
        let owner = app.owner().await;
        let other = app.owner_of_another_workspace().await;
        let token = invite_link(&other, OWNER_EMAIL, "agent").await;
        let (_, preview) = app
            .anonymous()
            .call(
                Method::POST,
                "/api/v1/invitations/preview",
                Some(json!({ "token": token })),
            )
            .await;
        assert_eq!(preview["existing_user"], true, "{preview}");
        for _ in 0..5 {
            let (_, status, _) = accept(&app, &token, "not my password").await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", db.name);
        }
        let (_, status, _) = accept(&app, &token, OWNER_PASSWORD).await;
        assert_eq!(
            status,
            StatusCode::TOO_MANY_REQUESTS,
            "guessing is throttled"
        );
        // The window passes (here: the throttle is per invitation, so a new one starts afresh).
        let token = invite_link(&other, OWNER_EMAIL, "agent").await;
        let (session, status, me) = accept(&app, &token, OWNER_PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{me}");
        assert_eq!(me["workspace"]["name"], "Other Co");
        assert_eq!(me["role"], "agent");
        let (_, list) = session.call(Method::GET, "/api/v1/workspaces", None).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 2, "{list}");
        // Their first session still works in their own workspace.
        let (_, me) = owner.call(Method::GET, "/api/v1/auth/me", None).await;
        assert_eq!(me["role"], "owner");
    }
}

/// `parley admin create-workspace` makes a further workspace owned by an existing user, and
/// explains what to do when the owner does not exist.
#[tokio::test]
async fn the_cli_creates_a_workspace_for_an_existing_owner() {
    let data = std::env::temp_dir().join(format!("parley-cli-ws-{}", uuid::Uuid::new_v4()));
    let parley = || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_parley"));
        cmd.env("PARLEY_DATA_DIR", &data)
            .env("PARLEY_LOG", "warn")
            .env_remove("PARLEY_DATABASE_URL")
            .env_remove("PARLEY_SMTP_URL");
        cmd
    };
    let out = parley().arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = parley_store::Store::connect(&parley_store::StoreConfig::new(
        parley_store::sqlite_url(&data.join("parley.db")),
    ))
    .await
    .unwrap();
    let first = parley_store::repo::accounts::create_workspace(store.db(), "First")
        .await
        .unwrap();
    parley_engine::accounts::create_user(
        &store,
        "boss@example.org",
        "Boss",
        "boss's long password",
        parley_domain::Role::Owner,
        Some(first.id),
    )
    .await
    .unwrap();
    store.close().await;

    let out = parley()
        .args([
            "admin",
            "create-workspace",
            "--name",
            "Second",
            "--owner-email",
            "nobody@example.org",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("create-user"));
    let out = parley()
        .args([
            "admin",
            "create-workspace",
            "--name",
            "Second",
            "--owner-email",
            "Boss@Example.org",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created workspace \"Second\""));

    let store = parley_store::Store::connect(&parley_store::StoreConfig::new(
        parley_store::sqlite_url(&data.join("parley.db")),
    ))
    .await
    .unwrap();
    let user = parley_store::repo::accounts::find_user_by_email(store.db(), "boss@example.org")
        .await
        .unwrap()
        .unwrap();
    let mine = parley_store::repo::workspaces::list_for_user(store.db(), user.id)
        .await
        .unwrap();
    let names: Vec<&str> = mine.iter().map(|(w, _)| w.name.as_str()).collect();
    assert_eq!(names, ["First", "Second"]);
    assert!(mine.iter().all(|(_, r)| *r == parley_domain::Role::Owner));
    store.close().await;
    std::fs::remove_dir_all(&data).unwrap();
}
