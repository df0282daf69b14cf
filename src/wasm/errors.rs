//! Rust errors into JavaScript `MpsError` objects, and the ways a call can end early.

use serde::Serialize;
use wasm_bindgen::JsValue;

use super::abort::Stop;
use super::js::make_error;
use crate::error::Error;

/// How a call failed, before it becomes a JavaScript rejection.
#[derive(Debug)]
pub enum Failure {
    /// An `MpsError`, with the JavaScript error that caused it, if any.
    Mps(Error, JsValue),
    /// The caller aborted: reject with the signal's reason, as `fetch` does.
    Aborted(JsValue),
    /// A wait's deadline arrived while this call was pending.
    Deadline,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Mps(error, JsValue::UNDEFINED)
    }
}

/// The fields an `MpsError` carries besides its message.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Fields<'a> {
    code: &'a str,
    retryable: bool,
    maybe_created: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    http_status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    task_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_status: Option<&'a str>,
}

/// The JavaScript error for `error`: an `MpsError`, `TaskFailedError` or `WaitTimeoutError`.
pub fn to_js(error: &Error, cause: &JsValue) -> JsValue {
    let fields = Fields {
        code: error.code(),
        retryable: error.retryable(),
        maybe_created: error.maybe_created(),
        request_id: error.request_id(),
        http_status: error.http_status(),
        action: error.action(),
        task_id: error.task_id(),
        last_status: error.last_status(),
    };
    let fields = serde_wasm_bindgen::to_value(&fields).unwrap_or(JsValue::UNDEFINED);
    make_error(error.message(), &fields, cause)
}

/// What a promise rejects with for `failure`.
pub fn reject_value(failure: Failure) -> JsValue {
    match failure {
        Failure::Mps(error, cause) => to_js(&error, &cause),
        Failure::Aborted(reason) => reason,
        // A bare call has no deadline; waits turn this into WaitTimeout before it gets here.
        Failure::Deadline => {
            to_js(&Error::new(crate::error::codes::WAIT_TIMEOUT, "the deadline passed"), &JsValue::UNDEFINED)
        }
    }
}

/// A race that stopped: an abort, or a deadline.
impl From<Stop> for Failure {
    fn from(stop: Stop) -> Self {
        match stop {
            Stop::Aborted(reason) => Failure::Aborted(reason),
            Stop::TimedOut => Failure::Deadline,
        }
    }
}
