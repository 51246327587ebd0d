//! Accounts: password hashing, creating users and resetting passwords.

use crate::error::invalid;
use crate::{EngineError, EngineResult};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use parley_domain::Role;
use parley_domain::account::{normalize_email, password_problem};
use parley_store::Store;
use parley_store::repo::{accounts, sessions};
use std::sync::OnceLock;
use uuid::Uuid;

/// Hashes a password with argon2id (the crate's defaults: 19 MiB, 2 passes, OWASP's
/// recommendation). Runs on the blocking pool: a hash takes tens of milliseconds of CPU.
pub async fn hash_password(password: &str) -> EngineResult<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h: PasswordHash| h.to_string())
            .map_err(|e| EngineError::Internal(format!("hashing a password: {e}")))
    })
    .await
    .map_err(|e| EngineError::Internal(e.to_string()))?
}

/// Checks a password against a stored hash. With no hash (unknown email) it checks against
/// a fixed dummy hash, so both cases take the same time and reveal nothing.
pub async fn verify_password(hash: Option<String>, password: &str) -> bool {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let (hash, real) = match hash {
            Some(h) => (h, true),
            None => (dummy_hash().to_string(), false),
        };
        let ok = PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        ok && real
    })
    .await
    .unwrap_or(false)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let hash: PasswordHash = Argon2::default()
            .hash_password(b"parley-dummy-password")
            .expect("hashing a constant");
        hash.to_string()
    })
}

/// Validates an email and password pair for a new or reset account.
pub fn check_credentials(email: &str, password: &str) -> EngineResult<String> {
    let mut errors = parley_domain::FieldErrors::new();
    let email = normalize_email(email);
    if email.is_none() {
        errors.add("email", "must be an email address");
    }
    if let Some(problem) = password_problem(password) {
        errors.add("password", problem);
    }
    match email {
        Some(email) if errors.is_empty() => Ok(email),
        _ => Err(EngineError::Invalid(errors)),
    }
}

/// Creates a user and makes them a member of `workspace_id` (the oldest workspace when
/// `None`): what `parley admin create-user` does.
pub async fn create_user(
    store: &Store,
    email: &str,
    name: &str,
    password: &str,
    role: Role,
    workspace_id: Option<Uuid>,
) -> EngineResult<accounts::User> {
    let email = check_credentials(email, password)?;
    let hash = hash_password(password).await?;
    let tx = store.begin().await?;
    let workspace_id = match workspace_id {
        Some(id) => accounts::find_workspace(&tx, id).await?.id,
        None => {
            accounts::oldest_workspace(&tx)
                .await?
                .ok_or(EngineError::Conflict(crate::Conflict::NoWorkspace))?
                .id
        }
    };
    let display = if name.trim().is_empty() {
        email.split('@').next().unwrap_or("")
    } else {
        name.trim()
    };
    let user = accounts::create_user(&tx, &email, display, &hash)
        .await
        .map_err(|e| match EngineError::from(e) {
            EngineError::Conflict(_) => invalid("email", "a user with this email exists"),
            other => other,
        })?;
    accounts::add_member(&tx, workspace_id, user.id, role).await?;
    tx.commit().await?;
    Ok(user)
}

/// Sets a new password and ends every session of the user.
pub async fn reset_password(store: &Store, email: &str, password: &str) -> EngineResult<()> {
    let email = check_credentials(email, password)?;
    let user = accounts::find_user_by_email(store.db(), &email)
        .await?
        .ok_or(EngineError::NotFound)?;
    let hash = hash_password(password).await?;
    let tx = store.begin().await?;
    accounts::set_password(&tx, user.id, &hash).await?;
    sessions::delete_for_user(&tx, user.id).await?;
    tx.commit().await?;
    Ok(())
}
