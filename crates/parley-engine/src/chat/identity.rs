//! Who a widget visitor is: a host-vouched email (`userHash`), this browser's signed session
//! token, or a new anonymous visitor.

use crate::services::Services;
use crate::{EngineError, EngineResult};
use parley_domain::account::normalize_email;
use parley_domain::identity::{
    VisitorClaims, sign_visitor_token, verify_user_hash, verify_visitor_token, visitor_token_key,
};
use parley_store::repo::bots::Bot;
use parley_store::repo::conversations::{self as convs, Visitor};
use parley_store::{Store, now_ms};

/// How a widget request proves who the visitor is.
#[derive(Debug, Clone, Default)]
pub struct VisitorProof {
    /// The signed session token Parley gave this browser.
    pub session_token: Option<String>,
    /// An email the host page vouches for with `user_hash`.
    pub email: Option<String>,
    pub user_hash: Option<String>,
}

/// A visitor recognised for this bot, and the token to keep for next time.
pub struct Identified {
    pub visitor: Visitor,
    pub session_token: String,
    /// True when the email was proven with `userHash`: history by email is open.
    pub email_verified: bool,
}

/// Recognises the visitor: a valid `userHash` for the email wins (the same person on any
/// device); then this browser's session token; otherwise a new anonymous visitor. An email
/// without a valid hash is not trusted and identifies nobody.
pub async fn identify(
    chat: &Services,
    key: &[u8],
    bot: &Bot,
    proof: &VisitorProof,
) -> EngineResult<Identified> {
    let store = &chat.store;
    let email = proof.email.as_deref().and_then(normalize_email);
    let verified_email = match (&email, &proof.user_hash) {
        (Some(email), Some(hash)) => crate::bots::identity_secret(&chat.vault, bot)
            .filter(|secret| verify_user_hash(secret, email, hash))
            .map(|_| email.clone()),
        _ => None,
    };
    let visitor = if let Some(email) = &verified_email {
        convs::visitor_by_email(store.db(), bot.workspace_id, bot.id, email).await?
    } else if let Some(claims) = proof
        .session_token
        .as_deref()
        .and_then(|t| token_claims(key, bot, t))
    {
        match convs::get_visitor(store.db(), bot.id, claims.visitor_id).await {
            Ok(v) => v,
            Err(parley_store::StoreError::NotFound) => {
                convs::create_visitor(&store.writer().await?, bot.workspace_id, bot.id, None)
                    .await?
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        convs::create_visitor(&store.writer().await?, bot.workspace_id, bot.id, None).await?
    };
    let claims = VisitorClaims {
        visitor_id: visitor.id,
        bot_id: bot.id,
        issued_at: now_ms(),
    };
    Ok(Identified {
        session_token: sign_visitor_token(&visitor_token_key(key, &bot.identity_secret), &claims),
        email_verified: verified_email.is_some(),
        visitor,
    })
}

/// The visitor named by a session token, or 401-style `Unauthenticated`.
pub async fn visitor_from_token(
    store: &Store,
    key: &[u8],
    bot: &Bot,
    token: &str,
) -> EngineResult<Visitor> {
    let claims = token_claims(key, bot, token).ok_or(EngineError::Unauthenticated)?;
    convs::get_visitor(store.db(), bot.id, claims.visitor_id)
        .await
        .map_err(|_| EngineError::Unauthenticated)
}

/// The claims of `token` when it is a live token of `bot`'s visitors: signed with the
/// bot's token key (which its identity secret's rotation changes) and not expired.
pub(super) fn token_claims(key: &[u8], bot: &Bot, token: &str) -> Option<VisitorClaims> {
    let key = visitor_token_key(key, &bot.identity_secret);
    verify_visitor_token(&key, token, now_ms()).filter(|c| c.bot_id == bot.id)
}
