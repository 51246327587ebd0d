//! The actions that change Parley itself: notes, tags, replies, handoff, lead stage and
//! return approval. Each writes through the executor's transaction (see the module above
//! for why that makes them idempotent) and returns the live events to publish.

use super::{Action, ActionCall, ActionError, Actions, Done, Effect};
use crate::live::{conversation_event, message_event};
use async_trait::async_trait;
use parley_store::Tx;
use parley_store::repo::conversations::{self as convs, Conversation, NewMessage};
use parley_store::repo::executions;
use serde_json::json;
use sha2::{Digest, Sha256};

/// Notes written by workflows carry this author id (no user wrote them).
pub const AUTOMATION_AUTHOR: uuid::Uuid = uuid::Uuid::nil();
/// The model name recorded on replies a workflow sent.
pub const WORKFLOW_MODEL: &str = "workflow";
const MAX_NOTE_CHARS: usize = 5000;
const MAX_TAGS: usize = 20;
const MAX_TAG_CHARS: usize = 40;
const STAGES: [&str; 5] = ["new", "qualified", "contacted", "won", "lost"];

pub(super) fn register(actions: &mut Actions) {
    actions
        .register("add_note", AddNote)
        .register("tag_conversation", Tag)
        .register("reply", Reply)
        .register("handoff", Handoff)
        .register("set_lead_stage", SetLeadStage)
        .register("assign_owner", AssignOwner)
        .register("approve_return", ApproveReturn);
}

fn tx(tx: Option<&Tx>) -> Result<&Tx, ActionError> {
    tx.ok_or_else(|| ActionError::Permanent("a local action ran without a transaction".into()))
}

async fn conversation(call: &ActionCall<'_>, tx: &Tx) -> Result<Conversation, ActionError> {
    Ok(convs::get(tx, call.workspace_id, call.conversation()?).await?)
}

fn required<'a>(call: &'a ActionCall<'_>, name: &str) -> Result<&'a str, ActionError> {
    call.text(name).ok_or_else(|| {
        ActionError::Permanent(format!("`{name}` rendered empty; nothing to {}", call.kind))
    })
}

fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Sends `text` to the visitor as the bot, live.
async fn say(
    tx: &Tx,
    conv: &Conversation,
    text: &str,
    publish: &mut Vec<crate::live::LiveEvent>,
) -> Result<uuid::Uuid, ActionError> {
    let message = convs::append_message(
        tx,
        conv,
        NewMessage {
            role: "bot".into(),
            body: clip(text, crate::chat::MAX_MESSAGE_CHARS),
            model: Some(WORKFLOW_MODEL.into()),
            ..Default::default()
        },
    )
    .await?;
    publish.push(message_event(conv, &message));
    Ok(message.id)
}

struct AddNote;

#[async_trait]
impl Action for AddNote {
    fn effect(&self) -> Effect {
        Effect::Local
    }

    /// Notes are not part of the context.
    fn changes_context(&self) -> bool {
        false
    }

    async fn run(&self, call: &ActionCall<'_>, t: Option<&Tx>) -> Result<Done, ActionError> {
        let t = tx(t)?;
        let text = required(call, "text")?;
        let conv = conversation(call, t).await?;
        let note =
            convs::add_note(t, &conv, AUTOMATION_AUTHOR, &clip(text, MAX_NOTE_CHARS)).await?;
        Ok(Done::output(json!({"note_id": note.id})))
    }
}

struct Tag;

#[async_trait]
impl Action for Tag {
    fn effect(&self) -> Effect {
        Effect::Local
    }

