//! `/api/v1/analytics`: KPI cards with the change against the previous period, time
//! series, intents, knowledge gaps and CSV exports. All numbers come from the hourly rollup
//! (see `parley_engine::analytics`), the gaps from the unanswered questions' events; days
//! are the workspace's days, in its time zone.

use super::shared::{parse_time, rfc3339};
use crate::caller::Caller;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiQuery;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use parley_domain::analytics::{self as def, DAY_MS, GapCluster, metric};
use parley_engine::analytics::{self as use_case, Bucket, Period, PeriodSummary};
use parley_store::now_ms;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(summary))
        .routes(routes!(timeseries))
        .routes(routes!(intents))
        .routes(routes!(gaps))
        .routes(routes!(export))
}

/// The longest period one request may cover (two years of hours).
const MAX_SPAN_MS: i64 = 731 * DAY_MS;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// Start, RFC 3339, inclusive (rounded down to the hour). Default: 30 days before `to`.
    from: Option<String>,
    /// End, RFC 3339, exclusive. Default: now.
    to: Option<String>,
    /// Only this bot's conversations.
    bot_id: Option<Uuid>,
}

impl RangeQuery {
    fn period(&self) -> ApiResult<Period> {
        period(self.from.as_deref(), self.to.as_deref(), self.bot_id)
    }
}

