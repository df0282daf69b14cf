//! The one error type: a Tencent error code or one of the client codes, with what a caller needs
//! to decide what to do next (retry, resume a wait, look for a possibly created task).

use crate::prelude::*;
use alloc::boxed::Box;
use alloc::string::String;
use core::fmt;

use crate::json::decimal;

/// Error codes that the client itself produces (Tencent's own codes pass through unchanged).
pub mod codes {
    /// `fetch` failed: refused, reset, DNS.
    pub const CLIENT_NETWORK_ERROR: &str = "ClientNetworkError";
    /// An HTTP attempt ran past `timeoutMs`.
    pub const CLIENT_TIMEOUT: &str = "ClientTimeout";
    /// An HTTP status other than 200 without a Tencent error body.
    pub const SERVER_NETWORK_ERROR: &str = "ServerNetworkError";
    /// A 200 whose body is not the expected JSON envelope.
    pub const INVALID_RESPONSE: &str = "InvalidResponse";
    /// The task ended with `Status: "FAIL"`.
    pub const TASK_FAILED: &str = "TaskFailed";
    /// A wait's deadline passed.
    pub const WAIT_TIMEOUT: &str = "WaitTimeout";
    /// The `credentials` function threw or rejected (its error is the `cause`).
    pub const CLIENT_CREDENTIALS_ERROR: &str = "ClientCredentialsError";
    /// A wait's `onUpdate` callback threw (its error is the `cause`).
    pub const CLIENT_CALLBACK_ERROR: &str = "ClientCallbackError";
    /// A value has the wrong type or shape.
    pub const INVALID_PARAMETER: &str = "InvalidParameter";
    /// A value has the right type but is out of range.
    pub const INVALID_PARAMETER_VALUE: &str = "InvalidParameterValue";
    /// A required value is missing.
    pub const MISSING_PARAMETER: &str = "MissingParameter";
    /// Throttled; the request was not processed.
    pub const REQUEST_LIMIT_EXCEEDED: &str = "RequestLimitExceeded";
    /// The request's timestamp is more than five minutes from the server's clock.
    pub const SIGNATURE_EXPIRE: &str = "AuthFailure.SignatureExpire";
    /// A signing proxy's token expired: the caller gets a new one.
    pub const PROXY_TOKEN_EXPIRED: &str = "AuthFailure.ProxyTokenExpired";
    /// A page's WebAssembly is not loaded (yet, or it failed to).
    pub const CLIENT_NOT_READY: &str = "ClientNotReady";
}

/// An error from building, sending or waiting for a request.
///
/// Messages are short and never contain a secret key or token.
#[derive(Clone, Debug, PartialEq)]
pub struct Error(Box<Inner>);

#[derive(Clone, Debug, PartialEq)]
struct Inner {
    code: String,
    message: String,
    request_id: Option<String>,
    http_status: Option<u16>,
    retryable: bool,
    maybe_created: bool,
    action: Option<String>,
    task_id: Option<String>,
    last_status: Option<String>,
    retry_after_ms: Option<f64>,
}

