//! Parley's HTTP server: the admin API, health and metrics, the OpenAPI document and the
//! embedded dashboard, plus the `parley` command's building blocks.

mod assets;
mod caller;
pub mod config;
mod error;
mod extract;
mod images;
mod limits;
pub mod listener;
pub mod memory;
mod metrics;
mod middleware;
pub mod node;
pub mod openapi;
pub mod router;
mod routes;
pub mod serve;
pub mod state;
pub mod telemetry;

pub use error::ApiError;
pub use router::build_router;
pub use serve::serve;
pub use state::AppState;
