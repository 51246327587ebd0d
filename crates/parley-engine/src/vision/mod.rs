//! Image analysis in the product: which kind of analysis an upload gets, queuing it in the
//! upload's own transaction, the `image.analyze` job that runs it ([`job`]), and an agent's
//! re-run with another kind. What the analysis can do, and how, is `parley-vision`'s.

mod correct;
mod direct;
mod job;
mod reply;

pub use correct::{CorrectionInput, MAX_NOTE_CHARS, correct};
pub use direct::{DirectResult, DirectUpload, VisionCheck, analyze_upload, check_vision};
pub use job::AnalyzeHandler;
pub use parley_vision::Kind;
pub use parley_vision::ocr::Availability;
pub use parley_vision::{Analysis, Task};

use crate::services::Services;
use crate::{Actor, EngineError, EngineResult};
use parley_store::ConnectionTrait;
use parley_store::jobs::{self, NewJob};
use parley_store::repo::conversations as convs;
use parley_store::repo::image_analyses::{self as analyses, ImageAnalysis, NewAnalysis};
use parley_vision::ocr::Tesseract;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

/// The job that analyses one image.
pub const ANALYZE_JOB: &str = "image.analyze";
/// The outbox event written when an analysis ends (done, failed or unavailable).
pub const ANALYZED_EVENT: &str = "image.analyzed";
/// Attempts of the job: model calls are retried inside each attempt already.
const MAX_ATTEMPTS: i32 = 3;

/// What the visitor may say an image is for (the widget's choice).
pub const PURPOSES: [&str; 4] = ["return", "invoice", "count", "other"];

/// The kind chosen for an upload, why, and the intent workflows see with the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub kind: Kind,
    /// `purpose` (the visitor said), `intent` (the conversation's intents), `default`.
    pub source: &'static str,
    /// `return_request` for a return photo, else the intent that decided, if any.
    pub intent: Option<String>,
}

/// The kind for a purpose the visitor chose, if it is one of [`PURPOSES`].
pub fn purpose_kind(purpose: &str) -> Option<Kind> {
    match purpose {
        "return" => Some(Kind::Condition),
        "invoice" => Some(Kind::Invoice),
        "count" => Some(Kind::Count),
        "other" => Some(Kind::Describe),
        _ => None,
    }
}

/// Chooses the kind: the visitor's purpose when given; otherwise the conversation's
/// intents (a return, refund or damage → condition; invoice, receipt or billing →
/// invoice); otherwise a description.
pub fn choose_kind(purpose: Option<&str>, intents: &[&str]) -> Choice {
    fn returns(i: &&&str) -> bool {
        ["return", "refund", "damage"].iter().any(|w| i.contains(w))
    }
    fn bills(i: &&&str) -> bool {
        ["invoice", "receipt", "billing"]
            .iter()
            .any(|w| i.contains(w))
    }
    let return_intent = || {
        intents
            .iter()
            .find(|i| **i == "return_request")
            .or_else(|| intents.iter().find(returns))
            .map(|i| i.to_string())
    };
    if let Some(kind) = purpose.and_then(purpose_kind) {
        let intent = match kind {
            Kind::Condition => Some("return_request".to_string()),
            Kind::Invoice => intents.iter().find(bills).map(|i| i.to_string()),
            _ => None,
        };
        return Choice {
            kind,
            source: "purpose",
            intent,
        };
    }
    if let Some(intent) = return_intent() {
        return Choice {
            kind: Kind::Condition,
            source: "intent",
            intent: Some(intent),
        };
    }
    if let Some(intent) = intents.iter().find(bills) {
        return Choice {
            kind: Kind::Invoice,
            source: "intent",
            intent: Some(intent.to_string()),
        };
    }
    Choice {
        kind: Kind::Describe,
        source: "default",
        intent: None,
    }
}

/// The job's payload.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Payload {
    workspace_id: Uuid,
    analysis_id: Uuid,
    /// Given to workflows with the result (`intent == "return_request"`).
    intent: Option<String>,
    /// Tell the visitor what was seen (an upload), or only record it (an agent's re-run).
    reply: bool,
}

/// Where a queued analysis comes from.
pub struct Upload {
    pub image_id: Uuid,
    pub conversation_id: Option<Uuid>,
    pub message_id: Option<Uuid>,
}

/// Queues an analysis and its job in the caller's transaction: the upload and its
/// analysis are written together or not at all, and a crash after the commit still
/// analyses the image (the job is durable).
pub async fn queue(
    c: &impl ConnectionTrait,
    workspace_id: Uuid,
    upload: Upload,
    choice: &Choice,
    kind_source: &str,
    reply: bool,
) -> parley_store::StoreResult<ImageAnalysis> {
    let new = NewAnalysis {
        image_id: upload.image_id,
        conversation_id: upload.conversation_id,
        message_id: upload.message_id,
        kind: choice.kind.as_str().to_string(),
        kind_source: kind_source.to_string(),
    };
    let analysis = analyses::queue(c, workspace_id, new).await?;
    let payload = Payload {
        workspace_id,
        analysis_id: analysis.id,
        intent: choice.intent.clone(),
        reply,
    };
    let job = NewJob::new(ANALYZE_JOB, json!(payload))
        .max_attempts(MAX_ATTEMPTS)
        .unique_key(format!("{ANALYZE_JOB}:{}", analysis.id));
    jobs::enqueue(c, job).await?;
    Ok(analysis)
}

