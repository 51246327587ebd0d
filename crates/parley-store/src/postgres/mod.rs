//! PostgreSQL, the backend for several nodes: binary `COPY` for loading chunks, and
//! `LISTEN`/`NOTIFY` for live events across nodes.

pub(crate) mod copy_binary;
pub(crate) mod notify;
