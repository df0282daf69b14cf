//! `Proxy`: what the JavaScript signing-proxy handler (`proxy.js`) needs from Rust. Every decision is
//! [`crate::proxy::ProxyPolicy`]'s: the handler reads the request, asks here at each step (head,
//! caller, action, body, quota, answer), sends upstream through the shared [`Upstream`], and answers.
//! Each step returns either what to go on with or a refusal `{ status, body, retryAfter? }`.

use crate::prelude::*;
use alloc::rc::Rc;

use js_sys::{Function, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use super::call::Call;
use super::errors::thrown;
use super::options::{property, short_string};
use super::proxy_config::{read_limits, ProxyConfig};
use super::upstream::{Link, Upstream};
use crate::error::Error;
use crate::json::decimal;
use crate::policy::call::{self, Op};
use crate::proxy::{
    self, BodyVerdict, Class, Head, Identity, Incoming, PartialLimits, ProxyPolicy, Refusal, ALLOWED_HEADERS,
    EXPOSED_HEADERS,
};

/// A signing proxy's policy and signing state.
#[wasm_bindgen]
pub struct Proxy {
    upstream: Rc<Upstream>,
    policy: ProxyPolicy,
    authorize: Option<Function>,
    check_body: Option<Function>,
    store: Option<JsValue>,
    coordinator: Option<JsValue>,
    body_timeout_ms: f64,
}

/// A caller the proxy accepted: a subject, its limits, maybe narrower actions.
#[wasm_bindgen]
pub struct Caller(proxy::Caller);

fn object(entries: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (key, value) in entries {
        let _ = Reflect::set(&o, &JsValue::from_str(key), value);
    }
    o.into()
}

/// `{ status, body, retryAfter? }`.
fn refusal(r: &Refusal, request_id: &str) -> JsValue {
    let mut entries = vec![("status", JsValue::from(r.status)), ("body", JsValue::from(r.body(request_id)))];
    if let Some(s) = r.retry_after_s {
        entries.push(("retryAfter", JsValue::from(decimal(s))));
    }
    object(&entries)
}

fn some(n: f64) -> Option<u64> {
    (n.is_finite() && n >= 0.0).then_some(n as u64)
}

#[wasm_bindgen]
impl Proxy {
    /// Checks every option; throws `MpsError` on bad ones (a proxy that would sign for anyone
    /// included).
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Proxy, JsValue> {
        let c = ProxyConfig::read(&options).map_err(thrown)?;
        Ok(Proxy {
            upstream: Rc::new(c.upstream),
            policy: c.policy,
            authorize: c.authorize,
            check_body: c.check_body,
            store: c.store,
            coordinator: c.coordinator,
            body_timeout_ms: c.body_timeout_ms,
        })
    }

    /// Where requests go, the `fetch`, and signing.
    #[wasm_bindgen(getter)]
    pub fn upstream(&self) -> Link {
        Link::new(&self.upstream)
    }

    /// The app's caller check, if any.
    #[wasm_bindgen(getter)]
    pub fn authorize(&self) -> Option<Function> {
        self.authorize.clone()
    }

    /// The app's body check, if any (else the default: no `StoreCosParam`).
    #[wasm_bindgen(getter, js_name = bodyHook)]
    pub fn check_body_hook(&self) -> Option<Function> {
        self.check_body.clone()
    }

    /// Where quotas are counted (undefined: in memory).
    #[wasm_bindgen(getter)]
    pub fn store(&self) -> JsValue {
        self.store.clone().unwrap_or(JsValue::UNDEFINED)
    }

    /// Where the account's rate limits are held (undefined: the proxy does not pace).
    #[wasm_bindgen(getter)]
    pub fn coordinator(&self) -> JsValue {
        self.coordinator.clone().unwrap_or(JsValue::UNDEFINED)
    }

    /// Requests per second for `action` under the account's limits (0: not paced).
    #[wasm_bindgen(js_name = accountLimit)]
    pub fn account_limit(&self, action: &str) -> u32 {
        crate::kinds::by_action(action).map_or(0, |k| {
            if k.create == action {
                k.creates_per_second
            } else {
                k.describes_per_second
            }
        })
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

    /// CORS headers for `origin`: `{ origin, expose }`, or undefined when it is not allowed.
    pub fn cors(&self, origin: Option<String>) -> JsValue {
        match self.policy.cors_origin(origin.as_deref()) {
            Some(o) => object(&[("origin", o.into()), ("expose", EXPOSED_HEADERS.into())]),
            None => JsValue::UNDEFINED,
        }
    }

    /// From the method and path: `{ preflight: allowedHeaders }`, a refusal, or undefined (go on).
    pub fn head(&self, method: &str, path: &str, origin: Option<String>, request_id: &str) -> JsValue {
        let req = Incoming { method, path, origin: origin.as_deref(), ..Incoming::default() };
        match self.policy.head(&req) {
            Head::Preflight => object(&[("preflight", ALLOWED_HEADERS.into())]),
            Head::Refuse(r) => refusal(&r, request_id),
            Head::Continue => JsValue::UNDEFINED,
        }
    }

    /// Who is calling: a `Caller`, a refusal, or `{ authorize: true }` (ask the hook).
    pub fn identify(
        &self,
        authorization: Option<String>,
        origin: Option<String>,
        wall_ms: f64,
        request_id: &str,
    ) -> JsValue {
        let now_s = some(wall_ms / 1000.0).unwrap_or(0);
        match self.policy.identify(authorization.as_deref(), origin.as_deref(), now_s) {
            Identity::Caller(c) => Caller(c).into(),
            Identity::Refuse(r) => refusal(&r, request_id),
            Identity::Authorize => object(&[("authorize", JsValue::TRUE)]),
        }
    }

    /// What the `authorize` hook resolved to: `{ subject, limits? }` makes a `Caller`; `null` (or
    /// nothing) is a refusal; anything else throws `MpsError` (the hook is the app's code).
    #[wasm_bindgen(js_name = fromAuthorize)]
    pub fn from_authorize(&self, result: JsValue, request_id: &str) -> Result<JsValue, JsValue> {
        if result.is_null() || result.is_undefined() {
            return Ok(refusal(&proxy::unauthorized("this caller is not authorized"), request_id));
        }
        let subject = property(&result, &"subject".into(), "authorize().subject").map_err(thrown)?;
        let subject = match short_string(&subject, "authorize().subject", proxy::token::MAX_SUBJECT_BYTES) {
            Some(Ok(s)) if proxy::token::valid_subject(&s) => s,
            _ => {
                let e = Error::invalid_parameter(
                    "authorize",
                    "must resolve to { subject, limits? } (a subject of 1 to 256 characters) or null",
                );
                return Err(thrown(e));
            }
        };
        let limits = match property(&result, &"limits".into(), "authorize().limits").map_err(thrown)? {
            v if v.is_undefined() || v.is_null() => PartialLimits::default(),
            v => read_limits(&v, "authorize().limits").map_err(thrown)?,
        };
        Ok(Caller(self.policy.caller(subject, None, limits)).into())
    }

    /// Whether `caller` may send `action` (from `origin`, with this `Content-Length`, `NaN` for none):
    /// `{ action }` or a refusal.
    pub fn admit(
        &self,
        caller: &Caller,
        origin: Option<String>,
        action: Option<String>,
        content_length: f64,
        request_id: &str,
    ) -> JsValue {
        let req = Incoming {
            method: "POST",
            path: &self.policy.path,
            origin: origin.as_deref(),
            authorization: None,
            action: action.as_deref(),
            content_length: some(content_length),
        };
        match self.policy.admit(&caller.0, &req) {
            Ok(action) => object(&[("action", action.into())]),
            Err(r) => refusal(&r, request_id),
        }
    }

    /// A body that was read: `{ forward?: bytes }` (the bytes to send instead, for a describe),
    /// `{ notFound: body }` (a task this caller did not create), or a refusal. `custom`: the app's
    /// own body check runs next (and decides about `StoreCosParam`).
    #[wasm_bindgen(js_name = checkBody)]
    pub fn check_body(&self, action: &str, body: &[u8], caller: &Caller, custom: bool, request_id: &str) -> JsValue {
        match self.policy.check_body(action, body, &caller.0, custom) {
            BodyVerdict::Forward(None) => object(&[]),
            BodyVerdict::Forward(Some(bytes)) => object(&[("forward", Uint8Array::from(&bytes[..]).into())]),
            BodyVerdict::NotFound => object(&[("notFound", ProxyPolicy::not_found(request_id).into())]),
            BodyVerdict::Refuse(r) => refusal(&r, request_id),
        }
    }

    /// The quota an `action` by `caller` counts against: `{ key, windows: [[ms, max], ...] }`.
    pub fn quota(&self, caller: &Caller, action: &str) -> JsValue {
        let class = Class::of(action);
        let windows = js_sys::Array::new();
        for w in caller.0.limits.windows(class) {
            windows.push(&js_sys::Array::of2(&w.ms.into(), &w.max.into()));
        }
        let key = [caller.0.subject.as_str(), "\n", class.name()].concat();
        object(&[("key", key.into()), ("windows", windows.into())])
    }

    /// The refusal of a spent quota, `retry_after_ms` from now.
    #[wasm_bindgen(js_name = quotaSpent)]
    pub fn quota_spent(&self, action: &str, retry_after_ms: f64, request_id: &str) -> JsValue {
        refusal(&proxy::quota_spent(Class::of(action), retry_after_ms), request_id)
    }

    /// A create's answer with the TaskId sealed into the caller's handle; undefined to pass it on
    /// as it is.
    pub fn seal(&self, action: &str, caller: &Caller, answer: &[u8]) -> Option<Vec<u8>> {
        self.policy.seal_answer(action, &caller.0, answer)
    }

    /// Whether an upstream status may be passed on: undefined, or the refusal (a 502).
    #[wasm_bindgen(js_name = upstreamStatus)]
    pub fn upstream_status(&self, status: u16, request_id: &str) -> JsValue {
        if proxy::passable_status(status) {
            JsValue::UNDEFINED
        } else {
            refusal(&proxy::upstream_status(status), request_id)
        }
    }

    /// A refusal by name, for what the handler itself notices: `too-large`, `unreadable-body`,
    /// `headers-too-large`, `uri-too-long`, `body-timeout`, `upstream-timeout`,
    /// `upstream-unreachable`, `credentials-failed`, `authorize-failed`, `check-body-failed`,
    /// `store-failed`, `coordinator-failed`, `account-limit`.
    pub fn refusal(&self, what: &str, request_id: &str) -> JsValue {
        let r = match what {
            "too-large" => self.policy.too_large(),
            "unreadable-body" => proxy::unreadable_body(),
            "headers-too-large" => proxy::headers_too_large(),
            "uri-too-long" => proxy::uri_too_long(),
            "body-timeout" => proxy::body_timeout(),
            "upstream-timeout" => proxy::upstream_failed(true),
            "upstream-unreachable" => proxy::upstream_failed(false),
            "credentials-failed" => proxy::internal("the proxy's credentials function failed"),
            "authorize-failed" => proxy::internal("the proxy's authorize function failed"),
            "check-body-failed" => proxy::internal("the proxy's checkBody function failed"),
            "store-failed" => proxy::internal("the proxy's quota store failed"),
            "coordinator-failed" => proxy::internal("the proxy's rate-limit coordinator could not be reached"),
            "account-limit" => proxy::account_limit(),
            _ => proxy::internal("the proxy failed"),
        };
        refusal(&r, request_id)
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

#[wasm_bindgen]
impl Caller {
    /// Whom the caller acts for.
    #[wasm_bindgen(getter)]
    pub fn subject(&self) -> String {
        self.0.subject.clone()
    }

    /// `{ subject, limits, actions? }`, for the app's `checkBody`.
    #[wasm_bindgen(js_name = toJSON)]
    pub fn to_json(&self) -> JsValue {
        let limits = js_sys::JSON::parse(&self.0.limits.to_json().to_json()).unwrap_or(JsValue::UNDEFINED);
        let mut entries = vec![("subject", JsValue::from(self.0.subject.as_str())), ("limits", limits)];
        if let Some(actions) = &self.0.actions {
            let list = js_sys::Array::new();
            for a in actions {
                list.push(&a.as_str().into());
            }
            entries.push(("actions", list.into()));
        }
        object(&entries)
    }
}
