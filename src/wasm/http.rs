//! One HTTP attempt: POST the exact body bytes, bounded in time, and read at most
//! [`MAX_RESPONSE_BYTES`] of the answer.
//!
//! The response is read through `Reflect` and `Function::call*`, which catch, rather than typed
//! imports, which do not: a custom `fetch` may return something Response-like but odd, and an
//! exception thrown straight through wasm would leave the caller's promise unsettled forever.

use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, RequestInit};

use super::abort::{race, Stop};
use super::js::global_fetch;
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
    /// The caller aborted, or the attempt's time ran out.
    Stop(Stop),
    /// The network failed (or the answer was unreadable), having got this far.
    Network(Error, JsValue, Delivery),
}

pub fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Calls `target[method]()`, as a promise.
fn call(target: &JsValue, method: &str) -> Result<JsFuture, JsValue> {
    let f: Function = get(target, method).dyn_into().map_err(|_| JsValue::from_str(method))?;
    let value = f.call0(target)?;
    Ok(JsFuture::from(Promise::resolve(&value)))
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
        read(&response).await
    };
    match race(work, signal, limit_ms).await {
        Ok(result) => result,
        Err(stop) => {
            if let Some(c) = controller {
                match &stop {
                    Stop::Aborted(reason) => c.abort_with_reason(reason),
                    Stop::TimedOut => c.abort(),
                }
            }
            Err(AttemptError::Stop(stop))
        }
    }
}

async fn read(response: &JsValue) -> Result<Answer, AttemptError> {
    let status = get(response, "status").as_f64().filter(|s| (100.0..1000.0).contains(s)).ok_or_else(|| {
        let e = Error::new(codes::CLIENT_NETWORK_ERROR, "fetch resolved to something that is not a Response");
        AttemptError::Network(e, JsValue::UNDEFINED, Delivery::Unknown)
    })? as u16;
    let date = header(response, "date");
    let body = read_body(response, MAX_RESPONSE_BYTES).await.map_err(|e| match e {
        BodyError::TooLarge(start) => {
            let problem = format!("response body is larger than {MAX_RESPONSE_BYTES} bytes");
            let e = if status == 200 {
                Error::invalid_response(problem)
            } else {
                Error::new(codes::SERVER_NETWORK_ERROR, format!("HTTP {status}: {problem}")).with_http_status(status)
            };
            AttemptError::Network(naming_task(e, &start), JsValue::UNDEFINED, Delivery::Answered)
        }
        // The connection dropped mid-answer: the request was surely sent.
        BodyError::Failed(cause, start) => match network(cause, Delivery::Unknown) {
            AttemptError::Network(e, cause, delivery) => AttemptError::Network(naming_task(e, &start), cause, delivery),
            other => other,
        },
    })?;
    Ok(Answer { status, date, body })
}

/// `message.headers.get(name)` of a Request or Response (or anything shaped like one).
pub fn header(message: &JsValue, name: &str) -> Option<String> {
    let headers = get(message, "headers");
    let get_fn: Function = get(&headers, "get").dyn_into().ok()?;
    get_fn.call1(&headers, &JsValue::from_str(name)).ok()?.as_string()
}

/// Why a body could not be read; each keeps the bytes that did arrive.
pub enum BodyError {
    /// It is longer than the limit.
    TooLarge(Vec<u8>),
    /// The stream failed.
    Failed(JsValue, Vec<u8>),
}

/// An error about an answer that could not be read whole, with the task id its first bytes name,
/// if any (see [`salvage_task_id`]).
pub fn naming_task(error: Error, start: &[u8]) -> Error {
    match salvage_task_id(start) {
        Some(id) => error.map_message(|m| format!("{m} (the answer names task {id})")).with_task_id(&id),
        None => error,
    }
}

/// Reads the body of a Request or Response chunk by chunk, stopping as soon as it exceeds `limit`.
pub async fn read_body(response: &JsValue, limit: usize) -> Result<Vec<u8>, BodyError> {
    // A declared length within the limit is read in one go: a web-streams reader costs a promise
    // round trip per chunk, measured at a fifth of a describe's time in Node.
    let declared = header(response, "content-length").and_then(|n| n.trim().parse::<usize>().ok());
    let stream = get(response, "body");
    let reader = match declared {
        Some(n) if n <= limit => None,
        _ if stream.is_object() => call_sync(&stream, "getReader"),
        _ => None,
    };
    let mut out = Vec::new();
    let Some(reader) = reader else {
        // A known, small length, no stream (a body-less answer), or a fetch polyfill: take it whole,
        // still checking the size (a declared length can lie).
        let failed = |cause| BodyError::Failed(cause, Vec::new());
        let buffer = call(response, "arrayBuffer").map_err(failed)?.await.map_err(failed)?;
        let bytes = Uint8Array::new(&buffer);
        if bytes.length() as usize > limit {
            return Err(BodyError::TooLarge(bytes.subarray(0, limit as u32).to_vec()));
        }
        return Ok(bytes.to_vec());
    };
    loop {
        let chunk = match call(&reader, "read") {
            Ok(next) => next.await,
            Err(e) => Err(e),
        };
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(cause) => return Err(BodyError::Failed(cause, out)),
        };
        if get(&chunk, "done").is_truthy() {
            return Ok(out);
        }
        let value = get(&chunk, "value");
        let Some(bytes) = value.dyn_ref::<Uint8Array>() else {
            return Err(BodyError::Failed(JsValue::from_str("a body chunk was not bytes"), out));
        };
        let start = out.len();
        if start + bytes.length() as usize > limit {
            if let Ok(cancelled) = call(&reader, "cancel") {
                drop(cancelled); // not awaited: the connection is abandoned either way
            }
            return Err(BodyError::TooLarge(out));
        }
        out.resize(start + bytes.length() as usize, 0);
        bytes.copy_to(&mut out[start..]);
    }
}

fn call_sync(target: &JsValue, method: &str) -> Option<JsValue> {
    let f: Function = get(target, method).dyn_into().ok()?;
    f.call0(target).ok()
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
