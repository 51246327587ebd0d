//! The routes, assembled: health, the admin and widget APIs with their OpenAPI document, the
//! embedded assets, and the layers around them.

use crate::error::ApiError;
use crate::openapi::ApiDoc;
use crate::routes::{self, health};
use crate::state::AppState;
use crate::{assets, metrics, middleware};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::HeaderName;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use std::sync::Arc;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// Every documented route: health and the admin API.
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .merge(routes::api_v1())
        .merge(routes::widget::router())
}

pub fn build_router(state: AppState) -> Router {
    let (api, doc) = api_routes().split_for_parts();
    let doc = Arc::new(doc);
    let request_id = HeaderName::from_static("x-request-id");
    let middleware = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
                })
                .on_response(DefaultOnResponse::new().level(Level::DEBUG)),
        )
        .layer(PropagateRequestIdLayer::new(request_id));

    Router::new()
        .merge(api)
        .route(
            "/api/openapi.json",
            get(move || async move { axum::Json(doc.as_ref().clone()) }),
        )
        .route("/metrics", get(health::metrics))
        .route("/", get(assets::root))
        .route("/widget.js", get(assets::widget_js))
        .route("/app", get(|| async { Redirect::permanent("/app/") }))
        .route("/app/", get(assets::index))
        .route("/app/{*path}", get(assets::asset))
        .fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "not_found",
                "no such route",
            )
            .into_response()
        })
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::widget::limit_writes,
        ))
        .layer(axum::middleware::from_fn(middleware::widget::cors))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(middleware)
        .with_state(state)
}

/// The whole OpenAPI document, as `GET /api/openapi.json` serves it.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    api_routes().split_for_parts().1
}
