//! Analytics over HTTP, on every test database: chat through the widget, let the
//! dispatcher roll the events up, and check the KPIs against a recomputation from the raw
//! rows (conversations, messages and their scores), then again after a rebuild.

use crate::helpers::{self, Widget};
use parley_store::entities::{conversation, message};
use parley_store::repo::outbox;
use parley_store::testing::test_stores;
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

const LINES: &[&str] = &[
    "Hi, what does the tent cost?",
    "This is terrible, my order never arrived and I am furious",
    "I want a refund for the broken stove",
    "Great, thank you so much, that was really helpful!",
    "We are a company of 200 people, can I get a demo and pricing for the team?",
    "Where is my order?",
];

/// Waits until the dispatcher has taken every event (and so rolled it up).
async fn drained(app: &helpers::TestApp) {
    for _ in 0..500 {
        if outbox::pending(app.store.db(), 1).await.unwrap().is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the outbox was not drained");
}

fn kpi(summary: &Value, key: &str) -> Option<f64> {
    summary["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key"] == key)
        .unwrap_or_else(|| panic!("a {key} card: {summary}"))["value"]
        .as_f64()
}

fn band(summary: &Value, label: &str) -> i64 {
    summary["sentiment"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == label)
        .unwrap()["count"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn rollup_kpis_equal_a_recomputation_from_raw_rows() {
    for db in test_stores().await {
        let app = helpers::start_with_workflows(&db).await;
        let owner = app.owner().await;
        let (_, bots) = owner.call(Method::GET, "/api/v1/bots", None).await;
        let bot = bots["items"][0].clone();
        let mut convs = Vec::new();
        for i in 0..6 {
            let mut w = Widget::of(&app, &bot);
            let conv = w.start().await;
            for j in 0..=(i % 3) {
                let text = LINES[(i + j) % LINES.len()];
                let path = format!("/widget/v1/conversations/{conv}/messages");
                let (status, body) = w
                    .call(Method::POST, &path, Some(json!({"text": text})))
                    .await;
                assert_eq!(status, StatusCode::OK, "{}: {body}", db.name);
            }
            convs.push(conv);
        }
        // A question the shop's documents cannot answer: a knowledge gap.
        let mut w = Widget::of(&app, &bot);
        let gap = w.start().await;
        let path = format!("/widget/v1/conversations/{gap}/messages");
        let text = "Do you deliver by penguin to Antarctica?";
        let (status, body) = w
            .call(Method::POST, &path, Some(json!({"text": text})))
            .await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", db.name);
        convs.push(gap);
        for conv in &convs[..2] {
            let path = format!("/api/v1/conversations/{conv}");
            let (status, body) = owner
                .call(Method::PATCH, &path, Some(json!({"status": "resolved"})))
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        drained(&app).await;

        // The raw rows, recomputed here without the rollup.
        let ws = app.store.db();
        let rows = conversation::Entity::find().all(ws).await.unwrap();
        let visitor = message::Entity::find()
            .filter(message::Column::Role.eq("visitor"))
            .all(ws)
            .await
            .unwrap();
        let mut bands: HashMap<String, i64> = HashMap::new();
        let mut milli = 0i64;
        for m in &visitor {
            let s = &m.insight.as_ref().expect("scored")["sentiment"];
            *bands
                .entry(s["label"].as_str().unwrap().to_string())
                .or_default() += 1;
            milli += (s["score"].as_f64().unwrap() * 1000.0).round() as i64;
        }
        let resolved = rows.iter().filter(|c| c.status == "resolved").count();
        let fallback = bot["behaviour"]["fallback_message"]
            .as_str()
            .unwrap_or_else(|| panic!("a fallback message: {bot}"));
        // The fallback, or (after too many in a row) the apology that hands over to a person.
        let unanswered = message::Entity::find()
            .filter(message::Column::Role.eq("bot"))
            .all(ws)
            .await
            .unwrap()
            .iter()
            .filter(|m| {
                m.body == fallback || m.body.starts_with("I'm sorry I couldn't answer that.")
            })
            .count();
        assert!(
            unanswered >= 1,
            "{}: the penguin question fell back",
            db.name
        );
        let qualified = rows
            .iter()
            .filter(|c| {
                c.insight
                    .as_ref()
                    .is_some_and(|i| i["lead"]["qualified_fired"] == true)
            })
            .count();

        let path = format!(
            "/api/v1/analytics/summary?compare=previous&bot_id={}",
            bot["id"].as_str().unwrap()
        );
        for round in ["incremental", "rebuilt"] {
            let (status, s) = owner.call(Method::GET, &path, None).await;
            assert_eq!(status, StatusCode::OK, "{s}");
            let what = format!("{} ({round}): {s}", db.name);
            assert_eq!(kpi(&s, "conversations"), Some(rows.len() as f64), "{what}");
            assert_eq!(kpi(&s, "messages"), Some(visitor.len() as f64), "{what}");
            assert_eq!(kpi(&s, "unique_visitors"), Some(7.0), "{what}");
            assert_eq!(kpi(&s, "unanswered"), Some(unanswered as f64), "{what}");
            // Every conversation's first reply was timed; the resolved ones had no handoff.
            assert!(
                kpi(&s, "first_reply_ms").is_some_and(|ms| ms >= 0.0),
                "{what}"
            );
            assert!(
                kpi(&s, "bot_resolution_ms").is_some_and(|ms| ms >= 0.0),
                "{what}"
            );
            assert_eq!(kpi(&s, "human_reply_ms"), None, "{what}");
            assert_eq!(kpi(&s, "resolved"), Some(resolved as f64), "{what}");
            assert_eq!(kpi(&s, "leads"), Some(qualified as f64), "{what}");
            for label in ["negative", "neutral", "positive"] {
                assert_eq!(
                    band(&s, label),
                    bands.get(label).copied().unwrap_or(0),
                    "{what}"
                );
            }
            let avg = kpi(&s, "avg_sentiment").unwrap();
            assert!(
                (avg - milli as f64 / 1000.0 / visitor.len() as f64).abs() < 1e-9,
                "{what}"
            );
            // Nothing happened in the 30 days before: no Δ% from nothing.
            let card = &s["kpis"][0];
            assert_eq!(card["previous"], json!(0.0), "{what}");
            assert!(card["delta_pct"].is_null(), "{what}");
            let total: i64 = ["negative", "neutral", "positive"]
                .iter()
                .map(|l| band(&s, l))
                .sum();
            assert!(total > 0, "{what}");
            if round == "incremental" {
                let read = parley_engine::analytics::rebuild(&app.store).await.unwrap();
                assert!(read > 0);
            }
        }

        let (status, series) = owner
            .call(
                Method::GET,
                "/api/v1/analytics/timeseries?metric=messages&bucket=day",
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{series}");
        let sum: i64 = series["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["value"].as_i64().unwrap())
            .sum();
        assert_eq!(sum, visitor.len() as i64, "{}", db.name);

        let (status, gaps) = owner
            .call(Method::GET, "/api/v1/analytics/gaps", None)
            .await;
        assert_eq!(status, StatusCode::OK, "{gaps}");
        let penguin = gaps["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["examples"].as_array().unwrap().contains(&json!(text)));
        assert!(penguin.is_some(), "{}: {gaps}", db.name);

        let response = owner
            .request(Method::GET, "/api/v1/analytics/export.csv?table=daily")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let csv = response.text().await.unwrap();
        assert!(csv.starts_with("day,conversations,messages"), "{csv}");

        let (status, bad) = owner
            .call(
                Method::GET,
                "/api/v1/analytics/timeseries?metric=nope",
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            bad["error"]["fields"]["metric"].is_string()
                || bad["error"]["fields"]["metric"].is_array(),
            "{bad}"
        );
    }
}