    async fn run(&self, call: &ActionCall<'_>, t: Option<&Tx>) -> Result<Done, ActionError> {
        let t = tx(t)?;
        let tag = required(call, "tag")?.to_lowercase();
        if tag.chars().count() > MAX_TAG_CHARS {
            return Err(ActionError::Permanent(format!(
                "a tag has at most {MAX_TAG_CHARS} characters"
            )));
        }
        let conv = conversation(call, t).await?;
        let mut tags = convs::tags(&conv)?;
        if tags.contains(&tag) {
            return Ok(Done::output(json!({"tag": tag, "added": false})));
        }
        if tags.len() >= MAX_TAGS {
            return Err(ActionError::Permanent(format!(
                "the conversation already has {MAX_TAGS} tags"
            )));
        }
        tags.push(tag.clone());
        let change = convs::Change {
            tags: Some(tags),
            ..Default::default()
        };
        let conv = convs::update(t, conv, change).await?;
        Ok(Done {
            output: json!({"tag": tag, "added": true}),
            publish: vec![conversation_event(&conv)],
        })
    }
}

struct Reply;

#[async_trait]
impl Action for Reply {
    fn effect(&self) -> Effect {
        Effect::Local
    }

    async fn run(&self, call: &ActionCall<'_>, t: Option<&Tx>) -> Result<Done, ActionError> {
        let t = tx(t)?;
        let text = required(call, "text")?;
        let conv = conversation(call, t).await?;
        let mut publish = Vec::new();
        let id = say(t, &conv, text, &mut publish).await?;
        Ok(Done {
            output: json!({"message_id": id}),
            publish,
        })
    }
}

struct Handoff;

#[async_trait]
impl Action for Handoff {
    fn effect(&self) -> Effect {
        Effect::Local
    }

    async fn run(&self, call: &ActionCall<'_>, t: Option<&Tx>) -> Result<Done, ActionError> {
        let t = tx(t)?;
        let conv = conversation(call, t).await?;
        if conv.human_handoff {
            return Ok(Done::output(json!({"changed": false})));
        }
        // The conversation waits for a person, as when the visitor asks for one.
        let change = convs::Change {
            human_handoff: Some(true),
            waiting_since: Some(Some(
                conv.waiting_since.unwrap_or_else(parley_store::now_ms),
            )),
            ..Default::default()
        };
        let conv = convs::update(t, conv, change).await?;
        let notice = convs::append_message(
            t,
            &conv,
            NewMessage {
                role: "system".into(),
                body: "A member of our team will take it from here.".into(),
                ..Default::default()
            },
        )
        .await?;
        if let Some(reason) = call.text("reason") {
            convs::add_note(
                t,
                &conv,
                AUTOMATION_AUTHOR,
                &clip(&format!("Handed off: {reason}"), MAX_NOTE_CHARS),
            )
            .await?;
        }
        Ok(Done {
            output: json!({"changed": true, "message_id": notice.id}),
            publish: vec![message_event(&conv, &notice), conversation_event(&conv)],
        })
    }
}

struct SetLeadStage;

#[async_trait]
impl Action for SetLeadStage {
    fn effect(&self) -> Effect {
        Effect::Local
    }

    async fn run(&self, call: &ActionCall<'_>, t: Option<&Tx>) -> Result<Done, ActionError> {
        let t = tx(t)?;
        let stage = required(call, "stage")?;
        if !STAGES.contains(&stage) {
            return Err(ActionError::Permanent(format!(
                "stage must be one of {}",
                STAGES.join(", ")
            )));
        }
        let conv = conversation(call, t).await?;
        convs::set_lead_stage(t, conv.id, stage).await?;
        Ok(Done::output(
            json!({"stage": stage, "previous": conv.lead_stage}),
        ))
    }
}

/// Gives the conversation an owner: the member with `agent_email`, or else the online
/// agent with the fewest open conversations (anyone, when nobody is online). A conversation
/// that has an owner keeps it unless an email names another.
struct AssignOwner;

#[async_trait]
impl Action for AssignOwner {
    fn effect(&self) -> Effect {
        Effect::Local
    }

