//! One HTTP attempt: POST the exact body bytes, bounded in time, and read at most
//! [`MAX_RESPONSE_BYTES`] of the answer.
//!
//! The response is read through `Reflect` and `Function::call*`, which catch, rather than typed
//! imports, which do not: a custom `fetch` may return something Response-like but odd, and an
//! exception thrown straight through wasm would leave the caller's promise unsettled forever.

use std::cell::RefCell;

use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, RequestInit};

use super::abort::{race, Stop};
use super::js::{bytes_of, global_fetch};
use crate::envelope::{salvage_task_id, MAX_RESPONSE_BYTES};
use crate::error::{codes, Error};
use crate::policy::retry::Delivery;

/// What the server answered.
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The `Date` header, for clock correction.
    pub date: Option<String>,
    /// The body, whole.
    pub body: Vec<u8>,
}

/// Why an attempt produced no answer.
pub enum AttemptError {
    /// The caller aborted, with this reason.
    Aborted(JsValue),
    /// The attempt's time ran out, with the bytes of the answer that had arrived (they may name the
    /// task a create made).
    TimedOut(Vec<u8>),
    /// The network failed (or the answer was unreadable), having got this far.
    Network(Error, JsValue, Delivery),
}

pub fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Calls `target[method]()` and returns what it returned; an error if it is not a function or throws.
/// (`typeof`, not `instanceof`: a Proxy's `getPrototypeOf` trap could throw through wasm.)
fn call_sync(target: &JsValue, method: &str) -> Result<JsValue, JsValue> {
    let f = get(target, method);
    if !f.is_function() {
        return Err(JsValue::from_str(method));
    }
    f.unchecked_ref::<Function>().call0(target)
}

/// Calls `target[method]()`, as a promise.
fn call(target: &JsValue, method: &str) -> Result<JsFuture, JsValue> {
    call_sync(target, method).map(|value| JsFuture::from(Promise::resolve(&value)))
}

/// POSTs `body` to `url` with `headers`, through `fetch` (or the global one), unless `signal`
/// aborts or `limit_ms` passes first; either cancels the request.
pub async fn post(
    fetch: Option<&Function>,
    url: &str,
    headers: &Object,
    body: &[u8],
    signal: Option<&AbortSignal>,
    limit_ms: Option<f64>,
) -> Result<Answer, AttemptError> {
    let controller = AbortController::new().ok();
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(headers);
    init.set_body(&Uint8Array::from(body));
    if let Some(c) = &controller {
        init.set_signal(Some(&c.signal()));
    }
    // The answer's bytes collect here, outside the raced future, so that an attempt that times out
    // mid-answer still has what arrived.
    let received = RefCell::new(Vec::new());
    let work = async {
        let started = match fetch {
            Some(f) => f.call2(&JsValue::UNDEFINED, &JsValue::from_str(url), &init).map(|p| Promise::resolve(&p)),
            None => global_fetch(url, &init),
        };
        // A fetch that throws before returning a promise sent nothing.
        let promise = started.map_err(|e| network(e, Delivery::NotSent))?;
        let response = JsFuture::from(promise).await.map_err(|e| {
            let delivery = delivery_of(&e);
            network(e, delivery)
        })?;
        read(&response, &received).await
    };
    match race(work, signal, limit_ms).await {
        Ok(result) => result.map(|(status, date)| Answer { status, date, body: received.take() }),
        Err(stop) => {
            if let Some(c) = controller {
                match &stop {
                    Stop::Aborted(reason) => c.abort_with_reason(reason),
                    Stop::TimedOut => c.abort(),
                }
            }
            Err(match stop {
                Stop::Aborted(reason) => AttemptError::Aborted(reason),
                Stop::TimedOut => AttemptError::TimedOut(received.take()),
            })
        }
    }
}

/// Reads an answer's status and `Date`, and its body into `received`.
async fn read(response: &JsValue, received: &RefCell<Vec<u8>>) -> Result<(u16, Option<String>), AttemptError> {
    let status = get(response, "status").as_f64().filter(|s| (100.0..1000.0).contains(s)).ok_or_else(|| {
        let e = Error::new(codes::CLIENT_NETWORK_ERROR, "fetch resolved to something that is not a Response");
        AttemptError::Network(e, JsValue::UNDEFINED, Delivery::Unknown)
    })? as u16;
    let date = header(response, "date");
    read_body(response, MAX_RESPONSE_BYTES, received).await.map_err(|e| match e {
        BodyError::TooLarge => {
            let problem = format!("response body is larger than {MAX_RESPONSE_BYTES} bytes");
            let e = if status == 200 {
                Error::invalid_response(problem)
            } else {
                Error::new(codes::SERVER_NETWORK_ERROR, format!("HTTP {status}: {problem}")).with_http_status(status)
            };
            AttemptError::Network(naming_task(e, &received.borrow()), JsValue::UNDEFINED, Delivery::Answered)
        }
        // The connection dropped mid-answer: the request was surely sent.
        BodyError::Failed(cause) => match network(cause, Delivery::Unknown) {
            AttemptError::Network(e, cause, delivery) => {
                AttemptError::Network(naming_task(e, &received.borrow()), cause, delivery)
            }
            other => other,
        },
    })?;
    Ok((status, date))
}

