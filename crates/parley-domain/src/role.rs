//! Roles a member holds in a workspace, and what each may do.

use serde::{Deserialize, Serialize};

/// A member's role in one workspace. Ordered from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Created with the workspace; can do everything, including managing admins.
    Owner,
    /// Manages bots, tokens, knowledge and workflows.
    Admin,
    /// Works the inbox; reads configuration but cannot change it.
    Agent,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Owner, Role::Admin, Role::Agent];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Agent => "agent",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether this role may change workspace configuration (bots, tokens, workflows).
    pub fn can_manage(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }

    /// Whether a holder of this role may hand out `other` (to an API token or a new member).
    /// Nobody can grant more power than they hold, and ownership is never delegated.
    pub fn can_grant(self, other: Role) -> bool {
        self.can_manage() && other != Role::Owner && self.rank() <= other.rank()
    }

    fn rank(self) -> u8 {
        match self {
            Role::Owner => 0,
            Role::Admin => 1,
            Role::Agent => 2,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_round_trips() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn only_managers_grant_and_never_ownership() {
        assert!(Role::Owner.can_grant(Role::Admin));
        assert!(Role::Admin.can_grant(Role::Agent));
        assert!(Role::Admin.can_grant(Role::Admin));
        assert!(!Role::Admin.can_grant(Role::Owner));
        assert!(!Role::Agent.can_grant(Role::Agent));
    }
}
