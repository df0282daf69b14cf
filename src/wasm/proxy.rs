//! `createSigningProxy`: a fetch handler that signs callers' requests with the proxy's own keys.
//!
//! The decisions are [`crate::proxy::ProxyPolicy`]'s; this reads the request, asks it, and turns
//! every outcome, failures included, into a `Response`: the handler never rejects.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use web_sys::{Response, ResponseInit};

use super::abort::{race, Stop};
use super::client::{is_language, Inner};
use super::clock::random;
use super::errors::{to_js, Failure};
use super::http::{bounded_string, get, header_bounded, read_body, BodyError, TooLong, MAX_HEADER_UNITS};
use super::options::Options;
use crate::error::Error;
use crate::proxy::{self, ProxyPolicy, Refusal, Verdict, ALLOWED_HEADERS, DEFAULT_ACTIONS, DEFAULT_MAX_BODY_BYTES};

const PROXY_OPTIONS: &[&str] = &[
    "secretId",
    "secretKey",
    "token",
    "credentials",
    "upstream",
    "region",
    "allowActions",
    "proxyTokens",
    "allowOrigins",
    "maxBodyBytes",
    "fetch",
    "timeoutMs",
    "bodyTimeoutMs",
    "path",
];

/// Upstream time limit by default: under the client's 30 s, so the client hears why.
const DEFAULT_UPSTREAM_TIMEOUT_MS: f64 = 25_000.0;
/// How long a caller may take to send its body by default (a slow body holds a connection).
const DEFAULT_BODY_TIMEOUT_MS: f64 = 10_000.0;

struct Proxy {
    upstream: Inner,
    policy: ProxyPolicy,
    body_timeout_ms: f64,
}

/// A signing proxy. In JavaScript, `createSigningProxy(options)` returns its `fetch`.
#[wasm_bindgen]
pub struct SigningProxy {
    proxy: Rc<Proxy>,
}

#[wasm_bindgen]
impl SigningProxy {
    /// Checks every option; throws `MpsError` on bad ones (a proxy that would sign for anyone
    /// included).
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<SigningProxy, JsValue> {
        Proxy::from_options(&options)
            .map(|p| SigningProxy { proxy: Rc::new(p) })
            .map_err(|e| to_js(&e, &JsValue::UNDEFINED))
    }

    /// Answers one request. The promise always resolves, with a `Response`.
    pub fn fetch(&self, request: JsValue) -> Promise {
        let proxy = self.proxy.clone();
        future_to_promise(async move {
            let response = proxy.handle(&request).await;
            Ok(response.unwrap_or_else(|refusal| refuse(&refusal, None)))
        })
    }
}

impl Proxy {
    fn from_options(value: &JsValue) -> Result<Proxy, Error> {
        let o = Options::new(value, "createSigningProxy options", PROXY_OPTIONS)?;
        let timeout_ms = o.millis("timeoutMs")?.unwrap_or(DEFAULT_UPSTREAM_TIMEOUT_MS);
        let upstream = Inner::for_proxy(&o, timeout_ms)?;
        let allow_actions = match o.strings("allowActions")? {
            Some(actions) => {
                if let Some(bad) =
                    actions.iter().find(|a| a.is_empty() || !a.bytes().all(|b| b.is_ascii_alphanumeric()))
                {
                    return Err(Error::invalid_value(
                        "allowActions",
                        &format!("holds {bad:?}, which is not an action name"),
                    ));
                }
                actions
            }
            None => DEFAULT_ACTIONS.iter().map(|a| (*a).to_owned()).collect(),
        };
        let tokens = o.strings("proxyTokens")?.unwrap_or_default();
        if tokens.iter().any(|t| t.len() < 16 || !crate::tc3::is_header_value(t)) {
            return Err(Error::invalid_value(
                "proxyTokens",
                "must be printable ASCII of at least 16 characters each (they are bearer secrets)",
            ));
        }
        let origins = o.strings("allowOrigins")?.unwrap_or_default();
        if let Some(bad) = origins.iter().find(|o| !is_origin(o)) {
            return Err(Error::invalid_value(
                "allowOrigins",
                &format!("holds {bad:?}; origins look like https://app.example or http://127.0.0.1:8080 (or \"*\")"),
            ));
        }
        let max_body_bytes = o.integer("maxBodyBytes", 1, 10 << 20)?.map_or(DEFAULT_MAX_BODY_BYTES, |n| n as usize);
        let path = o.string("path")?.unwrap_or_else(|| "/".to_owned());
        if !path.starts_with('/') {
            return Err(Error::invalid_value("path", "must start with /"));
        }
        let policy = ProxyPolicy::new(allow_actions, &tokens, origins, max_body_bytes, path);
        if !policy.has_gate() {
            return Err(Error::missing_parameter(
                "proxyTokens",
                "(or allowOrigins) is required: without either the proxy would sign for anyone",
            ));
        }
        let body_timeout_ms = o.millis("bodyTimeoutMs")?.unwrap_or(DEFAULT_BODY_TIMEOUT_MS);
        Ok(Proxy { upstream, policy, body_timeout_ms })
    }

