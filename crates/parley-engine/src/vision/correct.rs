//! An agent's correction of an analysis: validated like a model's answer, stored beside the
//! original result, audited, and announced as `image.analyzed` with `corrected: true` so
//! workflows that run after it see what the agent decided, not what the machine read.
//!
//! Why the same event and not a new `image.corrected` one: every workflow that reacts to an
//! analysis (the auto-return template's `image.condition.verdict == "damaged"`) must react
//! to the corrected one the same way, without its author adding a second trigger; a
//! workflow that should only react to machine readings filters on `corrected != true`.

use super::reply::event_payload;
use super::{ANALYZED_EVENT, intent_for, publish_analysis};
use crate::services::Services;
use crate::{Actor, EngineError, EngineResult};
use parley_domain::FieldErrors;
use parley_store::StoreError;
use parley_store::repo::image_analyses::{self as analyses, Correction, ImageAnalysis, QUEUED};
use parley_store::repo::{accounts, audit, outbox};
use parley_vision::{Analysis, Kind};
use serde_json::{Value, json};
use uuid::Uuid;

/// Longest note an agent may leave with a correction.
pub const MAX_NOTE_CHARS: usize = 1000;

/// What an agent sends: the whole corrected result (`{"kind": "condition", "verdict":
/// "damaged", ...}`; `confidence` defaults to 1: a person decided) and an optional note.
#[derive(Debug, Clone)]
pub struct CorrectionInput {
    pub result: Value,
    pub note: Option<String>,
}

/// The corrected result, checked by the kind's own rules (a `damaged` verdict needs a damage,
/// an invoice's amounts are rechecked); 422 with the problems otherwise.
pub fn validate(kind: Kind, mut result: Value) -> Result<Analysis, FieldErrors> {
    let mut errors = FieldErrors::new();
    let Some(object) = result.as_object_mut() else {
        errors.add("result", "must be an object with the corrected fields");
        return Err(errors);
    };
    match object.get("kind").and_then(Value::as_str) {
        None => {
            object.insert("kind".into(), json!(kind.as_str()));
        }
        Some(k) if k == kind.as_str() => {}
        Some(k) => {
            errors.add(
                "result.kind",
                format!("is {k}, but this analysis is a {kind}: re-run it as a {k} instead"),
            );
            return Err(errors);
        }
    }
    object.entry("confidence").or_insert(json!(1.0));
    if kind == Kind::Count {
        // A count a person confirmed is no longer an estimate.
        object.insert("estimate".into(), json!(false));
    }
    let task = super::job::task_of(kind);
    // `from_model_json` parses and validates each kind the same way as a model's answer.
    let text = Value::Object(object.clone()).to_string();
    Analysis::from_model_json(&task, &text).map_err(|invalid| {
        errors.add("result", invalid.problems.join("; "));
        errors
    })
}

/// Corrects the newest finished analysis of an image (any member: agents work the inbox).
pub async fn correct(
    ctx: &Services,
    actor: &Actor,
    image_id: Uuid,
    input: CorrectionInput,
) -> EngineResult<ImageAnalysis> {
    let ws = actor.workspace_id;
    let db = ctx.store.db();
    let runs = analyses::for_image(db, ws, image_id).await?;
    // Another workspace's image looks like no image at all.
    if runs.is_empty() {
        return Err(EngineError::NotFound);
    }
    let Some(target) = runs.iter().find(|a| a.status != QUEUED) else {
        let mut errors = FieldErrors::new();
        errors.add(
            "result",
            "the image is still being analysed; correct it once it is done",
        );
        return Err(EngineError::Invalid(errors));
    };
    let kind = Kind::parse(&target.kind)
        .ok_or_else(|| EngineError::Unavailable(format!("unknown kind {}", target.kind)))?;
    let note = input
        .note
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    if note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
    {
        let mut errors = FieldErrors::new();
        errors.add(
            "note",
            format!("may have at most {MAX_NOTE_CHARS} characters"),
        );
        return Err(EngineError::Invalid(errors));
    }
    let analysis = validate(kind, input.result).map_err(EngineError::Invalid)?;
    let name = match accounts::find_user(db, actor.user_id).await {
        Ok(user) if !user.name.trim().is_empty() => user.name,
        Ok(user) => user.email,
        Err(StoreError::NotFound) => "an API token".to_string(),
        Err(e) => return Err(e.into()),
    };
    let intent = intent_for(ctx, ws, target.conversation_id, kind).await?;
    let summary = analysis.summary();
    let tx = ctx.store.begin().await?;
    let stored = analyses::correct(
        &tx,
        ws,
        target.id,
        Correction {
            result: json!(analysis),
            summary: summary.clone(),
            by: actor.user_id,
            by_name: name.clone(),
            note: note.clone(),
        },
    )
    .await?;
    audit::record(
        &tx,
        ws,
        actor.audit(
            "image_analysis.corrected",
            Some(("image_analysis", target.id.to_string())),
            json!({
                "image_id": image_id, "kind": kind.as_str(),
                "before": target.corrected_summary.clone().or(target.summary.clone()),
                "after": summary, "note": note,
            }),
        ),
    )
    .await?;
    if let Some(conv_id) = target.conversation_id {
        let bot_id = parley_store::repo::conversations::get(&tx, ws, conv_id)
            .await?
            .bot_id;
        let base = json!({
            "conversation_id": conv_id,
            "bot_id": bot_id,
            "message_id": target.message_id,
            "image_id": image_id,
            "analysis_id": target.id,
            "kind": kind.as_str(),
            "kind_source": target.kind_source,
            "status": "done",
            "method": target.method,
            "summary": summary,
            "error": null,
            "corrected": true,
            "corrected_by": name,
            "corrected_by_id": actor.user_id,
            "original": target.result,
        });
        let payload = event_payload(base, Some(&analysis), intent.as_deref());
        outbox::append(&tx, ws, ANALYZED_EVENT, payload).await?;
    }
    tx.commit().await?;
    publish_analysis(&ctx.hub, &stored);
    tracing::info!(analysis = %target.id, kind = %kind, "image analysis corrected");
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_correction_is_checked_like_a_models_answer() {
        let ok = validate(
            Kind::Condition,
            json!({"verdict": "damaged", "reasons": ["Cracked hinge."], "quality_issues": [],
                   "damages": [{"location": "hinge", "description": "a crack", "severity": "moderate"}]}),
        )
        .unwrap();
        let Analysis::Condition(c) = ok else { panic!() };
        assert_eq!(c.confidence, 1.0, "a person decided");

        let no_damage = validate(
            Kind::Condition,
            json!({"verdict": "damaged", "reasons": ["x"], "damages": [], "quality_issues": []}),
        )
        .unwrap_err();
        assert!(!no_damage.is_empty());

        let other_kind = validate(Kind::Invoice, json!({"kind": "count", "count": 3})).unwrap_err();
        assert!(format!("{other_kind:?}").contains("re-run it as a count"));

        let counted = validate(
            Kind::Count,
            json!({"what": "boxes", "count": 13, "boxes": [], "estimate": true}),
        )
        .unwrap();
        let Analysis::Count(c) = counted else {
            panic!()
        };
        assert_eq!((c.count, c.estimate), (13, false));
        assert!(validate(Kind::Describe, json!("text")).is_err());
    }
}
