use parley_domain::FieldErrors;
use parley_store::StoreError;

pub type EngineResult<T> = Result<T, EngineError>;

/// What a use case can fail with, in terms a client can act on. The server maps each to one
/// HTTP status; internal details stay in `Internal` and are logged, never sent.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// A workflow graph that does not compile: every problem, each naming its node or edge.
    #[error("invalid workflow: {}", summary(.0))]
    InvalidWorkflow(Vec<parley_domain::workflow::ValidationError>),
    #[error("not authenticated")]
    Unauthenticated,
    #[error("email or password is incorrect")]
    InvalidCredentials,
    #[error("not allowed for your role")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("too large: {0}")]
    TooLarge(String),
    /// A file of a kind that is not accepted (HTTP 415).
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("too many attempts; retry in {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("the database is unavailable")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for EngineError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => EngineError::NotFound,
            StoreError::Conflict(msg) => EngineError::Conflict(msg),
            StoreError::Unavailable(msg) => EngineError::Unavailable(msg),
            other => EngineError::Internal(other.to_string()),
        }
    }
}

impl From<FieldErrors> for EngineError {
    fn from(errors: FieldErrors) -> Self {
        EngineError::Invalid(errors)
    }
}

/// A single invalid field.
pub(crate) fn invalid(field: &str, message: &str) -> EngineError {
    let mut errors = FieldErrors::new();
    errors.add(field, message);
    EngineError::Invalid(errors)
}

impl From<parley_store::DbErr> for EngineError {
    fn from(err: parley_store::DbErr) -> Self {
        StoreError::from(err).into()
    }
}

/// The problems of a workflow graph, in one line for logs.
fn summary(errors: &[parley_domain::workflow::ValidationError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