    async fn handle(&self, request: &JsValue) -> Result<JsValue, Refusal> {
        // Everything is the caller's and is read with its length checked first: a 10 MB header is
        // refused, not copied into wasm memory (which never shrinks).
        let method = match bounded_string(&get(request, "method"), 16) {
            Ok(m) => m.unwrap_or_default().to_ascii_uppercase(),
            Err(TooLong) => String::from("(too long)"),
        };
        let url = bounded_string(&get(request, "url"), MAX_HEADER_UNITS).map_err(|_| proxy::uri_too_long())?;
        let path = url.and_then(|u| web_sys::Url::new(&u).ok()).map(|u| u.pathname()).unwrap_or_default();
        let read = |name: &str| header_bounded(request, name).map_err(|_| proxy::headers_too_large());
        let origin = read("origin")?;
        let authorization = read("authorization")?;
        let action = read("x-tc-action")?;
        let language = read("x-tc-language")?.filter(|l| is_language(l));
        let content_length = read("content-length")?.and_then(|n| n.trim().parse().ok());
        let incoming = proxy::Incoming {
            method: &method,
            path: &path,
            origin: origin.as_deref(),
            authorization: authorization.as_deref(),
            action: action.as_deref(),
            content_length,
        };
        let cors = self.policy.cors_origin(origin.as_deref());
        let action = match self.policy.decide(&incoming) {
            Verdict::Preflight => return Ok(preflight(cors.as_deref())),
            Verdict::Refuse(refusal) => return Ok(refuse(&refusal, cors.as_deref())),
            Verdict::Forward(action) => action,
        };
        // One byte over the limit is enough to know it is too big.
        let received = RefCell::new(Vec::new());
        let read =
            race(read_body(request, self.policy.max_body_bytes + 1, &received), None, Some(self.body_timeout_ms)).await;
        let body = match read {
            Ok(Ok(())) => received.take(),
            Ok(Err(BodyError::TooLarge)) => return Ok(refuse(&self.policy.too_large(), cors.as_deref())),
            Ok(Err(BodyError::Failed(_))) => return Ok(refuse(&proxy::unreadable_body(), cors.as_deref())),
            Err(Stop::TimedOut | Stop::Aborted(_)) => return Ok(refuse(&proxy::body_timeout(), cors.as_deref())),
        };
        if let Err(refusal) = self.policy.check_body(&body) {
            return Ok(refuse(&refusal, cors.as_deref()));
        }
        match self.upstream.forward(&action, &body, language.as_deref()).await {
            Ok(answer) => {
                let body = self.upstream.redact_bytes(answer.body);
                Ok(respond(answer.status, Some(body), cors.as_deref(), &[("Content-Type", "application/json")]))
            }
            Err(Failure::Deadline) => Ok(refuse(&proxy::upstream_failed(true), cors.as_deref())),
            Err(Failure::Mps(e, _)) if e.code() == crate::error::codes::CLIENT_CREDENTIALS_ERROR => {
                Ok(refuse(&proxy::internal("the proxy's credentials function failed"), cors.as_deref()))
            }
            Err(_) => Ok(refuse(&proxy::upstream_failed(false), cors.as_deref())),
        }
    }
}

/// `https://host[:port]`, `http://host[:port]`, or `*`: what browsers send as `Origin`.
fn is_origin(text: &str) -> bool {
    if text == "*" {
        return true;
    }
    match web_sys::Url::new(text) {
        Ok(url) => (url.protocol() == "https:" || url.protocol() == "http:") && url.origin() == text,
        Err(_) => false,
    }
}

fn respond(status: u16, body: Option<Vec<u8>>, cors: Option<&str>, extra: &[(&str, &str)]) -> JsValue {
    let headers = Object::new();
    let set = |name: &str, value: &str| {
        let _ = Reflect::set(&headers, &JsValue::from_str(name), &JsValue::from_str(value));
    };
    for (name, value) in extra {
        set(name, value);
    }
    if let Some(origin) = cors {
        set("Access-Control-Allow-Origin", origin);
        set("Vary", "Origin");
    }
    let init = ResponseInit::new();
    init.set_status(status);
    init.set_headers(&headers);
    let response = match body {
        Some(bytes) => Response::new_with_opt_js_u8_array_and_init(Some(&Uint8Array::from(bytes.as_slice())), &init),
        None => Response::new_with_opt_str_and_init(None, &init),
    };
    response.map(JsValue::from).unwrap_or(JsValue::NULL)
}

fn refuse(refusal: &Refusal, cors: Option<&str>) -> JsValue {
    let request_id = format!("proxy-{:016x}", (random() * 18_446_744_073_709_551_615.0) as u64);
    let body = refusal.body(&request_id).into_bytes();
    respond(refusal.status, Some(body), cors, &[("Content-Type", "application/json")])
}

fn preflight(cors: Option<&str>) -> JsValue {
    respond(
        204,
        None,
        cors,
        &[
            ("Access-Control-Allow-Methods", "POST, OPTIONS"),
            ("Access-Control-Allow-Headers", ALLOWED_HEADERS),
            ("Access-Control-Max-Age", "600"),
        ],
    )
}
