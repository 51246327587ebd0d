//! Parley's use cases. Each public function checks what the actor may do, validates input
//! with the domain's rules, writes through the store (audit entries in the same transaction)
//! and returns plain data for the server to render.

pub mod accounts;
pub mod alerts;
pub mod analytics;
pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod bots;
pub mod business_hours;
pub mod canned_replies;
pub mod chat;
pub mod contacts;
mod error;
pub mod inbox;
pub mod insight;
pub mod integrations;
pub mod knowledge;
pub mod live;
pub mod mail;
pub mod maintenance;
pub mod members;
pub mod monitoring;
pub mod node;
pub mod privacy;
pub mod secrets;
pub mod services;
pub mod tokens;
pub mod vault;
pub mod vector_cache;
pub mod vision;
pub mod widget_cache;
pub mod worker;
pub mod workflows;
pub mod workspaces;

pub use error::{Conflict, EngineError, EngineResult, IntegrationProblem};

use parley_domain::Role;
use uuid::Uuid;

/// Who is acting, in which workspace, with which role: every use case takes one, and it is
/// the only source of the workspace id a query uses.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Uuid,
    pub workspace_id: Uuid,
    pub role: Role,
    /// Set when the actor authenticated with an API token rather than a session.
    pub token_id: Option<Uuid>,
    pub ip: Option<String>,
}

impl Actor {
    /// Fails with [`EngineError::Forbidden`] unless the actor may change configuration.
    pub fn require_manager(&self) -> EngineResult<()> {
        if self.role.can_manage() {
            Ok(())
        } else {
            Err(EngineError::Forbidden)
        }
    }

    /// An audit entry attributed to this actor.
    pub(crate) fn audit(
        &self,
        action: &str,
        target: Option<(&str, String)>,
        details: serde_json::Value,
    ) -> parley_store::repo::audit::NewAuditEntry {
        let (target_type, target_id) = target.map(|(t, id)| (t.to_string(), id)).unzip();
        parley_store::repo::audit::NewAuditEntry {
            actor_user_id: Some(self.user_id),
            actor_token_id: self.token_id,
            action: action.to_string(),
            target_type,
            target_id,
            details,
            ip: self.ip.clone(),
        }
    }
}
