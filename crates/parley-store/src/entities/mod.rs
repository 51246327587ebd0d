//! SeaORM entities, one per table. Times are UTC epoch milliseconds (`i64`): they compare and
//! sort the same way on both databases, which the job queue's raw SQL relies on.

pub mod action_effect;
pub mod api_token;
pub mod audit_log;
pub mod bot;
pub mod canned_reply;
pub mod chunk;
pub mod conversation;
pub mod document;
pub mod document_source;
pub mod execution;
pub mod execution_step;
pub mod faq;
pub mod image;
pub mod image_analysis;
pub mod integration_app;
pub mod integration_connection;
pub mod invitation;
pub mod job;
pub mod membership;
pub mod message;
pub mod note;
pub mod oauth_state;
pub mod outbox;
pub mod password_reset;
pub mod presence;
pub mod return_authorization;
pub mod session;
pub mod user;
pub mod visitor;
pub mod workflow;
pub mod workflow_version;
pub mod workspace;
