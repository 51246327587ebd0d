//! The real clients against the vendor-contract servers: the OAuth dance per vendor,
//! rotation, dead grants, each action's receipts, errors and rate limits.

use parley_integrations::oauth::{self, OAuthApp, Pkce};
use parley_integrations::testing::{self, Contracts};
use parley_integrations::{Endpoints, Provider, VendorError, hubspot, sheets, slack};
use serde_json::{Map, json};

const CALLBACK: &str = "http://127.0.0.1:9/api/v1/integrations/cb";

fn endpoints(c: &Contracts) -> Endpoints {
    Endpoints::with_bases(
        Some(&c.slack_base()),
        Some(&c.hubspot_base()),
        Some(&c.google_base()),
    )
}

fn app(p: Provider) -> OAuthApp {
    let (id, secret) = match p {
        Provider::Slack => testing::SLACK_CLIENT,
        Provider::Hubspot => testing::HUBSPOT_CLIENT,
        Provider::Google => testing::GOOGLE_CLIENT,
    };
    OAuthApp {
        client_id: id.into(),
        client_secret: secret.into(),
    }
}

/// Opens the consent page and follows "Allow": the code and state sent back.
async fn consent(url: &str) -> (String, String) {
    let page = reqwest::get(url).await.unwrap().text().await.unwrap();
    let start = page.find("id=\"allow\" href=\"").unwrap() + 17;
    let href = page[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let url = reqwest::Url::parse(&href).unwrap();
    let get = |k: &str| {
        url.query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.to_string())
            .unwrap()
    };
    (get("code"), get("state"))
}

async fn connect(c: &Contracts, p: Provider) -> oauth::Grant {
    let http = parley_integrations::http_client();
    let e = endpoints(c);
    let pkce = (p == Provider::Google).then(Pkce::new);
    let url = oauth::authorize_url(
        p,
        &e,
        &app(p),
        CALLBACK,
        "state-1",
        pkce.as_ref().map(|k| k.challenge.as_str()),
    );
    let (code, state) = consent(&url).await;
    assert_eq!(state, "state-1");
    oauth::exchange_code(
        &http,
        p,
        &e,
        &app(p),
        CALLBACK,
        &code,
        pkce.as_ref().map(|k| k.verifier.as_str()),
    )
    .await
    .unwrap()
}

fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[tokio::test]
async fn slack_connects_rotates_single_use_refresh_tokens_and_dies_when_revoked() {
    install_crypto();
    let c = testing::start(0).await;
    let http = parley_integrations::http_client();
    let e = endpoints(&c);
    let grant = connect(&c, Provider::Slack).await;
    assert_eq!(grant.account.as_ref().unwrap().id, "T0CONTRACT");
    assert!(grant.scopes.contains(&"chat:write".to_string()));
    assert_eq!(grant.expires_in, Some(43_200));
    let first = grant.refresh_token.clone().unwrap();
    let next = oauth::refresh(&http, Provider::Slack, &e, &app(Provider::Slack), &first)
        .await
        .unwrap();
    assert_ne!(next.refresh_token.as_deref(), Some(first.as_str()));
    // The used refresh token is dead: a second refresh with it is a dead grant.
    let again = oauth::refresh(&http, Provider::Slack, &e, &app(Provider::Slack), &first).await;
    assert!(matches!(again, Err(VendorError::Revoked(_))), "{again:?}");

    let client = slack::Slack::new(http.clone(), &c.slack_base());
    let posted = client
        .post_message(&next.access_token, "C0GENERAL", "hello", None, "run-1")
        .await
        .unwrap();
    assert!(!posted.ts.is_empty());
    let found = client
        .find_by_run_id(&next.access_token, "C0GENERAL", "run-1")
        .await
        .unwrap();
    assert_eq!(found, Some(posted));
    assert!(matches!(
        client
            .post_message(&next.access_token, "C0OLD", "x", None, "r")
            .await,
        Err(VendorError::Rejected(_))
    ));
    c.revoke_all();
    assert!(matches!(
        client
            .post_message(&next.access_token, "C0GENERAL", "x", None, "r")
            .await,
        Err(VendorError::Revoked(_))
    ));
    let dead = oauth::refresh(
        &http,
        Provider::Slack,
        &e,
        &app(Provider::Slack),
        next.refresh_token.as_deref().unwrap(),
    )
    .await;
    assert!(matches!(dead, Err(VendorError::Revoked(_))));
}

#[tokio::test]
async fn slack_failures_are_classified_as_the_vendor_documents() {
    install_crypto();
    let c = testing::start(0).await;
    let client = slack::Slack::new(parley_integrations::http_client(), &c.slack_base());
    let token = testing::SLACK_BOT_TOKEN;
    assert_eq!(client.auth_test(token).await.unwrap().name, "Contract Team");
    let names: Vec<String> = client
        .channels(token)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["general", "sales", "support-leads"]);
    c.fail("slack.chat.postMessage", "ratelimit", 1);
    match client.post_message(token, "C0SALES", "a", None, "r1").await {
        Err(VendorError::RateLimited { retry_after, .. }) => assert_eq!(retry_after.as_secs(), 1),
        other => panic!("{other:?}"),
    }
    c.fail("slack.chat.postMessage", "internal_error_after_apply", 1);
    assert!(matches!(
        client.post_message(token, "C0SALES", "b", None, "r2").await,
        Err(VendorError::Ambiguous(_))
    ));
    // The ambiguous post landed, and the run id finds it.
    assert!(
        client
            .find_by_run_id(token, "C0SALES", "r2")
            .await
            .unwrap()
            .is_some()
    );
    assert!(matches!(
        client.user_by_email(token, "nobody@example.com").await,
        Err(VendorError::Rejected(_))
    ));
    assert_eq!(
        client
            .user_by_email(token, "agent@example.com")
            .await
            .unwrap(),
        "U0AGENT"
    );
    assert!(matches!(
        client.auth_test("xoxb-wrong").await,
        Err(VendorError::Unauthorized(_))
    ));
}

