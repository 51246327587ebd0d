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
    let mut doc = api_routes().split_for_parts().1;
    document_shared_answers(&mut doc);
    doc
}

/// Adds the answers every route of a kind gives through a shared extractor, so each route
/// need not repeat them and none can forget: 415 where a JSON body is read (`ApiJson`), 401
/// on the widget API (`WidgetBot`'s key check) and on the admin API (`Caller`), 400 where a
/// page size is read (`page_limit`).
fn document_shared_answers(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let answers = &mut operation.responses.responses;
            let mut add = |status: &str, description: &str| {
                answers
                    .entry(status.to_string())
                    .or_insert_with(|| error(description).into());
            };
            let json_body = operation
                .request_body
                .as_ref()
                .is_some_and(|body| match body {
                    utoipa::openapi::RefOr::T(body) => {
                        body.content.contains_key("application/json")
                    }
                    utoipa::openapi::RefOr::Ref(_) => false,
                });
            if json_body {
                add("415", "the body was not sent as application/json");
            }
            let with_bot_key =
                path.starts_with("/widget/v1/") && !path.starts_with("/widget/v1/images/");
            if with_bot_key {
                add("401", "unknown or missing X-Parley-Bot key");
            }
            let signed_in = path.starts_with("/api/v1/") && path != "/api/v1/auth/login";
            if signed_in {
                add(
                    "401",
                    "not signed in: no valid session cookie or bearer token",
                );
            }
            let paged = operation.parameters.iter().flatten().any(|p| match p {
                utoipa::openapi::RefOr::T(p) => p.name == "limit",
                utoipa::openapi::RefOr::Ref(_) => false,
            });
            if paged {
                add(
                    "400",
                    "a malformed query, such as a page size outside 1 to 200",
                );
            }
        }
    }
}
