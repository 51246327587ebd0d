//! Invitations to a workspace and password-reset grants, stored hashed.
