//! What the integration actions share: turning a vendor's failure into the executor's
//! retry decision, and the three outcomes of a write whose result nobody saw.

use super::ActionError;
use crate::integrations::TokenError;
use parley_integrations::VendorError;

/// A failure before or during a vendor call, as the executor's decision. `Ambiguous` is
/// reported as [`ActionError::Unknown`]: only an action that can reconcile (and found
/// nothing) may turn it into a retry.
pub(super) fn action_error(e: TokenError) -> ActionError {
    match e {
        TokenError::NotConnected(m) => ActionError::Permanent(m),
        TokenError::Store(s) => ActionError::Retry(s.to_string()),
        TokenError::Vendor(v) => match v {
            VendorError::RateLimited {
                retry_after,
                message,
            } => ActionError::RetryAfter(
                retry_after,
                format!("{message}; retrying after {} s", retry_after.as_secs()),
            ),
            VendorError::Paced {
                retry_after,
                message,
            } => ActionError::Defer(retry_after, message),
            VendorError::Unavailable(m) => ActionError::Retry(m),
            VendorError::Ambiguous(m) => ActionError::Unknown(m),
            VendorError::Revoked(m) => ActionError::Permanent(format!(
                "{m}; reconnect it on the Integrations page, then resume"
            )),
            VendorError::Unauthorized(m) | VendorError::Rejected(m) => ActionError::Permanent(m),
        },
    }
}

/// Whether a failure means the write may have happened.
pub(super) fn is_ambiguous(e: &TokenError) -> bool {
    matches!(e, TokenError::Vendor(VendorError::Ambiguous(_)))
}

/// A failed check for an earlier attempt's effect: retried later when the check may work
/// then (a quota, an outage), `unknown` for a person when it cannot (no access).
pub(super) fn check_failed(e: TokenError, what: &str) -> ActionError {
    match action_error(e) {
        ActionError::Permanent(m) => ActionError::Unknown(format!(
            "an earlier attempt may have {what}, and that cannot be checked ({m})"
        )),
        later => later,
    }
}