/// The longest header value read; longer ones are refused before they are copied into wasm memory.
pub const MAX_HEADER_UNITS: usize = 8 * 1024;

/// A header value over [`MAX_HEADER_UNITS`].
pub struct TooLong;

/// `message.headers.get(name)` of a Request or Response (or anything shaped like one), checked for
/// length before it is copied.
pub fn header_bounded(message: &JsValue, name: &str) -> Result<Option<String>, TooLong> {
    let headers = get(message, "headers");
    let value = get(&headers, "get");
    if !value.is_function() {
        return Ok(None);
    }
    let Ok(value) = value.unchecked_ref::<Function>().call1(&headers, &JsValue::from_str(name)) else {
        return Ok(None);
    };
    bounded_string(&value, MAX_HEADER_UNITS)
}

/// A string of at most `max` UTF-16 units, checked before it is copied; `None` for a non-string.
pub fn bounded_string(value: &JsValue, max: usize) -> Result<Option<String>, TooLong> {
    if !value.is_string() {
        return Ok(None);
    }
    if value.unchecked_ref::<js_sys::JsString>().length() as usize > max {
        return Err(TooLong);
    }
    Ok(value.as_string())
}

/// A header, or `None` when it is absent, not a string or too long.
pub fn header(message: &JsValue, name: &str) -> Option<String> {
    header_bounded(message, name).ok().flatten()
}

/// Why a body could not be read (what did arrive is in the caller's buffer).
pub enum BodyError {
    /// It is longer than the limit.
    TooLarge,
    /// The stream failed.
    Failed(JsValue),
}

/// An error about an answer that could not be read whole, with the task id its first bytes name,
/// if any (see [`salvage_task_id`]).
pub fn naming_task(error: Error, start: &[u8]) -> Error {
    match salvage_task_id(start) {
        Some(id) => error.map_message(|m| format!("{m} (the answer names task {id})")).with_task_id(&id),
        None => error,
    }
}

/// Reads the body of a Request or Response chunk by chunk into `out`, stopping as soon as it exceeds
/// `limit`. Chunk by chunk, not `arrayBuffer()`: when the connection breaks mid-answer, the bytes
/// that arrived are kept (the start of a create's answer names its task).
pub async fn read_body(response: &JsValue, limit: usize, out: &RefCell<Vec<u8>>) -> Result<(), BodyError> {
    let stream = get(response, "body");
    let reader = if stream.is_object() { call_sync(&stream, "getReader").ok() } else { None };
    let Some(reader) = reader else {
        // No stream (a body-less answer, or a fetch polyfill): take it whole.
        let buffer = call(response, "arrayBuffer").map_err(BodyError::Failed)?.await.map_err(BodyError::Failed)?;
        let Some(bytes) = bytes_of(&buffer) else {
            return Err(BodyError::Failed(JsValue::from_str("arrayBuffer() did not give bytes")));
        };
        let mut out = out.borrow_mut();
        if bytes.length() as usize > limit {
            *out = bytes.subarray(0, limit as u32).to_vec();
            return Err(BodyError::TooLarge);
        }
        *out = bytes.to_vec();
        return Ok(());
    };
    loop {
        let chunk = call(&reader, "read").map_err(BodyError::Failed)?.await.map_err(BodyError::Failed)?;
        if get(&chunk, "done").is_truthy() {
            return Ok(());
        }
        let Some(bytes) = bytes_of(&get(&chunk, "value")) else {
            return Err(BodyError::Failed(JsValue::from_str("a body chunk was not bytes")));
        };
        let mut out = out.borrow_mut();
        let start = out.len();
        if start + bytes.length() as usize > limit {
            drop(call(&reader, "cancel")); // not awaited: the connection is abandoned either way
            return Err(BodyError::TooLarge);
        }
        out.resize(start + bytes.length() as usize, 0);
        bytes.copy_to(&mut out[start..]);
    }
}

/// Node (undici) names the failed step in `cause.code` (a port fetch refuses to use, such as 1,
/// in `cause.message`); Deno in the message. A connection that never opened means the server saw
/// nothing, which makes even a create safe to retry.
fn delivery_of(error: &JsValue) -> Delivery {
    const NOT_SENT: [&str; 6] =
        ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH", "UND_ERR_CONNECT_TIMEOUT"];
    let cause = get(error, "cause");
    let code = get(&cause, "code").as_string().unwrap_or_default();
    let cause_message = get(&cause, "message").as_string().unwrap_or_default();
    let message = get(error, "message").as_string().unwrap_or_default();
    let never_opened = NOT_SENT.contains(&code.as_str())
        || cause_message == "bad port"
        || message.contains("Connection refused")
        || message.contains("dns error");
    if never_opened {
        Delivery::NotSent
    } else {
        Delivery::Unknown
    }
}

fn network(cause: JsValue, delivery: Delivery) -> AttemptError {
    let mut message =
        get(&cause, "message").as_string().or_else(|| cause.as_string()).unwrap_or_else(|| "fetch failed".into());
    let inner = get(&get(&cause, "cause"), "message").as_string();
    if let Some(inner) = inner.filter(|m| !m.is_empty()) {
        message.push_str(" (");
        message.push_str(&inner);
        message.push(')');
    }
    AttemptError::Network(Error::new(codes::CLIENT_NETWORK_ERROR, message), cause, delivery)
}
