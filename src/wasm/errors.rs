//! Rust errors into JavaScript `MpsError` objects (the classes live in `js/errors.js`, so
//! `instanceof` works and `cause` keeps the original JavaScript error).

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

use super::js::make_error;
use crate::error::Error;

/// The JavaScript error for `error`: an `MpsError`, `TaskFailedError` or `WaitTimeoutError`.
pub fn to_js(error: &Error, cause: &JsValue) -> JsValue {
    let fields = Object::new();
    let set = |key: &str, value: JsValue| {
        let _ = Reflect::set(&fields, &JsValue::from_str(key), &value);
    };
    set("code", error.code().into());
    set("retryable", error.retryable().into());
    set("maybeCreated", error.maybe_created().into());
    let optional = [
        ("requestId", error.request_id()),
        ("action", error.action()),
        ("taskId", error.task_id()),
        ("lastStatus", error.last_status()),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            set(key, value.into());
        }
    }
    if let Some(status) = error.http_status() {
        set("httpStatus", status.into());
    }
    if let Some(ms) = error.retry_after_ms() {
        set("retryAfterMs", ms.into());
    }
    make_error(error.message(), &fields, cause)
}

/// `to_js` without a cause, for `Result<_, JsValue>` exports.
pub fn thrown(error: Error) -> JsValue {
    to_js(&error, &JsValue::UNDEFINED)
}
