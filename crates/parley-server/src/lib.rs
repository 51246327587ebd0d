//! Parley's HTTP server: the admin API, health and metrics, the OpenAPI document and the
//! embedded dashboard, plus the `parley` command's building blocks.

pub mod app;
mod assets;
mod caller;
pub mod config;
mod error;
mod extract;
mod images;
mod metrics;
pub mod openapi;
mod routes;
pub mod telemetry;

pub use app::{AppState, build_router, serve};
pub use error::ApiError;
