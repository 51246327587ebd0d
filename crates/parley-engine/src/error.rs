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
    Conflict(Conflict),
    #[error("too large: {0}")]
    TooLarge(String),
    /// A file of a kind that is not accepted (HTTP 415).
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("too many attempts; retry in {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("the database is unavailable")]
    Unavailable(String),
    /// A third-party service refused, failed, or is not connected.
    #[error("{1}")]
    Integration(IntegrationProblem, String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// What went wrong with an integration, which decides the API status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntegrationProblem {
    /// The provider is not connected (or needs reconnecting) in this workspace.
    NotConnected,
    /// No OAuth app is configured for the provider.
    NotConfigured,
    /// The vendor refused the request or the credentials.
    Rejected,
    /// The vendor could not be reached or failed; trying later may work.
    Unavailable,
}

/// Why a change does not fit the state it would change. Each has its own API code (the
/// server maps them to 409 in one place), so a client can act on which it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// A value that must be unique is taken (an email, a name, a message's client id).
    #[error("this conflicts with existing data")]
    Exists,
    /// An agent's reply to a conversation nobody has taken over.
    #[error("take the conversation over before replying")]
    NotTakenOver,
    /// Resuming an execution that has not failed (or has no failed step).
    #[error("only a failed execution can be resumed")]
    NotFailed,
    /// Cancelling an execution that has ended.
    #[error("the execution is already over")]
    AlreadyFinished,
    /// A retried message whose first request is still storing it.
    #[error("the message is being stored; try again")]
    MessageInFlight,
    /// Rating a conversation that is not resolved (the visitor wrote again).
    #[error("only a resolved conversation can be rated")]
    NotResolved,
    /// Adding a user before the first start made a workspace.
    #[error("no workspace exists yet: run `parley serve` once")]
    NoWorkspace,
}

impl Conflict {
    /// The error code the API answers with.
    pub fn code(self) -> &'static str {
        match self {
            Conflict::Exists => "conflict",
            Conflict::NotTakenOver => "not_taken_over",
            Conflict::NotFailed => "not_failed",
            Conflict::AlreadyFinished => "already_finished",
            Conflict::MessageInFlight => "message_in_flight",
            Conflict::NoWorkspace => "no_workspace",
            Conflict::NotResolved => "not_resolved",
        }
    }
}

impl From<StoreError> for EngineError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => EngineError::NotFound,
            StoreError::Conflict(msg) => {
                tracing::debug!(%msg, "unique value taken");
                EngineError::Conflict(Conflict::Exists)
            }
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
