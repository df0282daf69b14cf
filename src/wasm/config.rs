//! Options objects into plain configurations: every option checked for type and range, with its
//! default, and unknown names refused. The option names, their types and defaults live here and
//! nowhere else (the package's JavaScript gets them from the generated vocabulary).

use crate::prelude::*;
use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use super::js::kind_of;
use super::options::Options;
use crate::error::Error;
use crate::kinds::{self, KINDS};
use crate::policy::{DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS};
use crate::secret::Credentials;
use crate::vocabulary::CLIENT_OPTIONS;
use crate::DEFAULT_ENDPOINT;

/// How requests are authorized.
pub enum Auth {
    /// Sign with these keys.
    Keys(Credentials),
    /// Sign with whatever this function returns, asked before every attempt.
    Provider(Function),
    /// A signing proxy signs; we send `Authorization: Bearer <token>`.
    Proxy(String),
    /// The same, with the token this function returns, asked before every attempt (a short-lived
    /// token the page renews).
    ProxyProvider(Function),
    /// A signing proxy that authorizes by origin: nothing to add.
    Anonymous,
}

impl Auth {
    /// How `toJSON` names it.
    pub fn name(&self) -> &'static str {
        match self {
            Auth::Keys(_) => "keys",
            Auth::Provider(_) => "credentials()",
            Auth::Proxy(_) | Auth::ProxyProvider(_) => "proxyToken",
            Auth::Anonymous => "none",
        }
    }
}

/// Where requests go: the URL as given (normalized) and the host that is signed.
pub struct Endpoint {
    /// The normalized URL.
    pub url: String,
    /// Its host (with a port, if any; the signer drops it).
    pub host: String,
}

/// Per-action request rates.
pub enum RateLimit {
    /// No pacing.
    Off,
    /// Pacing: the kinds' documented limits, unless overridden for every create, every describe,
    /// or one action.
    On { create: Option<u32>, describe: Option<u32>, actions: Vec<(String, u32)> },
}

impl RateLimit {
    /// Requests per second for `action`, or `None` when it is not paced.
    pub fn limit(&self, action: &str) -> Option<u32> {
        let RateLimit::On { create, describe, actions } = self else { return None };
        if let Some((_, n)) = actions.iter().find(|(a, _)| a == action) {
            return Some(*n);
        }
        let kind = kinds::by_action(action)?;
        Some(if kind.create == action {
            create.unwrap_or(kind.creates_per_second)
        } else {
            describe.unwrap_or(kind.describes_per_second)
        })
    }
}

/// A client's configuration.
pub struct ClientConfig {
    /// Where requests go.
    pub endpoint: Endpoint,
    /// `X-TC-Region`.
    pub region: Option<String>,
    /// `X-TC-Language`.
    pub language: Option<String>,
    /// How requests are authorized.
    pub auth: Auth,
    /// The `fetch` to use (`None`: the global one).
    pub fetch: Option<Function>,
    /// Per HTTP attempt.
    pub timeout_ms: f64,
    /// Retries of retry-safe failures.
    pub max_retries: u32,
    /// Pacing.
    pub rate_limit: RateLimit,
    /// Where the pacing happens for a whole account: a Durable Object namespace, or
    /// `{ namespace, name }` (the JavaScript checks its shape and talks to it).
    pub coordinator: Option<JsValue>,
}

impl ClientConfig {
    /// Reads and checks `new MpsClient(options)`.
    pub fn read(value: &JsValue) -> Result<Self, Error> {
        let o = Options::new(value, "MpsClient options", CLIENT_OPTIONS)?;
        let proxy_token = match o.get("proxyToken")? {
            Some(v) if v.is_function() => Some(Auth::ProxyProvider(v.unchecked_into())),
            Some(_) => o.header("proxyToken")?.map(Auth::Proxy),
            None => None,
        };
        let auth = match (read_keys(&o)?, o.function("credentials")?, proxy_token) {
            (Some(k), None, None) => Auth::Keys(k),
            (None, Some(f), None) => Auth::Provider(f),
            (None, None, Some(proxy)) => proxy,
            (None, None, None) => Auth::Anonymous,
            (_, _, Some(_)) => return Err(Error::invalid_parameter(
                "proxyToken",
                "cannot be combined with keys or credentials: a client talks either to a signing proxy or to Tencent",
            )),
            (Some(_), Some(_), None) => return Err(combined_credentials()),
        };
        let endpoint_given = o.has("endpoint")?;
        let signs_locally = matches!(auth, Auth::Keys(_) | Auth::Provider(_));
        let endpoint = read_endpoint(&o, "endpoint", signs_locally)?;
        if matches!(auth, Auth::Anonymous) && (!endpoint_given || endpoint.host.ends_with("tencentcloudapi.com")) {
            return Err(Error::missing_parameter(
                "secretId",
                "and secretKey (or credentials, or proxyToken with a signing proxy's endpoint) are required",
            ));
        }
        Ok(ClientConfig {
            endpoint,
            region: o.header("region")?,
            language: read_language(&o)?,
            auth,
            fetch: read_fetch(&o)?,
            timeout_ms: o.millis("timeoutMs")?.unwrap_or(DEFAULT_TIMEOUT_MS),
            max_retries: o.integer("maxRetries", 0, 20)?.unwrap_or(DEFAULT_MAX_RETRIES),
            rate_limit: read_rate_limit(&o)?,
            coordinator: read_coordinator(&o)?.map(|c| unpaced_with(&o).map(|()| c)).transpose()?,
        })
    }
}

