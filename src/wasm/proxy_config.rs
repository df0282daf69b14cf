//! `createSigningProxy(options)` into a [`ProxyConfig`]: the proxy's own keys and upstream, who may
//! call (tokens, token secrets, an `authorize` hook, anonymous origins), the limits, the hooks, the
//! sizes and times. Setups that would sign for anyone are refused here (see
//! [`crate::proxy::ProxyPolicy::new`]).

use crate::prelude::*;
use js_sys::Function;
use wasm_bindgen::JsValue;

use super::config::{combined_credentials, read_coordinator, read_endpoint, read_fetch, read_keys, Auth};
use super::options::{property, Options};
use super::upstream::Upstream;
use crate::error::Error;
use crate::json::quoted;
use crate::proxy::{self, Gates, Limits, PartialLimits, ProxyPolicy, DEFAULT_MAX_BODY_BYTES, MAX_BODY_BYTES};
use crate::vocabulary::PROXY_OPTIONS;

/// Upstream time limit by default: under the client's 30 s, so the client hears why.
const DEFAULT_UPSTREAM_TIMEOUT_MS: f64 = 25_000.0;
/// How long a caller may take to send its body by default (a slow body holds a connection).
const DEFAULT_BODY_TIMEOUT_MS: f64 = 10_000.0;

/// A proxy's configuration.
pub struct ProxyConfig {
    /// Where requests go and how they are signed.
    pub upstream: Upstream,
    /// Who may call, and what for.
    pub policy: ProxyPolicy,
    /// The app's own caller check.
    pub authorize: Option<Function>,
    /// The app's own body check.
    pub check_body: Option<Function>,
    /// Where quotas are counted (`None`: in memory).
    pub store: Option<JsValue>,
    /// Where the account's rate limits are held (`None`: not paced).
    pub coordinator: Option<JsValue>,
    /// How long a caller may take to send its body.
    pub body_timeout_ms: f64,
}

impl ProxyConfig {
    /// Reads and checks `createSigningProxy(options)`.
    pub fn read(value: &JsValue) -> Result<Self, Error> {
        let o = Options::new(value, "createSigningProxy options", PROXY_OPTIONS)?;
        let keys = read_keys(&o)?;
        let handle_secret = keys.as_ref().map(|k| k.secret_key.expose().as_bytes().to_vec());
        let auth = match (keys, o.function("credentials")?) {
            (Some(k), None) => Auth::Keys(k),
            (None, Some(f)) => Auth::Provider(f),
            (Some(_), Some(_)) => return Err(combined_credentials()),
            (None, None) => {
                return Err(Error::missing_parameter("secretId", "and secretKey (or credentials) are required"))
            }
        };
        let endpoint = read_endpoint(&o, "upstream", true)?;
        let timeout_ms = o.millis("timeoutMs")?.unwrap_or(DEFAULT_UPSTREAM_TIMEOUT_MS);
        let mut upstream = Upstream::new(endpoint, read_fetch(&o)?, timeout_ms, o.header("region")?, None, auth);
        upstream.sign_action = true;

        let allow_origins = o.strings("allowOrigins")?.unwrap_or_default();
        if let Some(bad) = allow_origins.iter().find(|o| !is_origin(o)) {
            return Err(Error::invalid_value(
                "allowOrigins",
                &[
                    "holds ",
                    &quoted(bad),
                    "; origins look like https://app.example or http://127.0.0.1:8080 (or \"*\")",
                ]
                .concat(),
            ));
        }
        let authorize = o.function("authorize")?;
        if o.string_or_strings("tokenSecret")?.is_some_and(|s| s.is_empty()) {
            return Err(Error::invalid_value("tokenSecret", "must be a secret, or a list of at least one"));
        }
        let gates = Gates {
            proxy_tokens: o.strings("proxyTokens")?.unwrap_or_default(),
            token_secrets: o
                .string_or_strings("tokenSecret")?
                .unwrap_or_default()
                .into_iter()
                .map(String::into_bytes)
                .collect(),
            authorize: authorize.is_some(),
            anonymous: o.boolean("allowAnonymous")?.unwrap_or(false),
            allow_origins,
            handle_secret,
        };
        let limits = match o.get("limits")? {
            Some(v) => Limits::default().with(read_limits(&v, "limits")?),
            None => Limits::default(),
        };
        let max_body_bytes =
            o.integer("maxBodyBytes", 1, MAX_BODY_BYTES as u32)?.map_or(DEFAULT_MAX_BODY_BYTES, |n| n as usize);
        let path = o.string("path")?.unwrap_or_else(|| "/".to_owned());
        let allow_actions = o.strings("allowActions")?.unwrap_or_else(proxy::default_actions);
        let policy = ProxyPolicy::new(allow_actions, gates, limits, max_body_bytes, path)?;
        let store = match o.get("store")? {
            Some(store) if property(&store, &"take".into(), "store.take")?.is_function() => Some(store),
            Some(_) => {
                return Err(Error::invalid_parameter(
                    "store",
                    "must be an object with a take(key, windows, nowMs) method",
                ))
            }
            None => None,
        };
        Ok(ProxyConfig {
            upstream,
            policy,
            authorize,
            check_body: o.function("checkBody")?,
            store,
            coordinator: read_coordinator(&o)?,
            body_timeout_ms: o.millis("bodyTimeoutMs")?.unwrap_or(DEFAULT_BODY_TIMEOUT_MS),
        })
    }
}

/// `{ createsPerMinute?, createsPerDay?, describesPerSecond? }`, whole numbers from 0 (forbidden)
/// to a million.
pub fn read_limits(value: &JsValue, what: &str) -> Result<PartialLimits, Error> {
    let o = Options::new(value, what, &proxy::limits::NAMES)?;
    let read = |name: &str| o.integer(name, 0, 1_000_000);
    Ok(PartialLimits {
        creates_per_minute: read(proxy::limits::NAMES[0])?,
        creates_per_day: read(proxy::limits::NAMES[1])?,
        describes_per_second: read(proxy::limits::NAMES[2])?,
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
