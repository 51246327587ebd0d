//! The team: invitations, roles, deactivation, password resets.
