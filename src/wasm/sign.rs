//! `signTc3`: the signer on its own, for callers who send requests themselves.

use std::cell::RefCell;

use js_sys::{ArrayBuffer, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use super::clock::wall_ms;
use super::errors::to_js;
use super::options::Options;
use crate::error::Error;
use crate::secret::Credentials;
use crate::tc3::{SignInput, Signer, DEFAULT_CONTENT_TYPE};
use crate::{API_VERSION, DEFAULT_HOST, SERVICE};

const SIGN_OPTIONS: &[&str] = &[
    "secretId",
    "secretKey",
    "token",
    "service",
    "host",
    "action",
    "version",
    "timestamp",
    "body",
    "contentType",
    "region",
    "language",
    "signActionHeader",
];

thread_local! {
    /// The module's signer: repeated signatures with one key on one day reuse the signing key.
    static SIGNER: RefCell<Signer> = RefCell::new(Signer::new());
}

/// Signs one request: `{ authorization, signature, headers }`, where `headers` holds every header
/// to send except `Host`. Throws `MpsError` on bad input.
#[wasm_bindgen(js_name = signTc3)]
pub fn sign_tc3(options: JsValue) -> Result<JsValue, JsValue> {
    sign(&options).map_err(|e| to_js(&e, &JsValue::UNDEFINED))
}

fn sign(options: &JsValue) -> Result<JsValue, Error> {
    let o = Options::new(options, "signTc3 options", SIGN_OPTIONS)?;
    let required = |key: &str, value: Option<String>| value.ok_or_else(|| Error::missing_parameter(key, "is required"));
    let secret_id = required("secretId", o.header("secretId")?)?;
    let secret_key = required("secretKey", o.string("secretKey")?.filter(|k| !k.is_empty()))?;
    let action = required("action", o.header("action")?)?;
    let service = o.header("service")?.unwrap_or_else(|| SERVICE.to_owned());
    let host = o.header("host")?.unwrap_or_else(|| DEFAULT_HOST.to_owned());
    let version = o.header("version")?.unwrap_or_else(|| API_VERSION.to_owned());
    let content_type = o.header("contentType")?.unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_owned());
    let region = o.header("region")?;
    let language = o.header("language")?;
    let sign_action_header = match o.get("signActionHeader") {
        None => false,
        Some(v) => v.as_bool().ok_or_else(|| Error::invalid_parameter("signActionHeader", "must be true or false"))?,
    };
    let timestamp = match o.get("timestamp") {
        None => (wall_ms() / 1000.0).floor() as u64,
        Some(v) => match v.as_f64() {
            Some(t) if t >= 0.0 && t.fract() == 0.0 && t < 1e11 => t as u64,
            _ => return Err(Error::invalid_parameter("timestamp", "must be whole Unix seconds")),
        },
    };
    let body = body_bytes(o.get("body"))?;

    let mut credentials = Credentials::new(secret_id, secret_key);
    if let Some(token) = o.header("token")? {
        credentials = credentials.with_token(token);
    }
    let input = SignInput {
        service: &service,
        host: &host,
        action: &action,
        version: &version,
        timestamp,
        content_type: &content_type,
        body: &body,
        region: region.as_deref(),
        language: language.as_deref(),
        sign_action_header,
    };
    let signed = SIGNER.with(|s| s.borrow_mut().sign(&credentials, &input));

    let headers = Object::new();
    for (name, value) in &signed.headers {
        let _ = Reflect::set(&headers, &JsValue::from_str(name), &JsValue::from_str(value));
    }
    let result = Object::new();
    let _ = Reflect::set(&result, &"authorization".into(), &JsValue::from_str(&signed.authorization));
    let _ = Reflect::set(&result, &"signature".into(), &JsValue::from_str(&signed.signature));
    let _ = Reflect::set(&result, &"headers".into(), &headers);
    Ok(result.into())
}

/// The exact bytes to sign: a string (as UTF-8, the way fetch sends it), a `Uint8Array` or an
/// `ArrayBuffer`.
fn body_bytes(body: Option<JsValue>) -> Result<Vec<u8>, Error> {
    let Some(body) = body else {
        return Err(Error::missing_parameter("body", "is required (the exact request body, e.g. \"{}\")"));
    };
    if let Some(text) = body.as_string() {
        return Ok(text.into_bytes());
    }
    if let Some(bytes) = body.dyn_ref::<Uint8Array>() {
        return Ok(bytes.to_vec());
    }
    if body.is_instance_of::<ArrayBuffer>() {
        return Ok(Uint8Array::new(&body).to_vec());
    }
    Err(Error::invalid_parameter("body", "must be a string, a Uint8Array or an ArrayBuffer"))
}