/// The period a query names; 400 for a malformed, reversed or too long one.
fn period(from: Option<&str>, to: Option<&str>, bot_id: Option<Uuid>) -> ApiResult<Period> {
    {
        let to = parse_time("to", to)?.unwrap_or_else(now_ms);
        let from = parse_time("from", from)?.unwrap_or(to - 30 * DAY_MS);
        if from >= to {
            return Err(ApiError::invalid_field("from", "must be before `to`"));
        }
        if to - from > MAX_SPAN_MS {
            return Err(ApiError::invalid_field(
                "from",
                "a period is at most 731 days",
            ));
        }
        Ok(Period {
            bot_id,
            from: def::hour_of(from),
            to,
        })
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// Start, RFC 3339, inclusive (rounded down to the hour). Default: 30 days before `to`.
    from: Option<String>,
    /// End, RFC 3339, exclusive. Default: now.
    to: Option<String>,
    /// Only this bot's conversations.
    bot_id: Option<Uuid>,
    /// `previous`: also the period of the same length just before, and Δ% per card.
    compare: Option<String>,
}

/// One KPI card.
#[derive(Serialize, ToSchema)]
pub struct Kpi {
    /// Stable key: `conversations`, `messages`, `unique_visitors`, `resolved`,
    /// `bot_resolution_rate`, `handoff_rate`, `avg_sentiment`, `negative_share`, `leads`,
    /// `lead_conversion`, `avg_rating`, `execution_failure_rate`, `unanswered`,
    /// `first_reply_ms`, `human_reply_ms`, `bot_resolution_ms`, `human_resolution_ms`.
    key: String,
    label: String,
    /// `count`, `percent` (a 0..1 ratio), `score` or `duration` (milliseconds).
    format: String,
    /// Null when the period has nothing to compute it from (a rate of no conversations).
    #[schema(required)]
    value: Option<f64>,
    #[schema(required)]
    previous: Option<f64>,
    /// (value − previous) ÷ |previous| × 100; null without a previous value or when it is 0.
    #[schema(required)]
    delta_pct: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct Count {
    name: String,
    count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Summary {
    from: String,
    to: String,
    /// The IANA zone days are counted in: the workspace's, `UTC` when it has none.
    time_zone: String,
    kpis: Vec<Kpi>,
    /// Visitor messages by sentiment label (`negative`, `neutral`, `positive`).
    sentiment: Vec<Count>,
    /// Qualified leads by priority.
    leads: Vec<Count>,
    /// Handoffs by reason.
    handoffs: Vec<Count>,
    /// Workflow executions started in the period, by status.
    executions: Vec<Count>,
    /// The ten most frequent intents.
    intents: Vec<Count>,
}

fn counts(v: Vec<(String, i64)>) -> Vec<Count> {
    v.into_iter()
        .map(|(name, count)| Count { name, count })
        .collect()
}

type Pick = fn(&PeriodSummary) -> Option<f64>;

const CARDS: &[(&str, &str, &str, Pick)] = &[
    ("conversations", "Conversations", "count", |s| {
        Some(s.kpis.conversations as f64)
    }),
    ("messages", "Visitor messages", "count", |s| {
        Some(s.kpis.messages as f64)
    }),
    ("unique_visitors", "Unique visitors", "count", |s| {
        Some(s.unique_visitors as f64)
    }),
    ("resolved", "Resolved", "count", |s| {
        Some(s.kpis.resolved as f64)
    }),
    (
        "bot_resolution_rate",
        "Resolved by the bot alone",
        "percent",
        |s| s.kpis.bot_resolution_rate,
    ),
    ("handoff_rate", "Handed to a human", "percent", |s| {
        s.kpis.handoff_rate
    }),
    ("avg_sentiment", "Average sentiment", "score", |s| {
        s.kpis.avg_sentiment
    }),
    ("negative_share", "Turned negative", "percent", |s| {
        s.kpis.negative_share
    }),
    ("leads", "Qualified leads", "count", |s| {
        Some(s.kpis.leads as f64)
    }),
    ("lead_conversion", "Lead conversion", "percent", |s| {
        s.kpis.lead_conversion
    }),
    ("avg_rating", "Average rating", "score", |s| {
        s.kpis.avg_rating
    }),
    (
        "execution_failure_rate",
        "Automation failures",
        "percent",
        |s| s.execution_failure_rate(),
    ),
    ("unanswered", "Questions without an answer", "count", |s| {
        Some(s.kpis.unanswered as f64)
    }),
    ("first_reply_ms", "First reply (bot)", "duration", |s| {
        s.kpis.first_reply_ms
    }),
    ("human_reply_ms", "First reply (human)", "duration", |s| {
        s.kpis.human_reply_ms
    }),
    (
        "bot_resolution_ms",
        "Time to resolve (bot)",
        "duration",
        |s| s.kpis.bot_resolution_ms,
    ),
    (
        "human_resolution_ms",
        "Time to resolve (human)",
        "duration",
        |s| s.kpis.human_resolution_ms,
    ),
];

/// KPI cards of a period, with Δ% against the previous one when `compare=previous`.
#[utoipa::path(get, path = "/api/v1/analytics/summary", tag = "analytics", params(SummaryQuery), responses(
    (status = 200, body = Summary), (status = 400, body = ErrorBody),
))]
async fn summary(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(q): ApiQuery<SummaryQuery>,
) -> ApiResult<Json<Summary>> {
    let p = period(q.from.as_deref(), q.to.as_deref(), q.bot_id)?;
    let compare = match q.compare.as_deref() {
        None | Some("") | Some("none") => false,
        Some("previous") => true,
        Some(_) => {
            return Err(ApiError::invalid_field(
                "compare",
                "must be `previous` or absent",
            ));
        }
    };
    let (now, before) = use_case::summary(&state.store, &caller.actor, p, compare).await?;
    let kpis = CARDS
        .iter()
        .map(|(key, label, format, pick)| {
            let value = pick(&now);
            let previous = before.as_ref().and_then(pick);
            Kpi {
                key: key.to_string(),
                label: label.to_string(),
                format: format.to_string(),
                value,
                previous,
                delta_pct: value.zip(previous).and_then(|(v, b)| def::delta_pct(v, b)),
            }
        })
        .collect();
    let t = &now.totals;
    let mut intents = t.by_dim(metric::INTENT);
    intents.truncate(10);
    let (time_zone, _) = use_case::time_zone(&state.store, &caller.actor).await?;
    Ok(Json(Summary {
        from: rfc3339(p.from),
        to: rfc3339(p.to),
        time_zone,
        kpis,
        sentiment: ["negative", "neutral", "positive"]
            .iter()
            .map(|l| Count {
                name: l.to_string(),
                count: t.get(metric::SENTIMENT_BAND, l),
            })
            .collect(),
        leads: counts(t.by_dim(metric::LEADS)),
        handoffs: counts(t.by_dim(metric::HANDOFFS)),
        executions: counts(now.executions.clone()),
        intents: counts(intents),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SeriesQuery {
    /// Start, RFC 3339, inclusive (rounded down to the hour). Default: 30 days before `to`.
    from: Option<String>,
    /// End, RFC 3339, exclusive. Default: now.
    to: Option<String>,
    /// Only this bot's conversations.
    bot_id: Option<Uuid>,
    /// A rollup counter: `conversations`, `messages`, `handoffs`, `resolved`, `leads`,
    /// `turned_negative`, `intent`, `sentiment_band`, `ratings`, `reopened`, `images`,
    /// `unanswered`.
    metric: String,
    /// One dimension of it (an intent name, `negative`, `hot`, ...); all when absent.
    dim: Option<String>,
    /// `day` (default) or `hour`.
    bucket: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Point {
    /// Start of the bucket, RFC 3339.
    t: String,
    value: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Series {
    metric: String,
    bucket: String,
    time_zone: String,
    points: Vec<Point>,
}

/// One metric per day (or hour), zero-filled over the period.
#[utoipa::path(get, path = "/api/v1/analytics/timeseries", tag = "analytics", params(SeriesQuery), responses(
    (status = 200, body = Series), (status = 400, body = ErrorBody),
))]
async fn timeseries(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(q): ApiQuery<SeriesQuery>,
) -> ApiResult<Json<Series>> {
    let p = period(q.from.as_deref(), q.to.as_deref(), q.bot_id)?;
    if !use_case::SERIES.contains(&q.metric.as_str()) {
        return Err(ApiError::invalid_field(
            "metric",
            format!("must be one of {}", use_case::SERIES.join(", ")),
        ));
    }
    let bucket = match q.bucket.as_deref() {
        None | Some("day") => Bucket::Day,
        Some("hour") if p.to - p.from <= 31 * DAY_MS => Bucket::Hour,
        Some("hour") => {
            return Err(ApiError::invalid_field(
                "bucket",
                "hourly buckets cover at most 31 days",
            ));
        }
        Some(_) => return Err(ApiError::invalid_field("bucket", "must be day or hour")),
    };
    let dim = q.dim.as_deref().filter(|d| !d.is_empty());
    let (time_zone, tz) = use_case::time_zone(&state.store, &caller.actor).await?;
    let points = use_case::timeseries(&state.store, &caller.actor, p, &q.metric, dim, bucket, &tz)
        .await?
        .into_iter()
        .map(|(t, value)| Point {
            t: rfc3339(t),
            value,
        })
        .collect();
    Ok(Json(Series {
        metric: q.metric,
        bucket: if bucket == Bucket::Day { "day" } else { "hour" }.into(),
        time_zone,
        points,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct IntentList {
    /// Every intent detected in the period, most frequent first.
    items: Vec<Count>,
}

/// Intents detected in the period, by count.
#[utoipa::path(get, path = "/api/v1/analytics/intents", tag = "analytics", params(RangeQuery), responses(
    (status = 200, body = IntentList), (status = 400, body = ErrorBody),
))]
async fn intents(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> ApiResult<Json<IntentList>> {
    let totals = use_case::totals(&state.store, &caller.actor, q.period()?).await?;
    Ok(Json(IntentList {
        items: counts(totals.by_dim(metric::INTENT)),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct GapList {
    /// Groups of questions the bot could not answer, largest first.
    items: Vec<GapCluster>,
}

/// Knowledge gaps: the period's unanswered questions (the newest 2,000), grouped by the
/// word they share, with examples.
#[utoipa::path(get, path = "/api/v1/analytics/gaps", tag = "analytics", params(RangeQuery), responses(
    (status = 200, body = GapList), (status = 400, body = ErrorBody),
))]
async fn gaps(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> ApiResult<Json<GapList>> {
    let items = use_case::gaps(&state.store, &caller.actor, q.period()?).await?;
    Ok(Json(GapList { items }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Start, RFC 3339, inclusive (rounded down to the hour). Default: 30 days before `to`.
    from: Option<String>,
    /// End, RFC 3339, exclusive. Default: now.
    to: Option<String>,
    /// Only this bot's conversations.
    bot_id: Option<Uuid>,
    /// `daily` (counters per day), `intents` or `executions` (by status).
    table: String,
}

/// A table of the period as CSV.
#[utoipa::path(get, path = "/api/v1/analytics/export.csv", tag = "analytics", params(ExportQuery), responses(
    (status = 200, content_type = "text/csv", body = String), (status = 400, body = ErrorBody),
))]
async fn export(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<impl IntoResponse> {
    let p = period(q.from.as_deref(), q.to.as_deref(), q.bot_id)?;
    if !use_case::TABLES.contains(&q.table.as_str()) {
        return Err(ApiError::invalid_field(
            "table",
            format!("must be one of {}", use_case::TABLES.join(", ")),
        ));
    }
    let csv = use_case::export_csv(&state.store, &caller.actor, p, &q.table).await?;
    let disposition = format!("attachment; filename=\"analytics-{}.csv\"", q.table);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        csv,
    ))
}
