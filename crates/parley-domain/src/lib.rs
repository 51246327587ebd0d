//! Parley's pure types and rules.
//!
//! Nothing here does IO or async work, so every rule is tested in microseconds and can be
//! reused by the store, the engine and the server alike.

pub mod account;
pub mod analytics;
pub mod bot;
pub mod chat;
pub mod egress;
pub mod identity;
pub mod image;
pub mod insight;
pub mod knowledge;
pub mod retry;
pub mod role;
pub mod throttle;
pub mod validation;
pub mod workflow;

pub use role::Role;
pub use validation::FieldErrors;
