//! `Client`: what the JavaScript `MpsClient` needs from Rust. Each method is a few lines: the
//! options become a plain configuration ([`super::config`]), signing is the [`Upstream`]'s, each
//! call and wait is a machine ([`Call`], [`Waiter`]); the JavaScript driver sends and sleeps.

use crate::prelude::*;
use alloc::rc::Rc;

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use super::call::{op, Call};
use super::config::{ClientConfig, RateLimit};
use super::errors::thrown;
use super::kind;
use super::requests;
use super::upstream::{Link, Upstream};
use super::wait::Waiter;
use crate::kinds::KINDS;
use crate::policy::call;

/// A client's settings and signing state.
#[wasm_bindgen]
pub struct Client {
    upstream: Rc<Upstream>,
    max_retries: u32,
    rate_limit: RateLimit,
    coordinator: Option<JsValue>,
}

#[wasm_bindgen]
impl Client {
    /// Checks every option and builds the client; throws `MpsError` on bad options.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Client, JsValue> {
        let c = ClientConfig::read(&options).map_err(thrown)?;
        Ok(Client {
            upstream: Rc::new(Upstream::new(c.endpoint, c.fetch, c.timeout_ms, c.region, c.language, c.auth)),
            max_retries: c.max_retries,
            rate_limit: c.rate_limit,
            coordinator: c.coordinator,
        })
    }

    /// Where requests go, the `fetch`, and signing.
    #[wasm_bindgen(getter)]
    pub fn upstream(&self) -> Link {
        Link::new(&self.upstream)
    }

    /// Requests per second for `action` (0: not paced).
    pub fn limit(&self, action: &str) -> u32 {
        self.rate_limit.limit(action).unwrap_or(0)
    }

    /// The `coordinator` option as given (`undefined`: limits per client).
    #[wasm_bindgen(getter)]
    pub fn coordinator(&self) -> JsValue {
        self.coordinator.clone().unwrap_or(JsValue::UNDEFINED)
    }

    /// A call's machine: `op` (a [`crate::policy::codes`] op) of kind number `kind` (or of `action`
    /// for other actions), bounded by `deadline_ms` (monotonic; `NaN` for none).
    pub fn start(&self, op_code: u8, kind_index: usize, action: &str, deadline_ms: f64) -> Call {
        let kind = KINDS.get(kind_index).copied();
        let machine = call::Call::new(
            op(op_code, kind, action),
            self.max_retries,
            deadline_ms.is_finite().then_some(deadline_ms),
        );
        Call::new(machine, self.upstream.clone(), action)
    }

    /// A wait's machine for `task_id` of kind number `kind`, with the caller's wait options.
    pub fn waiter(
        &self,
        kind_index: usize,
        task_id: JsValue,
        options: JsValue,
        now_ms: f64,
    ) -> Result<Waiter, JsValue> {
        let kind = kind(kind_index)?;
        let task_id = requests::task_id(&task_id).map_err(thrown)?;
        Waiter::new(kind, self.upstream.clone(), &task_id, &options, now_ms).map_err(thrown)
    }

    /// What the client talks to and how, without any secret (for `JSON.stringify`).
    #[wasm_bindgen(js_name = toJSON)]
    pub fn to_json(&self) -> JsValue {
        let o = Object::new();
        let set = |key: &str, value: JsValue| {
            let _ = Reflect::set(&o, &JsValue::from_str(key), &value);
        };
        set("endpoint", self.upstream.endpoint.url.as_str().into());
        set("auth", self.upstream.auth.name().into());
        if let Some(region) = &self.upstream.region {
            set("region", region.as_str().into());
        }
        if let Some(language) = &self.upstream.language {
            set("language", language.as_str().into());
        }
        set("timeoutMs", self.upstream.timeout_ms.into());
        set("maxRetries", self.max_retries.into());
        let limits = Object::new();
        for action in crate::kinds::actions() {
            if let Some(n) = self.rate_limit.limit(action) {
                let _ = Reflect::set(&limits, &action.into(), &n.into());
            }
        }
        let paced = matches!(self.rate_limit, RateLimit::On { .. });
        set("rateLimit", if paced { limits.into() } else { JsValue::NULL });
        if self.coordinator.is_some() {
            set("coordinator", true.into());
        }
        o.into()
    }

    /// `MpsClient(<endpoint>, <auth>)`, without any secret.
    #[wasm_bindgen(js_name = toString)]
    pub fn to_string_js(&self) -> String {
        ["MpsClient(", &self.upstream.endpoint.url, ", ", self.upstream.auth.name(), ")"].concat()
    }
}