#[tokio::test]
async fn hubspot_upserts_never_duplicate_and_deals_need_real_stages() {
    install_crypto();
    let c = testing::start(0).await;
    let grant = connect(&c, Provider::Hubspot).await;
    assert_eq!(
        grant.account.as_ref().unwrap().id,
        testing::hubspot_portal()
    );
    let client = hubspot::HubSpot::new(parley_integrations::http_client(), &c.hubspot_base());
    let token = &grant.access_token;
    let mut props = Map::new();
    props.insert("firstname".into(), json!("Ann"));
    let first = client
        .upsert_contact(token, " Ann@Example.com ", &props)
        .await
        .unwrap();
    let again = client
        .upsert_contact(token, "ann@example.com", &props)
        .await
        .unwrap();
    assert!(first.created && !again.created);
    assert_eq!(first.id, again.id);
    client.ensure_run_property(token).await.unwrap();
    client.ensure_run_property(token).await.unwrap();
    let pipelines = client.pipelines(token).await.unwrap();
    let stage = pipelines[0].stages[1].id.clone();
    let mut deal = Map::new();
    deal.insert("dealname".into(), json!("500 chairs"));
    deal.insert("dealstage".into(), json!(stage));
    let d1 = client.upsert_deal(token, "run-9", &deal).await.unwrap();
    let d2 = client.upsert_deal(token, "run-9", &deal).await.unwrap();
    assert_eq!(d1.id, d2.id);
    assert_eq!(c.world().deals.len(), 1);
    client
        .associate_deal(token, &d1.id, &first.id)
        .await
        .unwrap();
    deal.insert("dealstage".into(), json!("no-such-stage"));
    assert!(matches!(
        client.upsert_deal(token, "run-10", &deal).await,
        Err(VendorError::Rejected(_))
    ));
    let props = client.properties(token, "contacts").await.unwrap();
    assert!(props.iter().any(|p| p.name == "company"));
    assert_eq!(
        client
            .account(testing::HUBSPOT_SERVICE_KEY)
            .await
            .unwrap()
            .id,
        testing::hubspot_portal()
    );
    let http = parley_integrations::http_client();
    c.revoke_all();
    let dead = oauth::refresh(
        &http,
        Provider::Hubspot,
        &endpoints(&c),
        &app(Provider::Hubspot),
        grant.refresh_token.as_deref().unwrap(),
    )
    .await;
    assert!(matches!(dead, Err(VendorError::Revoked(_))), "{dead:?}");
}

#[tokio::test]
async fn google_checks_pkce_and_sheets_append_reads_and_reconciles() {
    install_crypto();
    let c = testing::start(0).await;
    let http = parley_integrations::http_client();
    let e = endpoints(&c);
    // A wrong verifier is refused.
    let pkce = Pkce::new();
    let url = oauth::authorize_url(
        Provider::Google,
        &e,
        &app(Provider::Google),
        CALLBACK,
        "s",
        Some(&pkce.challenge),
    );
    let (code, _) = consent(&url).await;
    let wrong = oauth::exchange_code(
        &http,
        Provider::Google,
        &e,
        &app(Provider::Google),
        CALLBACK,
        &code,
        Some("not-the-verifier-at-all-not-the-verifier-123"),
    )
    .await;
    assert!(matches!(wrong, Err(VendorError::Rejected(_))), "{wrong:?}");

    let grant = connect(&c, Provider::Google).await;
    assert_eq!(
        grant.account.as_ref().unwrap().id,
        "sheets-owner@example.com"
    );
    let refreshed = oauth::refresh(
        &http,
        Provider::Google,
        &e,
        &app(Provider::Google),
        grant.refresh_token.as_deref().unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        refreshed.refresh_token, None,
        "Google keeps the refresh token"
    );

    let client = sheets::Sheets::new(http, &c.google_base(), 300, 60);
    let token = &refreshed.access_token;
    let book = client
        .spreadsheet(token, testing::SPREADSHEET_ID)
        .await
        .unwrap();
    assert_eq!(book.sheets.len(), 2);
    assert!(
        client
            .read_range(token, testing::SPREADSHEET_ID, "Sheet1!A:C")
            .await
            .unwrap()
            .is_empty()
    );
    let row = [json!("=HYPERLINK(\"x\")"), json!(42), json!("run-1")];
    let range = client
        .append_row(token, testing::SPREADSHEET_ID, "Sheet1", &row)
        .await
        .unwrap();
    assert_eq!(range, "Sheet1!A1:C1");
    assert!(
        client
            .column_contains(token, testing::SPREADSHEET_ID, "Sheet1", 3, "run-1")
            .await
            .unwrap()
    );
    assert!(
        !client
            .column_contains(token, testing::SPREADSHEET_ID, "Sheet1", 3, "run-2")
            .await
            .unwrap()
    );
    let prices = client
        .read_range(token, testing::SPREADSHEET_ID, "Prices!A:B")
        .await
        .unwrap();
    assert_eq!(prices[1], ["CHAIR-1", "129"]);
    c.fail("sheets.append", "status_500_after_apply", 1);
    assert!(matches!(
        client
            .append_row(token, testing::SPREADSHEET_ID, "Sheet1", &row)
            .await,
        Err(VendorError::Ambiguous(_))
    ));
    assert!(matches!(
        client.append_row(token, "missing", "Sheet1", &row).await,
        Err(VendorError::Rejected(_))
    ));
}
