//! Visitor identity. Anyone can type an email into a widget, so history by email is only
//! served with proof: the host's backend signs the email (`userHash`), or the browser holds
//! the signed session token Parley gave it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use uuid::Uuid;

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// `userHash`: hex HMAC-SHA256 of the normalized email under the bot's identity secret, as
/// the host's backend computes it.
pub fn user_hash(identity_secret: &str, email: &str) -> String {
    hex::encode(mac(identity_secret.as_bytes(), email.as_bytes()))
}

/// Checks a `userHash` in constant time; case-insensitive hex.
pub fn verify_user_hash(identity_secret: &str, email: &str, given: &str) -> bool {
    let expected = user_hash(identity_secret, email);
    let given = given.trim().to_ascii_lowercase();
    expected.len() == given.len() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

/// What a widget session token proves: this browser is this visitor of this bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorClaims {
    #[serde(rename = "v")]
    pub visitor_id: Uuid,
    #[serde(rename = "b")]
    pub bot_id: Uuid,
    /// Issued at, epoch ms.
    #[serde(rename = "t")]
    pub issued_at: i64,
}

/// How long a visitor token is honoured after it was issued. The widget is given a fresh
/// one each time it starts or resumes a conversation, so a visitor who comes back within
/// this time keeps their history; one who does not becomes a new anonymous visitor.
pub const VISITOR_TOKEN_TTL_MS: i64 = 30 * 24 * 3600 * 1000;

/// The key a bot's visitor tokens are signed with: the server's key bound to the bot's
/// stored identity secret, so rotating that secret revokes every token of the bot at once.
pub fn visitor_token_key(server_key: &[u8], stored_identity_secret: &str) -> Vec<u8> {
    let mut bound = b"visitor token\0".to_vec();
    bound.extend_from_slice(stored_identity_secret.as_bytes());
    mac(server_key, &bound)
}

/// `base64url(claims).base64url(hmac)` under `key` (see [`visitor_token_key`]).
pub fn sign_visitor_token(key: &[u8], claims: &VisitorClaims) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("plain struct"));
    let sig = URL_SAFE_NO_PAD.encode(mac(key, payload.as_bytes()));
    format!("{payload}.{sig}")
}

/// The claims of a token signed with `key` and issued within [`VISITOR_TOKEN_TTL_MS`] of
/// `now` (epoch ms), or `None` for anything forged, malformed, expired or from the future.
pub fn verify_visitor_token(key: &[u8], token: &str, now: i64) -> Option<VisitorClaims> {
    let (payload, sig) = token.split_once('.')?;
    let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
    let expected = mac(key, payload.as_bytes());
    if !bool::from(expected.ct_eq(&sig)) {
        return None;
    }
    let claims: VisitorClaims =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    let age = now - claims.issued_at;
    (-60_000..VISITOR_TOKEN_TTL_MS)
        .contains(&age)
        .then_some(claims)
}

/// The signature of a short-lived link to an image: `image_id` until `expires_at` (epoch
/// seconds). The purpose prefix keeps it from ever passing as a visitor token.
pub fn sign_image_link(key: &[u8], image_id: Uuid, expires_at: i64) -> String {
    URL_SAFE_NO_PAD.encode(mac(
        key,
        format!("image:{image_id}:{expires_at}").as_bytes(),
    ))
}

/// True when `sig` was made by [`sign_image_link`] and `now` (epoch seconds) is not past
/// the expiry.
pub fn verify_image_link(key: &[u8], image_id: Uuid, expires_at: i64, sig: &str, now: i64) -> bool {
    let expected = sign_image_link(key, image_id, expires_at);
    now <= expires_at && bool::from(expected.as_bytes().ct_eq(sig.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_hash_matches_a_reference_hmac() {
        // echo -n "ada@example.com" | openssl dgst -sha256 -hmac "secret"
        assert_eq!(
            user_hash("secret", "ada@example.com"),
            "d1da3149b0fa35cd09c21c293552aeb73c0085ec04332577adec55eafdee7e0e"
        );
        assert!(verify_user_hash(
            "secret",
            "ada@example.com",
            &user_hash("secret", "ada@example.com").to_uppercase()
        ));
        assert!(!verify_user_hash(
            "secret",
            "eve@example.com",
            &user_hash("secret", "ada@example.com")
        ));
        assert!(!verify_user_hash(
            "other",
            "ada@example.com",
            &user_hash("secret", "ada@example.com")
        ));
    }

    #[test]
    fn tokens_round_trip_and_reject_tampering() {
        let claims = VisitorClaims {
            visitor_id: Uuid::now_v7(),
            bot_id: Uuid::now_v7(),
            issued_at: 1,
        };
        let token = sign_visitor_token(b"key", &claims);
        assert_eq!(verify_visitor_token(b"key", &token, 2), Some(claims));
        assert_eq!(verify_visitor_token(b"other key", &token, 2), None);
        let (payload, sig) = token.split_once('.').unwrap();
        let forged = format!("{}.{sig}", &payload[..payload.len() - 2]);
        assert_eq!(verify_visitor_token(b"key", &forged, 2), None);
        assert_eq!(verify_visitor_token(b"key", "garbage", 2), None);
    }

    #[test]
    fn tokens_expire_and_die_with_their_bots_identity_secret() {
        let claims = VisitorClaims {
            visitor_id: Uuid::now_v7(),
            bot_id: Uuid::now_v7(),
            issued_at: 1_000_000,
        };
        let key = visitor_token_key(b"server", "sealed identity secret");
        let token = sign_visitor_token(&key, &claims);
        let last_day = claims.issued_at + VISITOR_TOKEN_TTL_MS - 1;
        assert_eq!(verify_visitor_token(&key, &token, last_day), Some(claims));
        assert_eq!(
            verify_visitor_token(&key, &token, last_day + 1),
            None,
            "expired"
        );
        assert_eq!(
            verify_visitor_token(&key, &token, 0),
            None,
            "from the future"
        );
        let rotated = visitor_token_key(b"server", "a new sealed identity secret");
        assert_eq!(
            verify_visitor_token(&rotated, &token, last_day),
            None,
            "rotated"
        );
    }

    #[test]
    fn image_links_expire_and_reject_tampering() {
        let key = b"k".repeat(32);
        let id = Uuid::now_v7();
        let sig = sign_image_link(&key, id, 1_000);
        assert!(verify_image_link(&key, id, 1_000, &sig, 999));
        assert!(verify_image_link(&key, id, 1_000, &sig, 1_000));
        assert!(!verify_image_link(&key, id, 1_000, &sig, 1_001), "expired");
        assert!(
            !verify_image_link(&key, id, 2_000, &sig, 999),
            "expiry changed"
        );
        assert!(
            !verify_image_link(&key, Uuid::now_v7(), 1_000, &sig, 999),
            "other image"
        );
        assert!(
            !verify_image_link(b"other", id, 1_000, &sig, 999),
            "other key"
        );
    }
}
