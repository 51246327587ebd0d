//! SeaORM entities, one per table. Times are UTC epoch milliseconds (`i64`): they compare and
//! sort the same way on both databases, which the job queue's raw SQL relies on.

pub mod api_token;
pub mod audit_log;
pub mod bot;
pub mod job;
pub mod membership;
pub mod outbox;
pub mod session;
pub mod user;
pub mod workspace;
