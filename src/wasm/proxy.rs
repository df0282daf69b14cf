//! `Proxy`: what the JavaScript signing-proxy handler needs from Rust: its options checked, the
//! decisions of [`crate::proxy::ProxyPolicy`] on each request, and the upstream signing state it
//! shares with clients ([`Upstream`]). The handler reads the request and sends; it never rejects.

use std::rc::Rc;

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use super::call::Call;
use super::config::{combined_credentials, read_endpoint, read_fetch, read_keys, Auth};
use super::errors::thrown;
use super::options::Options;
use super::upstream::{Link, Upstream};
use crate::error::Error;
use crate::policy::call::{self, Op};
use crate::proxy::{self, Incoming, ProxyPolicy, Refusal, Verdict, ALLOWED_HEADERS, DEFAULT_MAX_BODY_BYTES};
use crate::vocabulary::PROXY_OPTIONS;

/// Upstream time limit by default: under the client's 30 s, so the client hears why.
const DEFAULT_UPSTREAM_TIMEOUT_MS: f64 = 25_000.0;
/// How long a caller may take to send its body by default (a slow body holds a connection).
const DEFAULT_BODY_TIMEOUT_MS: f64 = 10_000.0;

/// A signing proxy's policy and signing state.
#[wasm_bindgen]
pub struct Proxy {
    upstream: Rc<Upstream>,
    policy: ProxyPolicy,
    body_timeout_ms: f64,
}

#[wasm_bindgen]
impl Proxy {
    /// Checks every option; throws `MpsError` on bad ones (a proxy that would sign for anyone
    /// included).
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Proxy, JsValue> {
        read(&options).map_err(thrown)
    }

    /// Where requests go, the `fetch`, and signing.
    #[wasm_bindgen(getter)]
    pub fn upstream(&self) -> Link {
        Link::new(&self.upstream)
    }

    /// How long a caller may take to send its body.
    #[wasm_bindgen(getter, js_name = bodyTimeoutMs)]
    pub fn body_timeout_ms(&self) -> f64 {
        self.body_timeout_ms
    }

    /// The largest body forwarded.
    #[wasm_bindgen(getter, js_name = maxBodyBytes)]
    pub fn max_body_bytes(&self) -> usize {
        self.policy.max_body_bytes
    }

    #[allow(clippy::too_many_arguments)]
    /// What to do with a request, from its head: `{ verdict: "preflight" | "refuse" | "forward",
    /// action?, status?, body?, cors? }`. `content_length` is `NaN` when not given.
    pub fn decide(
        &self,
        method: &str,
        path: &str,
        origin: Option<String>,
        authorization: Option<String>,
        action: Option<String>,
        content_length: f64,
        request_id: &str,
    ) -> JsValue {
        let incoming = Incoming {
            method,
            path,
            origin: origin.as_deref(),
            authorization: authorization.as_deref(),
            action: action.as_deref(),
            content_length: (content_length >= 0.0).then_some(content_length as u64),
        };
        let cors = self.policy.cors_origin(origin.as_deref());
        let out = Object::new();
        let set = |key: &str, value: JsValue| {
            let _ = Reflect::set(&out, &JsValue::from_str(key), &value);
        };
        if let Some(cors) = &cors {
            set("cors", cors.as_str().into());
        }
        match self.policy.decide(&incoming) {
            Verdict::Preflight => {
                set("verdict", "preflight".into());
                set("allowHeaders", ALLOWED_HEADERS.into());
            }
            Verdict::Refuse(refusal) => {
                set("verdict", "refuse".into());
                set_refusal(&out, &refusal, request_id);
            }
            Verdict::Forward(action) => {
                set("verdict", "forward".into());
                set("action", action.into());
            }
        }
        out.into()
    }

    /// A body that was read: `undefined` when it may go, else `{ status, body }` refusing it.
    #[wasm_bindgen(js_name = checkBody)]
    pub fn check_body(&self, body: &[u8], request_id: &str) -> JsValue {
        match self.policy.check_body(body) {
            Ok(()) => JsValue::UNDEFINED,
            Err(refusal) => refusal_value(&refusal, request_id),
        }
    }

    /// A refusal by name, for what the handler itself notices: `too-large`, `unreadable-body`,
    /// `headers-too-large`, `uri-too-long`, `body-timeout`, `upstream-timeout`,
    /// `upstream-unreachable`, `credentials-failed`, `bad-upstream-status`.
    pub fn refusal(&self, what: &str, request_id: &str) -> JsValue {
        let refusal = match what {
            "too-large" => self.policy.too_large(),
            "unreadable-body" => proxy::unreadable_body(),
            "headers-too-large" => proxy::headers_too_large(),
            "uri-too-long" => proxy::uri_too_long(),
            "body-timeout" => proxy::body_timeout(),
            "upstream-timeout" => proxy::upstream_failed(true),
            "upstream-unreachable" => proxy::upstream_failed(false),
            "credentials-failed" => proxy::internal("the proxy's credentials function failed"),
            _ => proxy::internal("the proxy failed"),
        };
        refusal_value(&refusal, request_id)
    }

    /// The forward's machine: one attempt, the clock fixed once.
    pub fn start(&self, action: &str) -> Call {
        Call::new(call::Call::new(Op::Forward, 0, None), self.upstream.clone(), action)
    }

    /// An upstream answer, with the proxy's secrets removed should it contain them.
    pub fn redact(&self, body: Vec<u8>) -> Vec<u8> {
        self.upstream.redact_bytes(body)
    }
}

fn set_refusal(out: &Object, refusal: &Refusal, request_id: &str) {
    let _ = Reflect::set(out, &"status".into(), &refusal.status.into());
    let _ = Reflect::set(out, &"body".into(), &refusal.body(request_id).into());
}

fn refusal_value(refusal: &Refusal, request_id: &str) -> JsValue {
    let out = Object::new();
    set_refusal(&out, refusal, request_id);
    out.into()
}

fn read(value: &JsValue) -> Result<Proxy, Error> {
    let o = Options::new(value, "createSigningProxy options", PROXY_OPTIONS)?;
    let auth = match (read_keys(&o)?, o.function("credentials")?) {
        (Some(k), None) => Auth::Keys(k),
        (None, Some(f)) => Auth::Provider(f),
        (Some(_), Some(_)) => return Err(combined_credentials()),
        (None, None) => {
            return Err(Error::missing_parameter("secretId", "and secretKey (or credentials) are required"))
        }
    };
    let endpoint = read_endpoint(&o, "upstream", true)?;
    let timeout_ms = o.millis("timeoutMs")?.unwrap_or(DEFAULT_UPSTREAM_TIMEOUT_MS);
    let upstream = Upstream::new(endpoint, read_fetch(&o)?, timeout_ms, o.header("region")?, None, auth);
    let allow_actions = match o.strings("allowActions")? {
        Some(actions) => {
            if let Some(bad) = actions.iter().find(|a| a.is_empty() || !a.bytes().all(|b| b.is_ascii_alphanumeric())) {
                return Err(Error::invalid_value(
                    "allowActions",
                    &format!("holds {bad:?}, which is not an action name"),
                ));
            }
            actions
        }
        None => proxy::default_actions(),
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
    Ok(Proxy {
        upstream: Rc::new(upstream),
        policy,
        body_timeout_ms: o.millis("bodyTimeoutMs")?.unwrap_or(DEFAULT_BODY_TIMEOUT_MS),
    })
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
