//! OAuth2 authorization-code grants for the three vendors: the authorize URL, the code
//! exchange, refresh and revocation, each in the vendor's own dialect.
//!
//! - Slack: `oauth.v2.access` with HTTP Basic client auth; errors are HTTP 200
//!   `{"ok":false}`; scopes are comma-joined; with token rotation the refresh token is
//!   single-use. No PKCE: enabling it turns the app public and its refresh tokens expire
//!   after 30 days.
//! - HubSpot: the date-versioned `/oauth/2026-03/token` with credentials in the form body;
//!   `scopes` is an array; the portal is `hub_id`. PKCE only on request (its authorize page
//!   does not document `code_challenge`).
//! - Google: PKCE S256, `access_type=offline` and `prompt=consent` so every connect returns a
//!   refresh token; refreshes do not return a new one (keep the old); the account is the
//!   user-info email.

use crate::{Endpoints, Provider, VendorError, VendorResult, field, retry_after, transport};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The date-versioned HubSpot API generation every path uses.
pub const HUBSPOT_VERSION: &str = "2026-03";

/// An OAuth app's credentials (the operator's, or a workspace's own).
#[derive(Clone)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthApp")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<hidden>")
            .finish()
    }
}

/// A PKCE pair: the verifier stays on the server, the S256 challenge goes to the vendor.
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Pkce {
        let verifier = random_token();
        Pkce {
            challenge: challenge(&verifier),
            verifier,
        }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Pkce::new()
    }
}

/// The S256 challenge of a verifier: base64url(SHA-256(verifier)), unpadded.
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// 32 random bytes, base64url: a `state` or a PKCE verifier (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The scopes Parley asks for: what its actions need and nothing more.
pub fn scopes(provider: Provider) -> &'static [&'static str] {
    match provider {
        Provider::Slack => &[
            "chat:write",
            "chat:write.public",
            "channels:read",
            "groups:read",
            "channels:history",
            "users:read",
            "users:read.email",
            "im:write",
        ],
        Provider::Hubspot => &[
            "oauth",
            "crm.objects.contacts.read",
            "crm.objects.contacts.write",
            "crm.objects.deals.read",
            "crm.objects.deals.write",
            "crm.schemas.deals.write",
        ],
        Provider::Google => &[
            "openid",
            "email",
            "https://www.googleapis.com/auth/spreadsheets",
        ],
    }
}

/// Where to send the person who connects: the vendor's consent page.
pub fn authorize_url(
    provider: Provider,
    endpoints: &Endpoints,
    app: &OAuthApp,
    redirect_uri: &str,
    state: &str,
    pkce_challenge: Option<&str>,
) -> String {
    let (base, mut params): (String, Vec<(&str, String)>) = match provider {
        Provider::Slack => (
            format!("{}/oauth/v2/authorize", endpoints.slack),
            vec![("scope", scopes(provider).join(","))],
        ),
        Provider::Hubspot => (
            format!("{}/oauth/authorize", endpoints.hubspot_app),
            vec![("scope", scopes(provider).join(" "))],
        ),
        Provider::Google => (
            format!("{}/o/oauth2/v2/auth", endpoints.google_accounts),
            vec![
                ("response_type", "code".into()),
                ("scope", scopes(provider).join(" ")),
                ("access_type", "offline".into()),
                ("prompt", "consent".into()),
                ("include_granted_scopes", "true".into()),
            ],
        ),
    };
    params.push(("client_id", app.client_id.clone()));
    params.push(("redirect_uri", redirect_uri.to_string()));
    params.push(("state", state.to_string()));
    if let Some(c) = pkce_challenge {
        params.push(("code_challenge", c.to_string()));
        params.push(("code_challenge_method", "S256".into()));
    }
    let mut url = reqwest::Url::parse(&base).expect("endpoint bases are valid URLs");
    url.query_pairs_mut().extend_pairs(params.iter());
    url.into()
}

/// The account a grant reached: a Slack team, a HubSpot portal, a Google account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub name: String,
}

/// Tokens from a code exchange or a refresh.
#[derive(Clone, PartialEq, Eq)]
pub struct Grant {
    pub access_token: String,
    /// `None` when the vendor did not send one (Google's refreshes, Slack without
    /// rotation): keep the one held.
    pub refresh_token: Option<String>,
    /// Seconds the access token lasts; `None` when it does not expire.
    pub expires_in: Option<u64>,
    pub scopes: Vec<String>,
    pub account: Option<Account>,
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grant")
            .field("expires_in", &self.expires_in)
            .field("scopes", &self.scopes)
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

/// Exchanges the code the vendor sent back for tokens (and, for Google, looks up whose).
pub async fn exchange_code(
    http: &reqwest::Client,
    provider: Provider,
    endpoints: &Endpoints,
    app: &OAuthApp,
    redirect_uri: &str,
    code: &str,
    pkce_verifier: Option<&str>,
) -> VendorResult<Grant> {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
    ];
    if let Some(v) = pkce_verifier {
        form.push(("code_verifier", v));
    }
    let grant = token_request(http, provider, endpoints, app, &form, false).await?;
    if provider == Provider::Google {
        let email = google_email(http, endpoints, &grant.access_token).await?;
        return Ok(Grant {
            account: Some(Account {
                id: email.clone(),
                name: email,
            }),
            ..grant
        });
    }
    Ok(grant)
}

