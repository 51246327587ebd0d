//! Logging in, sessions, API tokens and roles, on every test database.

use parley_domain::Role;
use parley_engine::auth::Auth;
use parley_engine::bootstrap::ensure_initialized;
use parley_engine::vault::Vault;
use parley_engine::{EngineError, accounts, bots, tokens};
use parley_store::testing::test_stores;
use sea_orm::EntityTrait;
use std::time::Duration;

const PASSWORD: &str = "correct horse battery";

fn vault() -> Vault {
    Vault::new(b"test master secret")
}

#[tokio::test]
async fn first_start_login_session_and_tokens() {
    for db in test_stores().await {
        let store = &db.store;
        let first = ensure_initialized(store, &vault(), Some("Owner@Example.com"), Some(PASSWORD))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first.email, "owner@example.com");
        assert!(first.generated_password.is_none());
        assert!(
            ensure_initialized(store, &vault(), None, None)
                .await
                .unwrap()
                .is_none(),
            "{}: only once",
            db.name
        );

        let auth = Auth::new(store.clone(), Duration::from_secs(3600));
        let wrong = auth
            .login("owner@example.com", "wrong password!", None, None)
            .await;
        assert!(matches!(wrong, Err(EngineError::InvalidCredentials)));
        let unknown = auth.login("nobody@example.com", PASSWORD, None, None).await;
        assert!(
            matches!(unknown, Err(EngineError::InvalidCredentials)),
            "same answer for an unknown email"
        );

        let login = auth
            .login(
                " OWNER@example.com",
                PASSWORD,
                Some("10.0.0.1".into()),
                None,
            )
            .await
            .unwrap();
        assert_eq!(login.me.role, Role::Owner);
        let session = auth
            .session(&login.session_token, None)
            .await
            .unwrap()
            .expect("live session");
        assert_eq!(session.csrf_token, login.me.csrf_token);
        let csrf = login.me.csrf_token.clone().unwrap();
        assert_eq!(csrf.len(), 64, "a token, not a placeholder");
        let stored: Vec<String> = parley_store::entities::session::Entity::find()
            .all(store.db())
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.csrf_token)
            .collect();
        assert!(
            stored.iter().all(|s| s != &csrf && s.is_empty()),
            "{}: the CSRF token is not stored",
            db.name
        );
        assert!(auth.session("forged", None).await.unwrap().is_none());

        let demo = bots::list(store, &session.actor).await.unwrap();
        assert_eq!(demo.len(), 1, "{}: the demo bot exists", db.name);

        let (token, secret) = tokens::create(store, &session.actor, "ci", Role::Agent)
            .await
            .unwrap();
        assert!(secret.starts_with("pt_") && secret.starts_with(&token.prefix));
        let bearer = auth
            .bearer(&secret, None)
            .await
            .unwrap()
            .expect("token works");
        assert_eq!(bearer.actor.role, Role::Agent);
        assert!(matches!(
            bots::create(store, &vault(), &bearer.actor, Default::default()).await,
            Err(EngineError::Forbidden)
        ));
        assert!(matches!(
            tokens::create(store, &session.actor, "x", Role::Owner).await,
            Err(EngineError::Invalid(_))
        ));

        tokens::revoke(store, &session.actor, token.id)
            .await
            .unwrap();
        assert!(
            auth.bearer(&secret, None).await.unwrap().is_none(),
            "{}: revoked",
            db.name
        );

        auth.logout(&login.session_token).await.unwrap();
        assert!(
            auth.session(&login.session_token, None)
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[tokio::test]
async fn repeated_failures_are_throttled_and_reset_ends_sessions() {
    for db in test_stores().await {
        let store = &db.store;
        ensure_initialized(store, &vault(), Some("owner@example.com"), Some(PASSWORD))
            .await
            .unwrap();
        let auth = Auth::new(store.clone(), Duration::from_secs(3600));
        let login = auth
            .login("owner@example.com", PASSWORD, None, None)
            .await
            .unwrap();
        for _ in 0..5 {
            let r = auth
                .login("owner@example.com", "nope nope nope", None, None)
                .await;
            assert!(matches!(r, Err(EngineError::InvalidCredentials)));
        }
        match auth.login("owner@example.com", PASSWORD, None, None).await {
            Err(EngineError::TooManyAttempts { retry_after_secs }) => {
                assert!(retry_after_secs > 0 && retry_after_secs <= 900)
            }
            other => panic!(
                "{}: expected throttling, got {:?}",
                db.name,
                other.map(|_| ())
            ),
        }

        accounts::reset_password(store, "owner@example.com", "another long password")
            .await
            .unwrap();
        assert!(
            auth.session(&login.session_token, None)
                .await
                .unwrap()
                .is_none(),
            "{}: reset ends sessions",
            db.name
        );
        let user = accounts::create_user(
            store,
            "agent@example.com",
            "",
            "agent password 1",
            Role::Agent,
            None,
        )
        .await
        .unwrap();
        assert_eq!(user.name, "agent");
        let dup = accounts::create_user(
            store,
            "AGENT@example.com",
            "",
            "agent password 1",
            Role::Agent,
            None,
        )
        .await;
        assert!(matches!(dup, Err(EngineError::Invalid(e)) if e.get("email").is_some()));
    }
}

#[tokio::test]
async fn identity_secrets_in_the_clear_are_sealed_once() {
    for db in test_stores().await {
        let store = &db.store;
        let vault = vault();
        ensure_initialized(store, &vault, Some("owner@example.com"), Some(PASSWORD))
            .await
            .unwrap();
        let demo = &parley_store::repo::bots::all(store.db()).await.unwrap()[0];
        let secret = bots::identity_secret(&vault, demo).expect("opens");
        assert!(secret.starts_with("is_") && !demo.identity_secret.contains("is_"));
        assert_eq!(
            bots::identity_secret(&Vault::new(b"another master"), demo),
            None,
            "{}: only its own master secret opens it",
            db.name
        );

        // As a version before sealing left it.
        let plain = "is_stored-in-the-clear-before-sealing";
        let changes = parley_store::repo::bots::BotChanges {
            identity_secret: Some(plain.into()),
            ..Default::default()
        };
        parley_store::repo::bots::update(store.db(), demo.workspace_id, demo.id, changes)
            .await
            .unwrap();
        assert_eq!(bots::seal_identity_secrets(store, &vault).await.unwrap(), 1);
        assert_eq!(
            bots::seal_identity_secrets(store, &vault).await.unwrap(),
            0,
            "{}: a sealed secret is not sealed again",
            db.name
        );
        let sealed = &parley_store::repo::bots::all(store.db()).await.unwrap()[0];
        assert!(!sealed.identity_secret.contains(plain));
        assert_eq!(
            bots::identity_secret(&vault, sealed).as_deref(),
            Some(plain)
        );
    }
}