/// A client's `coordinator` paces its requests, which `rateLimit: false` would contradict.
fn unpaced_with(o: &Options) -> Result<(), Error> {
    if o.get("rateLimit")?.is_some_and(|r| r.as_bool() == Some(false)) {
        return Err(Error::invalid_parameter(
            "coordinator",
            "paces requests: it cannot be combined with rateLimit: false",
        ));
    }
    Ok(())
}

/// `coordinator` (of a client or a proxy): an object, given on purpose. A binding that is missing
/// from the Worker reads as `undefined`; ignoring it would quietly drop the account-wide limits, so
/// it is refused.
pub fn read_coordinator(o: &Options) -> Result<Option<JsValue>, Error> {
    const WHAT: &str = "a Durable Object namespace (such as env.MPS_COORDINATOR) or { namespace, name }";
    match o.get("coordinator")? {
        Some(v) if v.is_object() && !v.is_function() => Ok(Some(v)),
        Some(v) => Err(Error::invalid_parameter("coordinator", &["must be ", WHAT, ", got ", &kind_of(&v)].concat())),
        None if o.named("coordinator") => Err(Error::missing_parameter(
            "coordinator",
            "is undefined or null: is the Durable Object bound in wrangler.toml ([[durable_objects.bindings]])? \
             Leave the option out for limits per client",
        )),
        None => Ok(None),
    }
}

/// `secretId`, `secretKey` and `token`: a key pair (with its token), or nothing.
pub fn read_keys(o: &Options) -> Result<Option<Credentials>, Error> {
    let token = o.header("token")?;
    match (o.header("secretId")?, o.string("secretKey")?.filter(|k| !k.is_empty())) {
        (Some(id), Some(key)) => {
            let creds = Credentials::new(id, key);
            Ok(Some(match token {
                Some(t) => creds.with_token(t),
                None => creds,
            }))
        }
        (Some(_), None) => Err(Error::missing_parameter("secretKey", "is required with secretId")),
        (None, Some(_)) => Err(Error::missing_parameter("secretId", "is required with secretKey")),
        (None, None) if token.is_some() => {
            Err(Error::missing_parameter("secretId", "and secretKey are required with token"))
        }
        (None, None) => Ok(None),
    }
}

/// The one refusal of keys given twice.
pub fn combined_credentials() -> Error {
    Error::invalid_parameter("credentials", "cannot be combined with secretId/secretKey")
}

/// An endpoint URL option: http(s), no user info, and a bare origin when requests are signed here
/// (the API path is always `/`). Absent: the default endpoint.
pub fn read_endpoint(o: &Options, field: &str, signs_locally: bool) -> Result<Endpoint, Error> {
    let text = o.string(field)?.unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned());
    let url = web_sys::Url::new(&text).map_err(|_| Error::invalid_value(field, "must be an absolute http(s) URL"))?;
    let protocol = url.protocol();
    if protocol != "https:" && protocol != "http:" {
        return Err(Error::invalid_value(field, "must be an http: or https: URL"));
    }
    if !url.username().is_empty() || !url.password().is_empty() {
        return Err(Error::invalid_value(field, "must not contain a user name or password"));
    }
    if signs_locally && (url.pathname() != "/" || !url.search().is_empty()) {
        return Err(Error::invalid_value(
            field,
            "must be an origin such as https://mps.tencentcloudapi.com when signing (the API path is /)",
        ));
    }
    Ok(Endpoint { url: url.href(), host: url.host() })
}

/// The languages the API answers in.
pub fn is_language(l: &str) -> bool {
    l == "zh-CN" || l == "en-US"
}

fn read_language(o: &Options) -> Result<Option<String>, Error> {
    match o.string("language")? {
        Some(l) if is_language(&l) => Ok(Some(l)),
        Some(_) => Err(Error::invalid_value("language", "must be \"zh-CN\" or \"en-US\"")),
        None => Ok(None),
    }
}

/// The `fetch` option, or nothing when the global one exists.
pub fn read_fetch(o: &Options) -> Result<Option<Function>, Error> {
    let fetch = o.function("fetch")?;
    if fetch.is_none() && !Reflect::get(&js_sys::global(), &"fetch".into()).is_ok_and(|f| f.is_function()) {
        return Err(Error::missing_parameter("fetch", "is required: this runtime has no global fetch"));
    }
    Ok(fetch)
}

fn read_rate_limit(o: &Options) -> Result<RateLimit, Error> {
    let none = || RateLimit::On { create: None, describe: None, actions: Vec::new() };
    match o.get("rateLimit")? {
        None => Ok(none()),
        Some(v) if v.as_bool() == Some(false) => Ok(RateLimit::Off),
        Some(v) if v.as_bool() == Some(true) => Ok(none()),
        Some(v) => {
            let names: Vec<&str> = ["create", "describe"].into_iter().chain(kinds::actions()).collect();
            let r = Options::new(&v, "rateLimit", &names)?;
            let mut actions = Vec::new();
            for kind in KINDS {
                for action in [kind.create, kind.describe] {
                    if let Some(n) = r.integer(action, 1, 10_000)? {
                        actions.push((action.to_owned(), n));
                    }
                }
            }
            Ok(RateLimit::On {
                create: r.integer("create", 1, 10_000)?,
                describe: r.integer("describe", 1, 10_000)?,
                actions,
            })
        }
    }
}
