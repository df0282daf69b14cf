//! How the proxy answers what it will not forward: an HTTP status that says why, and the API's own
//! error shape, so that a client reads a refusal like any other API error.

use crate::prelude::*;

use super::Class;
use crate::json::{decimal, Map};

/// A refusal: the HTTP status and the API-shaped error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status.
    pub status: u16,
    /// Error code, in the API's style.
    pub code: &'static str,
    /// Why, without echoing anything secret.
    pub message: String,
    /// `Retry-After`, in whole seconds, for a spent quota.
    pub retry_after_s: Option<u64>,
}

impl Refusal {
    pub(super) fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Refusal { status, code, message: message.into(), retry_after_s: None }
    }

    /// `{"Response":{"Error":{"Code":..,"Message":..},"RequestId":..}}`.
    pub fn body(&self, request_id: &str) -> String {
        error_body(self.code, &self.message, request_id)
    }
}

/// `{"Response":{"Error":{"Code":..,"Message":..},"RequestId":..}}`, the API's error shape.
pub(super) fn error_body(code: &str, message: &str, request_id: &str) -> String {
    let error = Map::of([("Code", code.into()), ("Message", message.into())]);
    Map::of([("Response", Map::of([("Error", error.into()), ("RequestId", request_id.into())]).into())]).to_json()
}

/// 401: no caller the proxy accepts.
pub fn unauthorized(message: &str) -> Refusal {
    Refusal::new(401, "AuthFailure.InvalidAuthorization", message)
}

/// 403: an origin the proxy does not serve.
pub(super) fn origin_refused() -> Refusal {
    Refusal::new(403, "AuthFailure.UnauthorizedOperation", "this origin may not use the proxy")
}

/// A subject's quota is spent: 429, `Retry-After` in whole seconds (at least 1).
pub fn quota_spent(class: Class, retry_after_ms: f64) -> Refusal {
    let seconds = if retry_after_ms.is_finite() { libm::ceil(retry_after_ms / 1000.0).max(1.0) as u64 } else { 86_400 };
    let mut r = Refusal::new(
        429,
        "RequestLimitExceeded.ProxyQuota",
        ["this caller's ", class.name(), "s quota is spent; it resets in ", &decimal(seconds), " s"].concat(),
    );
    r.retry_after_s = Some(seconds);
    r
}

/// The account's rate limit (held by a coordinator) had no free place for this request in time:
/// nothing was sent, so the caller may retry (the client does, after `Retry-After`).
pub fn account_limit() -> Refusal {
    let mut r = Refusal::new(
        429,
        "RequestLimitExceeded",
        "the account's rate limit for this action had no free place in time; nothing was sent",
    );
    r.retry_after_s = Some(1);
    r
}

/// A refusal for a body that could not be read (a stream that errored, something that is not bytes).
pub fn unreadable_body() -> Refusal {
    Refusal::new(400, "InvalidParameter", "the request body could not be read")
}

/// A refusal for header values too long to be worth reading.
pub fn headers_too_large() -> Refusal {
    Refusal::new(431, "RequestHeaderFieldsTooLarge", "a request header is too long")
}

/// A refusal for a URL too long to be worth reading.
pub fn uri_too_long() -> Refusal {
    Refusal::new(414, "RequestURITooLong", "the request URL is too long")
}

/// A refusal for a body that did not arrive in time.
pub fn body_timeout() -> Refusal {
    Refusal::new(408, "RequestTimeout", "the request body did not arrive in time")
}

/// A refusal for an upstream that could not be reached or did not answer in time. The codes are
/// `InternalError.*`, which a client treats as "maybe processed": retried for describe, never for
/// create.
pub fn upstream_failed(timed_out: bool) -> Refusal {
    if timed_out {
        Refusal::new(504, "InternalError.UpstreamTimeout", "the upstream did not answer in time")
    } else {
        Refusal::new(502, "InternalError.UpstreamUnreachable", "the upstream could not be reached")
    }
}

/// An upstream answer the proxy will not pass on: a redirect (never followed: it could send the
/// request, token and all, elsewhere), a status outside 200..=599, or one that cannot carry a body.
pub fn upstream_status(status: u16) -> Refusal {
    let message = if (300..400).contains(&status) {
        ["the upstream answered a redirect (", &decimal(status.into()), "), which is not followed"].concat()
    } else {
        ["the upstream answered HTTP ", &decimal(status.into()), ", which is not an API answer"].concat()
    };
    Refusal::new(502, "InternalError.UpstreamBadAnswer", message)
}

/// Whether an upstream status can be passed on as it is.
pub fn passable_status(status: u16) -> bool {
    (200..600).contains(&status) && !(300..400).contains(&status) && ![204, 205].contains(&status)
}

/// A refusal for anything unexpected inside the proxy (it answers, never throws).
pub fn internal(message: &str) -> Refusal {
    Refusal::new(500, "InternalError", message.to_owned())
}
