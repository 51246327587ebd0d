//! One error type for every handler, mapped to a status and the JSON shape
//! `{"error": {"code", "message", "fields"}}` in one place. Internal details are logged,
//! never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use parley_domain::workflow::ValidationError;
use parley_engine::EngineError;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Option<BTreeMap<String, String>>,
    pub errors: Option<Vec<ValidationError>>,
    pub retry_after_secs: Option<u64>,
}

/// The body of every error response.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `invalid_input`, `not_found`, `unauthenticated`, ...
    pub code: String,
    /// For people.
    pub message: String,
    /// Per-field problems, for `invalid_input`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
    /// Every problem of a workflow graph, each naming its node or edge, for `invalid_workflow`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<ValidationError>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            fields: None,
            errors: None,
            retry_after_secs: None,
        }
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "not found")
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "log in or send a valid API token",
        )
    }

    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        let mut fields = BTreeMap::new();
        let message = message.into();
        fields.insert(field.to_string(), message.clone());
        Self {
            fields: Some(fields),
            ..Self::new(
                StatusCode::BAD_REQUEST,
                "invalid_input",
                format!("{field}: {message}"),
            )
        }
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the database is unavailable; try again shortly",
        )
    }
}

impl From<EngineError> for ApiError {
    fn from(err: EngineError) -> Self {
        match err {
            EngineError::Invalid(errors) => {
                let message = format!("invalid input: {}", errors.summary());
                ApiError {
                    fields: Some(errors.into_map()),
                    ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", message)
                }
            }
            EngineError::InvalidWorkflow(errors) => ApiError {
                errors: Some(errors.clone()),
                ..ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_workflow",
                    format!(
                        "the workflow has {} problem{}; see `errors`",
                        errors.len(),
                        if errors.len() == 1 { "" } else { "s" }
                    ),
                )
            },
            EngineError::Unauthenticated => ApiError::unauthenticated(),
            EngineError::InvalidCredentials => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "email or password is incorrect",
            ),
            EngineError::Forbidden => ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "your role does not allow this",
            ),
            EngineError::NotFound => ApiError::not_found(),
            EngineError::Conflict(conflict) => {
                ApiError::new(StatusCode::CONFLICT, conflict.code(), conflict.to_string())
            }
            EngineError::TooLarge(msg) => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", msg)
            }
            EngineError::Unsupported(msg) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                msg,
            ),
            EngineError::TooManyAttempts { retry_after_secs } => ApiError {
                retry_after_secs: Some(retry_after_secs),
                ..ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_attempts",
                    format!("too many attempts; try again in {retry_after_secs} seconds"),
                )
            },
            EngineError::Unavailable(msg) => {
                tracing::warn!(error = %msg, "database unavailable");
                ApiError::unavailable()
            }
            EngineError::Integration(problem, message) => {
                use parley_engine::IntegrationProblem as P;
                let (status, code) = match problem {
                    P::NotConnected => (StatusCode::CONFLICT, "not_connected"),
                    P::NotConfigured => (StatusCode::CONFLICT, "not_configured"),
                    P::Rejected => (StatusCode::UNPROCESSABLE_ENTITY, "integration_rejected"),
                    P::Unavailable => (StatusCode::BAD_GATEWAY, "integration_unavailable"),
                };
                ApiError::new(status, code, message)
            }
            EngineError::Internal(msg) => {
                tracing::error!(error = %msg, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error",
                )
            }
        }
    }
}

impl From<parley_store::StoreError> for ApiError {
    fn from(err: parley_store::StoreError) -> Self {
        EngineError::from(err).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message,
                fields: self.fields,
                errors: self.errors,
            },
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
