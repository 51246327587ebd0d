//! The HTTP API's tests, compiled into one binary (one link instead of one per file): each
//! module starts the real application on 127.0.0.1:0 through [`helpers`], on SQLite and, when
//! `PARLEY_TEST_DATABASE_URL` is set, on PostgreSQL too.

mod helpers;

mod analytics;
mod api;
mod backup;
mod chat;
mod cli;
mod conversation_loop;
mod images;
mod inbox;
mod insight;
mod integrations;
mod limits;
mod members;
mod outage;
mod privacy;
mod smtp_sink;
mod system;
mod vision;
mod workflow_console;
mod workflows;
mod workflows_durability;
