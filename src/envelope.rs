//! Reading an API answer: `{"Response": {...}}` on success, `{"Response": {"Error": {...}}}` on
//! failure, and everything else as a clear error. Never panics, whatever the bytes.

use core::ops::Range;

use crate::error::{codes, Error};
use crate::json::{self, decimal, Map, Reader, Value};
use crate::prelude::*;

/// The largest answer read. Real ones are a few kilobytes; a huge body is a wrong endpoint or an
/// attack, and reading it would only waste memory.
pub const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// Parses an answer into the `Response` object, or the error it carries.
///
/// - HTTP 200 with a Tencent error: that error (code, message, `RequestId`).
/// - HTTP 200 with anything but the envelope: `InvalidResponse`.
/// - Another status with a Tencent error body (a signing proxy answers this way): that error.
/// - Another status otherwise: `ServerNetworkError`.
pub fn parse(http_status: u16, body: &[u8]) -> Result<Map, Error> {
    if body.len() > MAX_RESPONSE_BYTES {
        let problem = ["response body is larger than ", &decimal(MAX_RESPONSE_BYTES as u64), " bytes"].concat();
        return Err(if http_status == 200 {
            Error::invalid_response(problem)
        } else {
            server_network_error(http_status, &[])
        });
    }
    // Read as JavaScript reads it: a stray byte or half an emoji in a message is no reason to
    // take a task that was made, or that failed, for a garbled answer.
    let json = json::parse_lossy(body);
    let is_json = json.is_ok();
    let envelope = json.ok().and_then(envelope);
    if http_status != 200 {
        return Err(match envelope {
            Some(Envelope::Failure(error)) => error.with_http_status(http_status),
            _ => server_network_error(http_status, body),
        });
    }
    match envelope {
        Some(Envelope::Success(response)) => Ok(response),
        Some(Envelope::Failure(error)) => Err(error),
        Some(Envelope::Malformed(problem)) => Err(Error::invalid_response(problem)),
        None if is_json => Err(Error::invalid_response(["response has no Response object: ", &preview(body)].concat())),
        None => Err(Error::invalid_response(["response is not JSON: ", &preview(body)].concat())),
    }
}

/// What a JSON answer holds.
enum Envelope {
    /// `{"Response": {..., "RequestId": "..."}}`.
    Success(Map),
    /// `{"Response": {"Error": {"Code": "...", "Message": "..."}, "RequestId": "..."}}`.
    Failure(Error),
    /// `{"Response": ...}` that is neither.
    Malformed(&'static str),
}

/// Reads `{"Response": ...}`; `None` when the value is not that shape at all.
fn envelope(value: Value) -> Option<Envelope> {
    let Value::Object(mut top) = value else { return None };
    let Some(Value::Object(mut response)) = top.remove("Response") else { return None };
    let request_id = match response.get("RequestId") {
        Some(Value::String(id)) => Some(id.clone()),
        _ => None,
    };
    Some(match response.remove("Error") {
        Some(Value::Object(error)) => match (error.get("Code"), error.get("Message")) {
            (Some(Value::String(code)), message) if !code.is_empty() => {
                let message = match message {
                    Some(Value::String(m)) => m.as_str(),
                    _ => "",
                };
                Envelope::Failure(Error::api(code, message, request_id.as_deref(), 200))
            }
            _ => Envelope::Malformed("Response.Error has no Code"),
        },
        Some(_) => Envelope::Malformed("Response.Error is not an object"),
        None if request_id.is_none() => Envelope::Malformed("Response has no RequestId"),
        None => Envelope::Success(response),
    })
}

/// The `TaskId` in an answer, even one that could not be read whole (cut off, garbled, too big),
/// if the bytes that did arrive still name one: where its JSON string stands in `body`, quotes
/// included (the signing proxy puts a handle there), and the id it spells, escapes decoded. A
/// create that failed this way may have made a task, and its id is the one thing the caller needs
/// to find it: no task id is dropped.
pub fn task_id_span(body: &[u8]) -> Option<(Range<usize>, String)> {
    let rest = after_task_id_key(body)?;
    let start = body.len() - rest.len();
    if rest.first() != Some(&b'"') {
        return None;
    }
    // The closing quote: the first one no backslash escapes.
    let mut at = 1;
    loop {
        match rest.get(at)? {
            b'"' => break,
            b'\\' => at += 2,
            _ => at += 1,
        }
    }
    let token = core::str::from_utf8(&rest[..=at]).ok()?;
    let Ok(Value::String(id)) = json::parse_str(token) else { return None };
    let plausible = !id.is_empty() && id.len() <= 256 && id.bytes().all(|b| b.is_ascii_graphic());
    plausible.then_some((start..start + at + 1, id))
}

/// The task an answer names, for a create's error: as [`task_id_span`], but lossily (a stray byte
/// in the id is U+FFFD, and so not a plausible id), and a number (which JavaScript could not hold
/// exactly) is kept as its text, if the answer goes on after it (else it may be cut short).
pub fn named_task_id(body: &[u8]) -> Option<String> {
    let rest = after_task_id_key(body)?;
    // Enough for any plausible id, escaped: a huge answer is not copied.
    let rest = String::from_utf8_lossy(&rest[..rest.len().min(2048)]);
    let mut reader = Reader::lossy(&rest);
    let id = match reader.value(true).ok()? {
        Value::String(id) => id,
        Value::Number(n) if reader.end().is_err() => n.as_str().to_owned(),
        _ => return None,
    };
    let plausible = !id.is_empty() && id.len() <= 256 && id.bytes().all(|b| b.is_ascii_graphic());
    plausible.then_some(id)
}

/// The bytes after the first `"TaskId":` of a body (a `"TaskId"` that is not followed by a colon
/// is a string value, not the key).
fn after_task_id_key(body: &[u8]) -> Option<&[u8]> {
    const KEY: &[u8] = b"\"TaskId\"";
    let mut from = 0;
    loop {
        let start = from + body[from..].windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
        if let Some(value) = trim_json_space(&body[start..]).strip_prefix(b":") {
            return Some(trim_json_space(value));
        }
        from = start;
    }
}

fn trim_json_space(bytes: &[u8]) -> &[u8] {
    let skip = bytes.iter().take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')).count();
    &bytes[skip..]
}

fn server_network_error(http_status: u16, body: &[u8]) -> Error {
    let mut message = ["HTTP ", &decimal(u64::from(http_status))].concat();
    if !body.is_empty() {
        message.push_str(": ");
        message.push_str(&preview(body));
    }
    Error::new(codes::SERVER_NETWORK_ERROR, message).with_http_status(http_status)
}

/// The start of a body, printable, for an error message (`<html><head>...`).
fn preview(body: &[u8]) -> String {
    const MAX: usize = 80;
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX * 4)]);
    let mut out: String = text.chars().take(MAX).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if text.chars().count() > MAX {
        out.push_str("...");
    }
    if out.trim().is_empty() {
        out = "(empty)".to_owned();
    }
    out
}