impl Error {
    /// An error with a code and a message, and nothing else known yet.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Error(Box::new(Inner {
            code: code.into(),
            message: message.into(),
            request_id: None,
            http_status: None,
            retryable: false,
            maybe_created: false,
            action: None,
            task_id: None,
            last_status: None,
            retry_after_ms: None,
        }))
    }

    /// `InvalidParameter`: `field` has the wrong type or shape.
    pub fn invalid_parameter(field: &str, problem: &str) -> Self {
        Error::new(codes::INVALID_PARAMETER, field_message(field, problem))
    }

    /// `InvalidParameterValue`: `field` has the right type but a value that is never accepted.
    pub fn invalid_value(field: &str, problem: &str) -> Self {
        Error::new(codes::INVALID_PARAMETER_VALUE, field_message(field, problem))
    }

    /// `MissingParameter`: `field` is required here.
    pub fn missing_parameter(field: &str, problem: &str) -> Self {
        Error::new(codes::MISSING_PARAMETER, field_message(field, problem))
    }

    /// `InvalidResponse`: the server answered 200 with something that is not the API's envelope.
    pub fn invalid_response(problem: impl Into<String>) -> Self {
        Error::new(codes::INVALID_RESPONSE, problem).with_http_status(200)
    }

    /// A Tencent error (`Response.Error`), as the server sent it.
    pub fn api(code: &str, message: &str, request_id: Option<&str>, http_status: u16) -> Self {
        let mut error = Error::new(code, message);
        error.0.request_id = request_id.map(str::to_owned);
        error.0.http_status = Some(http_status);
        error
    }

    /// `TaskFailed`: the task ended with `Status: "FAIL"`; the message includes the server's.
    pub fn task_failed(task_id: &str, server_message: Option<&str>, request_id: Option<&str>) -> Self {
        let message = match server_message.filter(|m| !m.is_empty()) {
            Some(text) => ["task ", task_id, " failed: ", text].concat(),
            None => ["task ", task_id, " failed"].concat(),
        };
        let mut error = Error::new(codes::TASK_FAILED, message).with_task_id(task_id);
        error.0.request_id = request_id.map(str::to_owned);
        error.0.last_status = Some("FAIL".to_owned());
        error
    }

    /// `WaitTimeout`: the wait's deadline passed with the task still in `last_status`.
    pub fn wait_timeout(task_id: &str, last_status: Option<&str>, waited_ms: f64) -> Self {
        // Whole units: formatting an f64 would pull float printing into the wasm.
        let waited = if waited_ms < 10_000.0 {
            decimal(libm::round(waited_ms).max(0.0) as u64) + " ms"
        } else {
            decimal(libm::round(waited_ms / 1000.0) as u64) + " s"
        };
        let message = match last_status {
            Some(status) => ["task ", task_id, " still ", status, " after waiting ", &waited].concat(),
            None => ["task ", task_id, ": no status seen within ", &waited].concat(),
        };
        let mut error = Error::new(codes::WAIT_TIMEOUT, message).with_task_id(task_id);
        error.0.last_status = last_status.map(str::to_owned);
        error
    }

    /// The same error with `httpStatus` set.
    pub fn with_http_status(mut self, status: u16) -> Self {
        self.0.http_status = Some(status);
        self
    }

    /// The same error with `retryable` set.
    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.0.retryable = retryable;
        self
    }

    /// The same error with `maybeCreated` set: a create whose outcome is unknown.
    pub fn with_maybe_created(mut self, maybe_created: bool) -> Self {
        self.0.maybe_created = maybe_created;
        self
    }

    /// The same error with the API action it came from.
    pub fn with_action(mut self, action: &str) -> Self {
        self.0.action = Some(action.to_owned());
        self
    }

    /// The same error with the task it concerns, so a caller can resume.
    pub fn with_task_id(mut self, task_id: &str) -> Self {
        self.0.task_id = Some(task_id.to_owned());
        self
    }

    /// The same error with the last task status seen.
    pub fn with_last_status(mut self, status: Option<&str>) -> Self {
        self.0.last_status = status.map(str::to_owned);
        self
    }

    /// The same error with the time until a quota resets (from `Retry-After`).
    pub fn with_retry_after_ms(mut self, ms: f64) -> Self {
        self.0.retry_after_ms = Some(ms);
        self
    }

    /// The same error with its message passed through `f` (used to redact foreign text).
    pub fn map_message(mut self, f: impl FnOnce(&str) -> String) -> Self {
        self.0.message = f(&self.0.message);
        self
    }

    /// The same error with each of `secrets` removed from every text a server may have given it
    /// (message, code, request id, task id, status): a secret a server echoed is kept out of each.
    pub fn redacted(mut self, secrets: &[&str]) -> Self {
        let redact = |text: &str| crate::secret::redact(text, secrets);
        let inner = &mut *self.0;
        inner.message = redact(&inner.message);
        inner.code = redact(&inner.code);
        for text in [&mut inner.request_id, &mut inner.task_id, &mut inner.last_status].into_iter().flatten() {
            *text = redact(text);
        }
        self
    }

    /// Tencent's error code, or one of [`codes`].
    pub fn code(&self) -> &str {
        &self.0.code
    }
    /// What went wrong, in a sentence.
    pub fn message(&self) -> &str {
        &self.0.message
    }
    /// The server's `RequestId`, when the server answered.
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    /// The HTTP status, when there was an HTTP response.
    pub fn http_status(&self) -> Option<u16> {
        self.0.http_status
    }
    /// Whether trying again later may succeed.
    pub fn retryable(&self) -> bool {
        self.0.retryable
    }
    /// Whether a create may have made a task although it failed (timeout, dropped connection).
    pub fn maybe_created(&self) -> bool {
        self.0.maybe_created
    }
    /// The API action that failed.
    pub fn action(&self) -> Option<&str> {
        self.0.action.as_deref()
    }
    /// The task the error concerns.
    pub fn task_id(&self) -> Option<&str> {
        self.0.task_id.as_deref()
    }
    /// The last `Status` seen for the task.
    pub fn last_status(&self) -> Option<&str> {
        self.0.last_status.as_deref()
    }

    /// How long until a quota resets, when the server said (`Retry-After`), in ms.
    pub fn retry_after_ms(&self) -> Option<f64> {
        self.0.retry_after_ms
    }

    /// Whether the code is one of the bad-input codes (`InvalidParameter*`, `MissingParameter`).
    pub fn is_bad_input(&self) -> bool {
        self.0.code.starts_with(codes::INVALID_PARAMETER) || self.0.code.starts_with(codes::MISSING_PARAMETER)
    }
}

fn field_message(field: &str, problem: &str) -> String {
    let mut message = String::with_capacity(field.len() + problem.len() + 1);
    message.push_str(field);
    message.push(' ');
    message.push_str(problem);
    message
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.code, self.0.message)?;
        if let Some(id) = &self.0.request_id {
            write!(f, " (RequestId {id})")?;
        }
        Ok(())
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_code_message_and_request() {
        let e = Error::api("InvalidParameter", "Prompt too long", Some("req-1"), 200);
        assert_eq!(e.to_string(), "InvalidParameter: Prompt too long (RequestId req-1)");
        assert!(e.is_bad_input());
    }

    #[test]
    fn task_errors_carry_the_task() {
        let e = Error::task_failed("t-1", Some("content blocked"), Some("r"));
        assert_eq!(e.code(), codes::TASK_FAILED);
        assert_eq!(e.task_id(), Some("t-1"));
        assert_eq!(e.last_status(), Some("FAIL"));
        assert!(e.message().contains("content blocked"));
        let w = Error::wait_timeout("t-2", Some("RUN"), 61_000.0);
        assert_eq!(w.message(), "task t-2 still RUN after waiting 61 s");
        assert_eq!(w.last_status(), Some("RUN"));
        let w = Error::wait_timeout("t-2", None, 512.4);
        assert_eq!(w.message(), "task t-2: no status seen within 512 ms");
    }
}
