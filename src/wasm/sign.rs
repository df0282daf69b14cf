//! `signTc3`: the signer on its own, for callers who send requests themselves (the `standalone`
//! feature: no client call uses it, so a Node client's wasm is built without it).

use crate::prelude::*;
use alloc::boxed::Box;
use core::cell::RefCell;

use wasm_bindgen::prelude::*;

use super::errors::thrown;
use super::js::kind_of;
use super::options::Options;
use crate::error::Error;
use crate::secret::Credentials;
use crate::tc3::{is_header_value, SignInput, Signer, DEFAULT_CONTENT_TYPE};
use crate::vocabulary::SIGN_OPTIONS;
use crate::{API_VERSION, DEFAULT_HOST, SERVICE};

/// The module's signer: repeated signatures with one key on one day reuse the signing key.
static SIGNER: OneThread<RefCell<Signer>> = OneThread(RefCell::new(Signer::new()));

/// A static for the one thread this wasm runs on (`thread_local!` needs `std`, which the published
/// build does without). A build with threads (the `atomics` target feature) would refuse it.
struct OneThread<T>(T);

// SAFETY: without the `atomics` target feature, wasm32 code runs on a single thread: no other
// thread can ever see the value.
#[cfg(not(target_feature = "atomics"))]
unsafe impl<T> Sync for OneThread<T> {}

/// Checks that `options` is an object holding only `signTc3`'s option names (a typo would otherwise
/// be silently ignored); the wrapper then reads the values itself, which is faster than reading
/// them from here one `Reflect.get` at a time.
#[wasm_bindgen(js_name = checkSignOptions)]
pub fn check_sign_options(options: JsValue) -> Result<(), JsValue> {
    if options.is_undefined() || options.is_null() {
        let problem = ["must be an object, got ", &kind_of(&options)].concat();
        return Err(thrown(Error::invalid_parameter("signTc3 options", &problem)));
    }
    Options::new(&options, "signTc3 options", SIGN_OPTIONS).map(|_| ()).map_err(thrown)
}

/// The signer behind `signTc3`. The JS wrapper (api.js) reads the options object and checks that
/// each value has the right type; this checks the values and signs. The result comes back as one
/// string, `authorization \n signature \n name \n value \n ...` (header values never hold a line
/// break: they are checked to be printable ASCII), because every string that crosses the boundary
/// costs more than a signature's arithmetic: reading the options here, one `Reflect.get` at a time,
/// made `signTc3` ten times slower than the signing itself.
#[wasm_bindgen(js_name = signTc3Values)]
#[allow(clippy::too_many_arguments)]
pub fn sign_tc3_values(
    secret_id: String,
    secret_key: String,
    token: Option<String>,
    service: Option<String>,
    host: Option<String>,
    action: String,
    version: Option<String>,
    timestamp: Option<f64>,
    body_text: Option<String>,
    body_bytes: Option<Box<[u8]>>,
    content_type: Option<String>,
    region: Option<String>,
    language: Option<String>,
    sign_action_header: bool,
) -> Result<String, JsValue> {
    let body = match (&body_text, &body_bytes) {
        (Some(text), _) => text.as_bytes(),
        (None, Some(bytes)) => bytes,
        (None, None) => &[],
    };
    let checked = || -> Result<String, Error> {
        let secret_id = header_value("secretId", Some(required("secretId", secret_id)?))?.unwrap_or_default();
        let secret_key = required("secretKey", secret_key)?;
        let action = header_value("action", Some(required("action", action)?))?.unwrap_or_default();
        let service = header_value("service", service)?.unwrap_or_else(|| SERVICE.to_owned());
        let host = header_value("host", host)?.unwrap_or_else(|| DEFAULT_HOST.to_owned());
        let version = header_value("version", version)?.unwrap_or_else(|| API_VERSION.to_owned());
        let content_type =
            header_value("contentType", content_type)?.unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_owned());
        let region = header_value("region", region)?;
        let language = header_value("language", language)?;
        let token = header_value("token", token)?;
        let timestamp = match timestamp {
            None => return Err(Error::missing_parameter("timestamp", "is required")),
            Some(t) if t >= 0.0 && t == libm::trunc(t) && t < 1e11 => t as u64,
            Some(_) => return Err(Error::invalid_parameter("timestamp", "must be whole Unix seconds")),
        };
        let mut credentials = Credentials::new(secret_id, secret_key);
        if let Some(token) = token {
            credentials = credentials.with_token(token);
        }
        let input = SignInput {
            service: &service,
            host: &host,
            action: &action,
            version: &version,
            timestamp,
            content_type: &content_type,
            body,
            region: region.as_deref(),
            language: language.as_deref(),
            sign_action_header,
        };
        let signed = SIGNER.0.borrow_mut().sign(&credentials, &input);

        let mut packed = String::with_capacity(512);
        packed.push_str(&signed.authorization);
        packed.push('\n');
        packed.push_str(&signed.signature);
        for (name, value) in &signed.headers {
            packed.push('\n');
            packed.push_str(name);
            packed.push('\n');
            packed.push_str(value);
        }
        Ok(packed)
    };
    checked().map_err(thrown)
}

/// A value that is sent as a header (or signed as one) must be printable ASCII.
fn header_value(field: &str, value: Option<String>) -> Result<Option<String>, Error> {
    match value {
        Some(v) if !is_header_value(&v) => Err(Error::invalid_parameter(
            field,
            "must be non-empty printable ASCII without surrounding spaces (it is sent in a header)",
        )),
        other => Ok(other),
    }
}

fn required(field: &str, value: String) -> Result<String, Error> {
    if value.is_empty() {
        return Err(Error::missing_parameter(field, "is required"));
    }
    Ok(value)
}

/// `hex(HMAC-SHA256(key, message))` (both as UTF-8): webhook signatures, `X-Mps-Signature`. For
/// the Cloudflare coordinator, which runs on the proxy's wasm: built with the `proxy` feature.
#[cfg(feature = "proxy")]
#[wasm_bindgen(js_name = hmacSha256Hex)]
pub fn hmac_sha256_hex(key: &str, message: &str) -> String {
    crate::tc3::hmac_sha256_hex(key.as_bytes(), message.as_bytes())
}