/// A fresh access token from a refresh token. A dead grant is [`VendorError::Revoked`].
pub async fn refresh(
    http: &reqwest::Client,
    provider: Provider,
    endpoints: &Endpoints,
    app: &OAuthApp,
    refresh_token: &str,
) -> VendorResult<Grant> {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ];
    token_request(http, provider, endpoints, app, &form, true).await
}

/// Revokes a token at the vendor where the vendor offers it (Slack `auth.revoke`, HubSpot
/// `token/revoke`, Google `/revoke`). A token already dead counts as revoked.
pub async fn revoke(
    http: &reqwest::Client,
    provider: Provider,
    endpoints: &Endpoints,
    app: Option<&OAuthApp>,
    token: &str,
) -> VendorResult<()> {
    let request = match provider {
        Provider::Slack => http
            .post(format!("{}/api/auth.revoke", endpoints.slack))
            .bearer_auth(token)
            .form(&[("token", token)]),
        Provider::Hubspot => {
            let Some(app) = app else { return Ok(()) };
            http.post(format!(
                "{}/oauth/{HUBSPOT_VERSION}/token/revoke",
                endpoints.hubspot_api
            ))
            .form(&[
                ("client_id", app.client_id.as_str()),
                ("client_secret", app.client_secret.as_str()),
                ("token", token),
            ])
        }
        Provider::Google => http
            .post(format!("{}/revoke", endpoints.google_oauth))
            .form(&[("token", token)]),
    };
    let response = request
        .send()
        .await
        .map_err(|e| transport(provider.name(), &e, false))?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let dead = |code: &str| {
        matches!(
            code,
            "invalid_auth" | "token_revoked" | "account_inactive" | "invalid_token"
        )
    };
    match provider {
        Provider::Slack if body.get("ok") == Some(&Value::Bool(true)) => Ok(()),
        Provider::Slack if field(&body, "error").is_some_and(dead) => Ok(()),
        _ if status.is_success() => Ok(()),
        _ if field(&body, "error").is_some_and(|e| dead(e) || e == "invalid_grant") => Ok(()),
        _ => Err(VendorError::Unavailable(format!(
            "{} did not revoke the token ({status})",
            provider.name()
        ))),
    }
}

/// One token-endpoint call, classified. `refreshing` decides whether a grant error means
/// the connection is dead (refresh) or the code was bad (exchange).
async fn token_request(
    http: &reqwest::Client,
    provider: Provider,
    endpoints: &Endpoints,
    app: &OAuthApp,
    form: &[(&str, &str)],
    refreshing: bool,
) -> VendorResult<Grant> {
    let vendor = provider.name();
    let request = match provider {
        Provider::Slack => http
            .post(format!("{}/api/oauth.v2.access", endpoints.slack))
            .basic_auth(&app.client_id, Some(&app.client_secret))
            .form(form),
        Provider::Hubspot | Provider::Google => {
            let url = match provider {
                Provider::Hubspot => {
                    format!("{}/oauth/{HUBSPOT_VERSION}/token", endpoints.hubspot_api)
                }
                _ => format!("{}/token", endpoints.google_oauth),
            };
            let mut with_client = form.to_vec();
            with_client.push(("client_id", &app.client_id));
            with_client.push(("client_secret", &app.client_secret));
            http.post(url).form(&with_client)
        }
    };
    let response = request
        .send()
        .await
        .map_err(|e| transport(vendor, &e, false))?;
    let status = response.status();
    let headers = response.headers().clone();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status.as_u16() == 429 || field(&body, "error") == Some("ratelimited") {
        return Err(VendorError::RateLimited {
            retry_after: retry_after(&headers),
            message: format!("{vendor} is rate limiting token requests"),
        });
    }
    if status.is_server_error() {
        return Err(VendorError::Unavailable(format!(
            "{vendor}'s token endpoint failed ({status})"
        )));
    }
    let failed = match provider {
        Provider::Slack => body.get("ok") != Some(&Value::Bool(true)),
        _ => !status.is_success(),
    };
    if failed {
        let code = field(&body, "error").unwrap_or("unknown_error");
        let detail = field(&body, "error_description")
            .or_else(|| field(&body, "message"))
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        let message = format!("{vendor} refused the token request ({code}{detail})");
        let dead_grant = matches!(
            code,
            "invalid_grant"
                | "invalid_refresh_token"
                | "token_revoked"
                | "account_inactive"
                | "invalid_auth"
        ) || field(&body, "status") == Some("BAD_REFRESH_TOKEN");
        return Err(if refreshing && dead_grant {
            VendorError::Revoked(message)
        } else if code == "internal_error" || code == "fatal_error" {
            VendorError::Unavailable(message)
        } else {
            VendorError::Rejected(message)
        });
    }
    parse_grant(provider, &body).ok_or_else(|| {
        VendorError::Rejected(format!("{vendor}'s token response has no access token"))
    })
}