    async fn run(&self, call: &ActionCall<'_>, t: Option<&Tx>) -> Result<Done, ActionError> {
        let t = tx(t)?;
        let conv = conversation(call, t).await?;
        let wanted = call.text("agent_email").map(str::to_lowercase);
        if let (Some(current), None) = (conv.assignee_id, &wanted) {
            return Ok(Done::output(
                json!({"assignee_id": current, "changed": false}),
            ));
        }
        let owner = match wanted {
            Some(email) => {
                let members = parley_store::repo::presence::agents(t, call.workspace_id).await?;
                members
                    .into_iter()
                    .find(|a| a.email.eq_ignore_ascii_case(&email))
                    .map(|a| a.id)
                    .ok_or_else(|| {
                        ActionError::Permanent(format!(
                            "no member of this workspace has the email {email}"
                        ))
                    })?
            }
            None => {
                let online = crate::chat::handoff::least_loaded(t, call.workspace_id, true).await?;
                match online {
                    Some(id) => id,
                    None => crate::chat::handoff::least_loaded(t, call.workspace_id, false)
                        .await?
                        .ok_or_else(|| {
                            ActionError::Permanent("the workspace has no members".into())
                        })?,
                }
            }
        };
        let change = convs::Change {
            assignee_id: Some(Some(owner)),
            ..Default::default()
        };
        let conv = convs::update(t, conv, change).await?;
        Ok(Done {
            output: json!({"assignee_id": owner, "changed": true}),
            publish: vec![conversation_event(&conv)],
        })
    }
}

struct ApproveReturn;

#[async_trait]
impl Action for ApproveReturn {
    fn effect(&self) -> Effect {
        Effect::Local
    }

    async fn run(&self, call: &ActionCall<'_>, t: Option<&Tx>) -> Result<Done, ActionError> {
        let t = tx(t)?;
        let conv = conversation(call, t).await?;
        // One return per conversation: a second approval (another photo, or an agent's
        // correction re-emitting `image.analyzed`) answers with the number already given,
        // and the visitor is not told twice.
        if let Some(existing) = executions::returns(t, call.workspace_id, conv.id)
            .await?
            .into_iter()
            .find(|r| r.status == "approved")
        {
            return Ok(Done::output(json!({
                "rma_number": existing.rma_number,
                "return_id": existing.id,
                "already_approved": true,
            })));
        }
        let reason = call.text("reason").unwrap_or("approved by workflow");
        let rma = free_rma_number(t, call.idempotency_key).await?;
        let authorization = executions::create_return(
            t,
            call.workspace_id,
            conv.id,
            &rma,
            &clip(reason, MAX_NOTE_CHARS),
            call.idempotency_key,
        )
        .await?;
        let mut publish = Vec::new();
        let text = format!(
            "Good news: your return is approved. Your return number is {rma}; please include it with the package."
        );
        let message_id = say(t, &conv, &text, &mut publish).await?;
        Ok(Done {
            output: json!({"rma_number": rma, "return_id": authorization.id, "message_id": message_id}),
            publish,
        })
    }
}

/// Characters of RMA numbers: no 0/O or 1/I to misread over the phone.
const RMA_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// `RMA-<year>-XXXXXX`, derived from the step's key (a re-run proposes the same number),
/// skipping numbers already taken. Checked before inserting: on PostgreSQL a failed insert
/// would abort the whole transaction.
async fn free_rma_number(tx: &Tx, key: &str) -> Result<String, ActionError> {
    let year = time::OffsetDateTime::now_utc().year();
    for round in 0..8u8 {
        let digest = Sha256::digest(format!("{key}:{round}").as_bytes());
        let code: String = digest
            .iter()
            .take(6)
            .map(|b| RMA_ALPHABET[(*b as usize) % RMA_ALPHABET.len()] as char)
            .collect();
        let number = format!("RMA-{year}-{code}");
        if !executions::rma_taken(tx, &number).await? {
            return Ok(number);
        }
    }
    Err(ActionError::Retry("no free RMA number found".into()))
}
