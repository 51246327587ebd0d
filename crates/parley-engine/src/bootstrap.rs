//! First start: an empty database gets a workspace, its owner and a demo bot, so a new
//! installation is usable at once.

use crate::accounts::{check_credentials, hash_password};
use crate::bots::{PUBLIC_KEY_PREFIX, new_identity_secret};
use crate::secrets::{random_id, random_password};
use crate::vault::Vault;
use crate::{EngineError, EngineResult};
use parley_domain::Role;
use parley_domain::bot::{Appearance, Behaviour};
use parley_store::Store;
use parley_store::jobs;
use parley_store::repo::{accounts, bots, faqs, knowledge};
use serde_json::json;

pub const DEMO_WORKSPACE: &str = "Trailhead Outfitters";
pub const DEMO_BOT: &str = "Trailhead Assistant";
pub const DEFAULT_ADMIN_EMAIL: &str = "admin@parley.local";

/// What the first start created, to print once.
#[derive(Debug, Clone)]
pub struct FirstStart {
    pub email: String,
    /// Set when the password was generated (and must be shown, once).
    pub generated_password: Option<String>,
    pub bot_public_key: String,
}

/// Creates the owner (from the given email and password, or a generated password) with a
/// demo workspace and bot when no user exists yet. Returns `None` when already set up,
/// including when another node set it up at the same moment.
pub async fn ensure_initialized(
    store: &Store,
    vault: &Vault,
    admin_email: Option<&str>,
    admin_password: Option<&str>,
) -> EngineResult<Option<FirstStart>> {
    if accounts::count_users(store.db()).await? > 0 {
        return Ok(None);
    }
    let generated = admin_password.is_none().then(random_password);
    let password = admin_password.or(generated.as_deref()).unwrap_or_default();
    let email = check_credentials(admin_email.unwrap_or(DEFAULT_ADMIN_EMAIL), password)?;
    let hash = hash_password(password).await?;

    let tx = store.begin().await?;
    if accounts::count_users(&tx).await? > 0 {
        return Ok(None);
    }
    let workspace = accounts::create_workspace(&tx, DEMO_WORKSPACE).await?;
    let user = match accounts::create_user(&tx, &email, &name_from_email(&email), &hash).await {
        Ok(user) => user,
        Err(parley_store::StoreError::Conflict(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    accounts::add_member(&tx, workspace.id, user.id, Role::Owner).await?;
    let bot = bots::create(&tx, workspace.id, demo_bot(vault)).await?;
    seed_demo_knowledge(&tx, workspace.id, bot.id).await?;
    tx.commit().await.map_err(EngineError::from)?;
    Ok(Some(FirstStart {
        email,
        generated_password: generated,
        bot_public_key: bot.public_key,
    }))
}

fn demo_bot(vault: &Vault) -> bots::NewBot {
    bots::NewBot {
        name: DEMO_BOT.into(),
        public_key: random_id(PUBLIC_KEY_PREFIX),
        identity_secret: new_identity_secret(vault),
        allowed_origins: Vec::new(),
        appearance: Appearance {
            title: "Trailhead Outfitters".into(),
            greeting: "Hi! Ask me about orders, shipping, returns, sizing or bulk orders.".into(),
            primary_color: "#2f6b3a".into(),
            ..Appearance::default()
        },
        behaviour: Behaviour::default(),
    }
}

/// The demo shop's knowledge base, written for this project.
const DEMO_DOCUMENTS: [(&str, &str); 5] = [
    ("shipping.md", include_str!("../demo/shipping.md")),
    ("returns.md", include_str!("../demo/returns.md")),
    ("sizing.md", include_str!("../demo/sizing.md")),
    ("warranty.md", include_str!("../demo/warranty.md")),
    ("wholesale.md", include_str!("../demo/wholesale.md")),
];

const DEMO_FAQS: [(&str, &str); 5] = [
    (
        "How long does shipping take?",
        "Standard shipping takes 3 to 5 business days in the contiguous US; orders placed before 2 pm Mountain Time ship the same day. Expedited takes 2 business days.",
    ),
    (
        "What is your return policy?",
        "You can return unused items in their original packaging within 60 days of delivery. Start a return under Account > Orders > Return items.",
    ),
    (
        "Is shipping free?",
        "Standard shipping is free on orders over $75; below that it costs $6.95.",
    ),
    (
        "Do you offer bulk discounts?",
        "Yes: 15% off 25 to 99 units, 25% off 100 to 499 units, and a custom quote with free freight from 500 units.",
    ),
    (
        "How do I make a warranty claim?",
        "Send a photo of the problem and your order number to support. We answer warranty claims within 2 business days.",
    ),
];

/// Queues the demo documents for ingestion and adds the demo FAQs, so the demo bot answers
/// out of the box.
async fn seed_demo_knowledge(
    c: &impl parley_store::ConnectionTrait,
    workspace_id: uuid::Uuid,
    bot_id: uuid::Uuid,
) -> EngineResult<()> {
    for (name, text) in DEMO_DOCUMENTS {
        let sha256 = crate::knowledge::content_hash(text.as_bytes());
        let doc = knowledge::create_document(
            c,
            workspace_id,
            bot_id,
            knowledge::NewDocument {
                source_url: None,
                name,
                content_type: "text/markdown",
                sha256: &sha256,
                content: text.as_bytes().to_vec(),
            },
        )
        .await?;
        jobs::enqueue(
            c,
            jobs::NewJob::new(
                crate::knowledge::INGEST_JOB,
                json!({ "document_id": doc.id }),
            ),
        )
        .await?;
    }
    for (question, answer) in DEMO_FAQS {
        faqs::create(c, workspace_id, bot_id, question, answer, true).await?;
    }
    Ok(())
}

/// Seals the secrets older versions stored in the clear (bots' identity secrets, workflows'
/// webhook signing secrets); run at start-up, before serving. Logs what it sealed; a second
/// run seals nothing.
pub async fn seal_plaintext_secrets(store: &Store, vault: &Vault) -> EngineResult<()> {
    let bots = crate::bots::seal_identity_secrets(store, vault).await?;
    let workflows = crate::workflows::seal_signing_secrets(store, vault).await?;
    if bots + workflows > 0 {
        tracing::info!(
            bots,
            workflows,
            "secrets stored in the clear are now sealed"
        );
    }
    Ok(())
}

/// A display name from an email's local part (`sam.lee@…` → "Sam Lee"): visitors see the
/// name of the agent who joins, and a role ("Owner") is not a name.
fn name_from_email(email: &str) -> String {
    let local = email.split('@').next().unwrap_or_default();
    let words: Vec<String> = local
        .split(['.', '_', '-', '+'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect();
    match words.is_empty() {
        true => "Support".into(),
        false => words.join(" "),
    }
}

#[cfg(test)]
mod name_tests {
    #[test]
    fn the_first_users_name_comes_from_their_email() {
        assert_eq!(super::name_from_email("sam.lee@example.com"), "Sam Lee");
        assert_eq!(super::name_from_email("admin@example.com"), "Admin");
    }
}