/// The tokens in a successful token response.
fn parse_grant(provider: Provider, body: &Value) -> Option<Grant> {
    let text = |v: &Value, k: &str| field(v, k).map(str::to_string);
    let access_token = text(body, "access_token")?;
    let scopes = match body.get("scopes").and_then(Value::as_array) {
        Some(list) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        None => field(body, "scope")
            .unwrap_or_default()
            .split([',', ' '])
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    };
    let account = match provider {
        Provider::Slack => body.get("team").and_then(|t| {
            Some(Account {
                id: text(t, "id")?,
                name: text(t, "name").unwrap_or_default(),
            })
        }),
        Provider::Hubspot => body
            .get("hub_id")
            .and_then(Value::as_i64)
            .map(|id| Account {
                id: id.to_string(),
                name: format!("portal {id}"),
            }),
        Provider::Google => None,
    };
    Some(Grant {
        access_token,
        refresh_token: text(body, "refresh_token"),
        expires_in: body.get("expires_in").and_then(Value::as_u64),
        scopes,
        account,
    })
}

/// The Google account's email, from the OpenID user-info endpoint.
async fn google_email(
    http: &reqwest::Client,
    endpoints: &Endpoints,
    access_token: &str,
) -> VendorResult<String> {
    let response = http
        .get(format!("{}/v1/userinfo", endpoints.google_userinfo))
        .bearer_auth(access_token)
        .send()
        .await
        .map_err(|e| transport("Google", &e, false))?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    match field(&body, "email") {
        Some(email) if status.is_success() => Ok(email.to_string()),
        _ => Err(VendorError::Rejected(format!(
            "Google did not say which account was connected ({status})"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_s256_challenge_is_unpadded_base64url_of_sha256() {
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wnKxH3JwDz1c"),
            // Python: base64.urlsafe_b64encode(hashlib.sha256(v).digest()).rstrip(b"=")
            "E6wF8rCPHLCBCM3wXGP4QLIEHihD552H-KC3R5q9STo"
        );
        assert_eq!(random_token().len(), 43);
    }

    #[test]
    fn authorize_urls_speak_each_vendors_dialect() {
        let app = OAuthApp {
            client_id: "id 1".into(),
            client_secret: "s".into(),
        };
        let e = Endpoints::default();
        let slack = authorize_url(Provider::Slack, &e, &app, "https://p/cb", "st", None);
        assert!(slack.starts_with("https://slack.com/oauth/v2/authorize?scope=chat%3Awrite%2C"));
        assert!(slack.contains("client_id=id+1") && slack.contains("state=st"));
        assert!(!slack.contains("code_challenge"));
        let google = authorize_url(Provider::Google, &e, &app, "https://p/cb", "st", Some("ch"));
        assert!(google.contains("access_type=offline") && google.contains("prompt=consent"));
        assert!(google.contains("code_challenge=ch&code_challenge_method=S256"));
    }

    #[test]
    fn grants_read_slack_commas_and_hubspot_arrays() {
        let slack = serde_json::json!({"ok": true, "access_token": "xoxb-1", "scope": "chat:write,channels:read",
            "expires_in": 43200, "refresh_token": "xoxe-1-a", "team": {"id": "T1", "name": "Acme"}});
        let g = parse_grant(Provider::Slack, &slack).unwrap();
        assert_eq!(g.scopes, ["chat:write", "channels:read"]);
        assert_eq!(g.account.unwrap().name, "Acme");
        let hub = serde_json::json!({"token_type": "bearer", "access_token": "A", "refresh_token": "na1-x",
            "hub_id": 62515, "scopes": ["oauth"], "expires_in": 1800});
        let g = parse_grant(Provider::Hubspot, &hub).unwrap();
        assert_eq!(g.account.as_ref().unwrap().id, "62515");
        assert_eq!(g.expires_in, Some(1800));
        assert!(!format!("{g:?}").contains("na1-x"));
    }
}
