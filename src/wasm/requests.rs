//! Requests in, bodies out: the caller's request (JSON text the package made of it, see `plain.js`)
//! read against its kind's model, task ids and action names checked, advice given (with the
//! `standalone` feature, as `redactSecrets`).

use crate::prelude::*;
use wasm_bindgen::prelude::*;

use super::errors::thrown;
use super::js::kind_of;
use super::kind;
use super::options::{short_string, Options};
use crate::error::Error;
use crate::json::{self, Value};
use crate::kinds::{self, MAX_TASK_ID_CHARS};
use crate::vocabulary::{CALL_OPTIONS, MAX_ACTION_CHARS};

fn parse(json: &str, what: &str) -> Result<Value, JsValue> {
    json::parse_str(json).map_err(|_| thrown(Error::invalid_parameter(what, "must be JSON data")))
}

/// The exact create body for a request of kind number `kind` (JSON text).
#[wasm_bindgen(js_name = createBody)]
pub fn create_body(kind_index: usize, json: &str) -> Result<Vec<u8>, JsValue> {
    kind(kind_index)?.create_body(parse(json, "request")?).map_err(thrown)
}

/// The exact describe body for `task_id` (any kind).
#[wasm_bindgen(js_name = describeBody)]
pub fn describe_body(task_id: JsValue) -> Result<Vec<u8>, JsValue> {
    task_id_of(&task_id).and_then(|id| kinds::describe_body(&id)).map_err(thrown)
}

/// The body of `client.call(action, payload)`: `action` checked, `payload` (JSON text) an object.
#[wasm_bindgen(js_name = callBody)]
pub fn call_body(action: JsValue, json: &str) -> Result<Vec<u8>, JsValue> {
    let named = match short_string(&action, "action", MAX_ACTION_CHARS).transpose().map_err(thrown)? {
        Some(a) => !a.is_empty() && a.bytes().all(|b| b.is_ascii_alphanumeric()),
        None => false,
    };
    if !named {
        return Err(thrown(Error::invalid_parameter(
            "action",
            "must be an API action name such as CreateAigcImageTask",
        )));
    }
    kinds::call_body(parse(json, "payload")?).map_err(thrown)
}

/// Model-specific advice for a request of kind number `kind` (JSON text): `[{ field, message }]`
/// as JSON text. Never a refusal.
#[cfg(feature = "standalone")]
#[wasm_bindgen]
pub fn advise(kind_index: usize, json: &str) -> Result<String, JsValue> {
    let request = json::parse_str(json).unwrap_or(Value::Null);
    Ok(crate::advice::to_json(&kind(kind_index)?.advise(&request)))
}

/// `text` with each of `secrets` replaced by `** REDACTED **`: the redaction the client applies to
/// server text, for text of the caller's own (the CLI's output, a log line).
#[cfg(feature = "standalone")]
#[wasm_bindgen(js_name = redactSecrets)]
pub fn redact_secrets(text: &str, secrets: Vec<String>) -> String {
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    crate::secret::redact(text, &secrets)
}

/// The `signal` of per-call options (`{ signal }`), checked.
#[wasm_bindgen(js_name = callSignal)]
pub fn call_signal(options: JsValue) -> Result<JsValue, JsValue> {
    let o = Options::new(&options, "call options", CALL_OPTIONS).map_err(thrown)?;
    Ok(o.signal("signal").map_err(thrown)?.unwrap_or(JsValue::UNDEFINED))
}

fn task_id_of(task_id: &JsValue) -> Result<String, Error> {
    match short_string(task_id, "TaskId", MAX_TASK_ID_CHARS) {
        Some(Ok(id)) if !id.trim().is_empty() => Ok(id),
        Some(Ok(_)) => Err(Error::missing_parameter("TaskId", "must be a non-empty string")),
        Some(Err(e)) => Err(e),
        None if task_id.is_undefined() || task_id.is_null() => {
            Err(Error::missing_parameter("TaskId", "must be a non-empty string"))
        }
        None => Err(Error::invalid_parameter("TaskId", &["must be a string, got ", &kind_of(task_id)].concat())),
    }
}

/// A task id argument, checked (for waits).
pub fn task_id(value: &JsValue) -> Result<String, Error> {
    task_id_of(value)
}