/// An agent's re-run of the newest analysis of an image with `kind` (managers only). The
/// result is recorded and `image.analyzed` written; the visitor is not messaged again.
pub async fn reanalyze(
    ctx: &Services,
    actor: &Actor,
    image_id: Uuid,
    kind: Kind,
) -> EngineResult<ImageAnalysis> {
    actor.require_manager()?;
    let db = ctx.store.db();
    let ws = actor.workspace_id;
    let earlier = analyses::for_image(db, ws, image_id).await?;
    let Some(last) = earlier.first() else {
        // Images are only reachable through a conversation's analysis: another
        // workspace's image id must look like no image at all.
        return Err(EngineError::NotFound);
    };
    let choice = Choice {
        kind,
        source: "agent",
        intent: intent_for(ctx, ws, last.conversation_id, kind).await?,
    };
    let upload = Upload {
        image_id,
        conversation_id: last.conversation_id,
        message_id: last.message_id,
    };
    let tx = ctx.store.begin().await?;
    let queued = queue(&tx, ws, upload, &choice, "agent", false).await?;
    tx.commit().await?;
    publish_analysis(&ctx.hub, &queued);
    Ok(queued)
}

/// The intent workflows get with a re-run or corrected analysis of `kind`: the
/// conversation's own (a return, refund or invoice intent), and `return_request` for a
/// condition when the conversation has none, as for a photo the visitor sent for a return.
pub(crate) async fn intent_for(
    ctx: &Services,
    ws: Uuid,
    conversation_id: Option<Uuid>,
    kind: Kind,
) -> EngineResult<Option<String>> {
    // Stored as `,name,name,`.
    let intents = match conversation_id {
        Some(id) => convs::get(ctx.store.db(), ws, id).await?.intents,
        None => String::new(),
    };
    let names: Vec<&str> = intents.split(',').filter(|s| !s.is_empty()).collect();
    let choice = choose_kind(None, &names);
    Ok(match (kind, choice.kind) {
        (Kind::Condition, Kind::Condition) => choice.intent,
        (Kind::Condition, _) => Some("return_request".into()),
        (k, c) if k == c => choice.intent,
        _ => None,
    })
}

/// The short form of an analysis shown under its image: the correction's summary when an
/// agent corrected it, with who did.
pub fn note_json(a: &ImageAnalysis) -> serde_json::Value {
    json!({
        "id": a.id, "image_id": a.image_id, "kind": a.kind, "status": a.status,
        "summary": a.corrected_summary.clone().or_else(|| a.summary.clone()),
        "corrected_by": a.corrected_by_name,
    })
}

/// Tells the workspace's dashboards that an image's analysis changed (queued, ended,
/// corrected), so the inbox updates the line under it without a reload.
pub(crate) fn publish_analysis(hub: &crate::live::Hub, a: &ImageAnalysis) {
    let Some(conversation_id) = a.conversation_id else {
        return; // an API analysis: no conversation shows it
    };
    hub.publish(crate::live::LiveEvent {
        workspace_id: a.workspace_id,
        conversation_id: Some(conversation_id),
        kind: crate::live::IMAGE_ANALYZED,
        data: json!({"conversation_id": conversation_id, "analysis": note_json(a)}),
    });
}

/// The analyses of a conversation's images, oldest first (404 for another workspace's).
pub async fn for_conversation(
    ctx: &Services,
    actor: &Actor,
    conversation_id: Uuid,
) -> EngineResult<Vec<ImageAnalysis>> {
    let db = ctx.store.db();
    convs::get(db, actor.workspace_id, conversation_id).await?;
    Ok(analyses::for_conversation(db, actor.workspace_id, conversation_id).await?)
}

/// Whether invoice OCR can run on this node, for `/health/ready` and the System page.
/// The answer is kept for a minute: readiness is polled often, and each check runs
/// `tesseract --version` (off the async threads).
pub async fn tesseract() -> Availability {
    use std::sync::Mutex;
    use std::time::{Duration, Instant};
    static SEEN: Mutex<Option<(Instant, Availability)>> = Mutex::new(None);
    const KEEP: Duration = Duration::from_secs(60);
    if let Some((at, seen)) = SEEN.lock().expect("not poisoned").as_ref()
        && at.elapsed() < KEEP
    {
        return seen.clone();
    }
    let found = tokio::task::spawn_blocking(|| Tesseract::default().availability())
        .await
        .unwrap_or_else(|e| Availability::Missing {
            reason: format!("the check failed: {e}"),
            install: parley_vision::ocr::INSTALL_HINT.to_string(),
        });
    *SEEN.lock().expect("not poisoned") = Some((Instant::now(), found.clone()));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_visitors_purpose_wins_then_intents_then_a_description() {
        let c = choose_kind(Some("return"), &[]);
        assert_eq!((c.kind, c.source), (Kind::Condition, "purpose"));
        assert_eq!(c.intent.as_deref(), Some("return_request"));
        let c = choose_kind(Some("invoice"), &["return_request"]);
        assert_eq!((c.kind, c.intent), (Kind::Invoice, None));
        assert_eq!(choose_kind(Some("count"), &[]).kind, Kind::Count);
        assert_eq!(choose_kind(Some("other"), &["refund"]).kind, Kind::Describe);

        let c = choose_kind(None, &["pricing", "refund"]);
        assert_eq!((c.kind, c.source), (Kind::Condition, "intent"));
        assert_eq!(c.intent.as_deref(), Some("refund"));
        let c = choose_kind(None, &["refund", "return_request"]);
        assert_eq!(c.intent.as_deref(), Some("return_request"));
        let c = choose_kind(None, &["billing_question"]);
        assert_eq!((c.kind, c.source), (Kind::Invoice, "intent"));
        let c = choose_kind(None, &["pricing"]);
        assert_eq!(
            (c.kind, c.source, c.intent),
            (Kind::Describe, "default", None)
        );
        // An unknown purpose is the route's to refuse; here it is as good as none.
        assert_eq!(choose_kind(Some("selfie"), &[]).kind, Kind::Describe);
    }
}
