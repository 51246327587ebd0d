//! `parley demo generate`: fills a workspace with realistic conversations over the last 90
//! days, for the demo and the analytics benchmarks. Each visitor message is scored by the
//! real insight rules (`analyze_message`, `update_conversation`), and the events the chat
//! path would have written (started, received, negative, intent, lead, handoff, resolved,
//! rated) go to the outbox already dispatched, stamped with the message's time; the rollup
//! is then rebuilt from them (by the caller: `repo::analytics::rebuild`). So the demo's numbers are what the product would have shown.

use crate::entities::{conversation, message, outbox, visitor};
use crate::{Store, StoreResult, now_ms};
use parley_domain::analytics::DAY_MS;
use parley_domain::insight::{
    ConversationInsight, InsightConfig, IntentMatcher, analyze_message, update_conversation,
};
use sea_orm::{ActiveValue::Set, EntityTrait, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

/// What visitors write, by mood; mixed so every metric gets data.
const OPENERS: &[&str] = &[
    "Hi, do you ship to Canada?",
    "What does the Trail 2 tent cost?",
    "Where is my order? It has been two weeks",
    "I want a refund, the stove arrived broken",
    "Can I get a demo for my team of 40 people? We need pricing",
    "How do I reset my password?",
    "Do you have a warranty on batteries?",
    "This is terrible, nobody answers my emails and I am furious",
    "Is there a discount for schools?",
    "My account was charged twice, please help",
    "Do you integrate with Salesforce?",
    "What are your opening hours?",
];
const FOLLOW_UPS: &[&str] = &[
    "Thanks, that helps a lot!",
    "That does not answer my question",
    "Can I talk to a human please?",
    "Great, I will order today",
    "Our budget is about 20k a year, my email is sam@example.com",
    "Still broken. Very disappointed.",
    "Perfect, thank you so much",
    "How long does delivery take?",
];
const BOT_REPLY: &str = "Here is what I found in our help center.";

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic per seed, no dependency.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The named bot's (workspace, bot), or the oldest bot's when none is named.
pub async fn bot(store: &Store, id: Option<Uuid>) -> StoreResult<Option<(Uuid, Uuid)>> {
    use crate::entities::bot;
    let found = match id {
        Some(id) => bot::Entity::find_by_id(id).one(store.db()).await?,
        None => {
            bot::Entity::find()
                .order_by_asc(bot::Column::CreatedAt)
                .one(store.db())
                .await?
        }
    };
    Ok(found.map(|b| (b.workspace_id, b.id)))
}

pub struct Generated {
    pub conversations: u64,
    pub messages: u64,
    pub events: u64,
}

/// Generates `n` conversations for `bot_id` (of `workspace_id`), ending now.
pub async fn generate(
    store: &Store,
    workspace_id: Uuid,
    bot_id: Uuid,
    n: u64,
    seed: u64,
) -> StoreResult<Generated> {
    let mut rng = Rng(seed | 1);
    let config = InsightConfig::default();
    let matcher = IntentMatcher::builtin();
    let now = now_ms();
    let mut out = Generated {
        conversations: 0,
        messages: 0,
        events: 0,
    };
    let mut visitors: Vec<Uuid> = Vec::new();
    let mut done = 0;
    while done < n {
        let batch = (n - done).min(500);
        let (mut vs, mut cs, mut ms, mut es) = (vec![], vec![], vec![], vec![]);
        for _ in 0..batch {
            // Busier on recent days and in working hours.
            let day = (rng.below(90) * rng.below(90)) / 90;
            let hour = 8 + rng.below(10) as i64;
            let start = ((now - day as i64 * DAY_MS) / DAY_MS) * DAY_MS + hour * 3_600_000
                - rng.below(3_600_000) as i64;
            let start = start.min(now - 60_000);
            let returning = !visitors.is_empty() && rng.chance(20);
            let visitor_id = if returning {
                visitors[rng.below(visitors.len() as u64) as usize]
            } else {
                let id = Uuid::now_v7();
                visitors.push(id);
                vs.push(visitor::ActiveModel {
                    id: Set(id),
                    workspace_id: Set(workspace_id),
                    bot_id: Set(bot_id),
                    email: Set(None),
                    name: Set(None),
                    company: Set(None),
                    contact_email: Set(None),
                    created_at: Set(start),
                    last_seen_at: Set(start),
                });
                id
            };
            let conv_id = Uuid::now_v7();
            let base = json!({"conversation_id": conv_id, "bot_id": bot_id});
            let event = |es: &mut Vec<outbox::ActiveModel>, kind: &str, payload: Value, at| {
                let mut p = base.clone();
                if let (Some(p), Value::Object(extra)) = (p.as_object_mut(), payload) {
                    p.extend(extra);
                }
                es.push(outbox::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    workspace_id: Set(workspace_id),
                    event_type: Set(kind.to_string()),
                    payload: Set(p),
                    created_at: Set(at),
                    dispatched_at: Set(Some(at)),
                });
            };
            event(
                &mut es,
                "conversation.started",
                json!({"visitor_id": visitor_id}),
                start,
            );
            let mut state = ConversationInsight::default();
            let mut at = start;
            let turns = 1 + rng.below(4);
            let mut count = 0;
            let mut preview = String::new();
            for t in 0..turns {
                let text = if t == 0 {
                    OPENERS[rng.below(OPENERS.len() as u64) as usize]
                } else {
                    FOLLOW_UPS[rng.below(FOLLOW_UPS.len() as u64) as usize]
                };
                if preview.is_empty() {
                    preview = text.to_string();
                }
                let insight = analyze_message(text, matcher);
                let (next, triggers) = update_conversation(&state, &insight, 1, &config);
                state = next;
                let msg_id = Uuid::now_v7();
                ms.push(message(
                    conv_id,
                    workspace_id,
                    msg_id,
                    "visitor",
                    text,
                    Some(json!(insight)),
                    at,
                ));
                event(
                    &mut es,
                    "message.received",
                    json!({"message_id": msg_id, "text": text, "sentiment": insight.sentiment}),
                    at,
                );
                for trigger in triggers {
                    let mut payload = json!(trigger);
                    let kind = payload["type"].as_str().unwrap_or("insight").to_string();
                    if let Some(map) = payload.as_object_mut() {
                        map.remove("type");
                    }
                    if kind == "lead.qualified" {
                        payload["lead"] = json!(state.lead);
                    }
                    event(&mut es, &kind, payload, at);
                }
                at += 2_000 + rng.below(4_000) as i64;
                ms.push(message(
                    conv_id,
                    workspace_id,
                    Uuid::now_v7(),
                    "bot",
                    BOT_REPLY,
                    None,
                    at,
                ));
                at += 20_000 + rng.below(120_000) as i64;
                count += 2;
            }
            let negative = state.sentiment_label() == Some("negative");
            let handoff = rng.chance(if negative { 60 } else { 12 });
            let mut wait = None;
            if handoff {
                event(
                    &mut es,
                    "handoff.requested",
                    json!({"reason": "visitor_asked"}),
                    at,
                );
                let w = 30_000 + rng.below(600_000) as i64;
                wait = Some(w);
                at += w;
                ms.push(message(
                    conv_id,
                    workspace_id,
                    Uuid::now_v7(),
                    "agent",
                    "Hi, I am here to help.",
                    None,
                    at,
                ));
                count += 1;
            }
            let resolved = at < now && rng.chance(70);
            let mut rating = None;
            if resolved {
                at += 60_000;
                event(
                    &mut es,
                    "conversation.resolved",
                    json!({"handed_off": handoff}),
                    at,
                );
                if rng.chance(40) {
                    let score = if negative {
                        1 + rng.below(3)
                    } else {
                        3 + rng.below(3)
                    } as i32;
                    rating = Some(score);
                    event(
                        &mut es,
                        "conversation.rated",
                        json!({"score": score, "comment": null}),
                        at + 30_000,
                    );
                }
            }
            let at = at.min(now);
            let columns_priority = json!(state.lead.priority)
                .as_str()
                .unwrap_or("cold")
                .to_string();
            cs.push(conversation::ActiveModel {
                id: Set(conv_id),
                workspace_id: Set(workspace_id),
                bot_id: Set(bot_id),
                visitor_id: Set(visitor_id),
                status: Set(if resolved { "resolved" } else { "open" }.into()),
                human_handoff: Set(handoff && !resolved),
                preview: Set(preview),
                summary: Set(String::new()),
                summarized_count: Set(0),
                message_count: Set(count),
                tags: Set(json!([])),
                insight: Set(Some(json!(state))),
                lead_stage: Set(state.lead.qualified_fired.then(|| "qualified".to_string())),
                waiting_since: Set((handoff && !resolved).then_some(at)),
                assignee_id: Set(None),
                rating: Set(rating),
                rating_comment: Set(None),
                sentiment_label: Set(state.sentiment_label().map(str::to_string)),
                lead_score: Set(i32::from(state.lead.score)),
                lead_priority: Set(columns_priority),
                // As the chat path stores them: ",a,b," so a filter can match ",a,".
                intents: Set(match state.lead.intents.is_empty() {
                    true => String::new(),
                    false => format!(
                        ",{},",
                        state
                            .lead
                            .intents
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(",")
                    ),
                }),
                fallbacks: Set(0),
                handoff_wait_ms: Set(wait),
                created_at: Set(start),
                updated_at: Set(at),
                last_message_at: Set(at),
            });
            out.messages += count as u64;
        }
        out.conversations += batch;
        out.events += es.len() as u64;
        let tx = store.begin().await?;
        if !vs.is_empty() {
            visitor::Entity::insert_many(vs).exec(&tx).await?;
        }
        for chunk in cs.chunks(100) {
            conversation::Entity::insert_many(chunk.to_vec())
                .exec(&tx)
                .await?;
        }
        for chunk in ms.chunks(300) {
            message::Entity::insert_many(chunk.to_vec())
                .exec(&tx)
                .await?;
        }
        for chunk in es.chunks(300) {
            outbox::Entity::insert_many(chunk.to_vec())
                .exec(&tx)
                .await?;
        }
        tx.commit().await?;
        done += batch;
    }
    Ok(out)
}

fn message(
    conversation_id: Uuid,
    workspace_id: Uuid,
    id: Uuid,
    role: &str,
    body: &str,
    insight: Option<Value>,
    at: i64,
) -> message::ActiveModel {
    message::ActiveModel {
        id: Set(id),
        workspace_id: Set(workspace_id),
        conversation_id: Set(conversation_id),
        role: Set(role.into()),
        body: Set(body.into()),
        citations: Set(json!([])),
        model: Set(None),
        prompt_tokens: Set(None),
        completion_tokens: Set(None),
        latency_ms: Set(None),
        insight: Set(insight),
        attachments: Set(None),
        client_id: Set(None),
        author_id: Set(None),
        created_at: Set(at),
    }
}
