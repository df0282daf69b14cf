//! Quotas in memory, and minting proxy tokens: the pieces of the signing proxy an app uses outside
//! the handler. `Quotas` is the default store of a proxy's counters (one process or isolate); a
//! Durable Object keeps the same `Quotas` for a fleet.

use crate::prelude::*;
use js_sys::Array;
use wasm_bindgen::prelude::*;

use super::errors::thrown;
use super::options::Options;
use super::proxy_config::read_limits;
use crate::error::Error;
use crate::policy::quota::{self, Window};
use crate::proxy::token::{self, Claims, MIN_SECRET_BYTES};
use crate::vocabulary::MINT_OPTIONS;

/// Counters of many keys in sliding windows.
#[wasm_bindgen]
pub struct Quotas(quota::Quotas);

#[wasm_bindgen]
impl Quotas {
    /// No counters yet.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Quotas {
        Quotas(quota::Quotas::new())
    }

    /// Takes one place for `key` in every window (`[[ms, max], ...]`) at `now_ms`, if each has room:
    /// 0; otherwise nothing is taken and the answer is the ms until each has room again.
    pub fn take(&mut self, key: &str, windows: Array, now_ms: f64) -> f64 {
        let windows: Vec<Window> = windows
            .iter()
            .filter_map(|w| {
                let pair = Array::from(&w);
                Some(Window { ms: pair.get(0).as_f64()?, max: pair.get(1).as_f64()? as u32 })
            })
            .collect();
        self.0.take(key, &windows, now_ms)
    }

    /// Gives back the newest place `key` took (its request was refused before it was sent).
    #[wasm_bindgen(js_name = giveBack)]
    pub fn give_back(&mut self, key: &str) {
        self.0.give_back(key);
    }

    /// The times `key` took a place (ms, oldest first), for a store to write down.
    pub fn log(&self, key: &str) -> Vec<f64> {
        self.0.log(key)
    }

    /// Puts back a log written down earlier (a Durable Object after a restart).
    pub fn restore(&mut self, key: &str, times: Vec<f64>) {
        self.0.restore(key, &times);
    }
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas::new()
    }
}

/// `mintProxyToken(options)` at `wall_ms`: a short-lived token for one subject, for the app's
/// server to hand a signed-in user's page.
#[wasm_bindgen(js_name = mintProxyToken)]
pub fn mint_proxy_token(options: JsValue, wall_ms: f64) -> Result<String, JsValue> {
    let read = || -> Result<String, Error> {
        if options.is_undefined() || options.is_null() {
            return Err(Error::missing_parameter("mintProxyToken options", "are required: { tokenSecret, subject }"));
        }
        let o = Options::new(&options, "mintProxyToken options", MINT_OPTIONS)?;
        let secret = o
            .string_or_strings("tokenSecret")?
            .and_then(|s| s.into_iter().next())
            .ok_or_else(|| Error::missing_parameter("tokenSecret", "is required"))?;
        if secret.len() < MIN_SECRET_BYTES {
            return Err(Error::invalid_value("tokenSecret", "must be at least 32 bytes"));
        }
        let subject = o.string("subject")?.ok_or_else(|| Error::missing_parameter("subject", "is required"))?;
        if !token::valid_subject(&subject) {
            return Err(Error::invalid_value("subject", "must be 1 to 256 characters without control characters"));
        }
        let ttl = o.integer("ttlSeconds", 1, 7 * 86_400)?.unwrap_or(900);
        let actions = o.strings("actions")?;
        let limits = match o.get("limits")? {
            Some(v) => read_limits(&v, "limits")?,
            None => Default::default(),
        };
        let expires = libm::floor(wall_ms / 1000.0).max(0.0) as u64 + u64::from(ttl);
        Ok(token::mint(secret.as_bytes(), &Claims { subject, expires, actions, limits }))
    };
    read().map_err(thrown)
}
