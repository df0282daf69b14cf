//! Where requests go and how they are authorized: the state shared by a client and the signing
//! proxy's forward (the endpoint, the `fetch` and its time limit, keys or a credentials function,
//! the day's signing key, the clock offset learnt from the server), the signed headers of each
//! attempt, and the redaction of those secrets from foreign text.

use crate::prelude::*;
use alloc::rc::Rc;
use core::cell::{Cell, RefCell};

use js_sys::Function;
use wasm_bindgen::prelude::*;

use super::config::{is_language, Auth, Endpoint};
use super::errors::thrown;
use super::options::Options;
use crate::error::Error;
use crate::secret::Credentials;
use crate::tc3::{SignInput, Signer, DEFAULT_CONTENT_TYPE};
use crate::{API_VERSION, REQUEST_CLIENT};

/// The sending side of a client or a proxy.
pub struct Upstream {
    /// Where requests go.
    pub endpoint: Endpoint,
    /// The `fetch` to use (`None`: the global one).
    pub fetch: Option<Function>,
    /// The time limit of one attempt.
    pub timeout_ms: f64,
    /// `X-TC-Region`.
    pub region: Option<String>,
    /// `X-TC-Language` (a proxy passes its caller's instead).
    pub language: Option<String>,
    /// Also sign `x-tc-action` (the proxy does: a leaked signature cannot be replayed for another
    /// action).
    pub sign_action: bool,
    /// How requests are authorized.
    pub auth: Auth,
    signer: RefCell<Signer>,
    /// Server clock minus ours, learnt from an `AuthFailure.SignatureExpire` answer.
    clock_offset_ms: Cell<f64>,
    /// The last credentials a provider gave, to keep them out of messages too.
    provided: RefCell<Option<Credentials>>,
    /// The last token a `proxyToken` function gave, likewise.
    provided_token: RefCell<Option<String>>,
}

impl Upstream {
    /// The sending state for `endpoint` with `auth`.
    pub fn new(
        endpoint: Endpoint,
        fetch: Option<Function>,
        timeout_ms: f64,
        region: Option<String>,
        language: Option<String>,
        auth: Auth,
    ) -> Self {
        Upstream {
            endpoint,
            fetch,
            timeout_ms,
            region,
            language,
            sign_action: false,
            auth,
            signer: RefCell::new(Signer::new()),
            clock_offset_ms: Cell::new(0.0),
            provided: RefCell::new(None),
            provided_token: RefCell::new(None),
        }
    }

    /// The function asked before every attempt: for credentials, or for a proxy token.
    pub fn provider(&self) -> Option<&Function> {
        match &self.auth {
            Auth::Provider(f) | Auth::ProxyProvider(f) => Some(f),
            _ => None,
        }
    }

    /// Keeps the server's clock offset for every later signature.
    pub fn set_clock_offset(&self, ms: f64) {
        self.clock_offset_ms.set(ms);
    }

    /// Every header of one attempt, signed now: `name \n value \n ...` (values never hold a line
    /// break: they are printable ASCII). `provided` is what the credentials function returned for
    /// this attempt; `language` overrides the configured one (a proxy passes its caller's).
    pub fn headers(
        &self,
        action: &str,
        body: &[u8],
        wall_ms: f64,
        provided: &JsValue,
        language: Option<&str>,
    ) -> Result<String, Error> {
        let mut out = String::with_capacity(512);
        let mut push = |name: &str, value: &str| {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(name);
            out.push('\n');
            out.push_str(value);
        };
        let language = language.or(self.language.as_deref());
        let credentials = match &self.auth {
            Auth::Keys(c) => Some(c.clone()),
            Auth::Provider(_) => Some(read_provided(provided)?),
            Auth::Proxy(token) => {
                push("Authorization", &["Bearer ", token.as_str()].concat());
                None
            }
            Auth::ProxyProvider(_) => {
                let token = provided.as_string().filter(|t| crate::tc3::is_header_value(t)).ok_or_else(|| {
                    Error::invalid_parameter("proxyToken", "must return a token: printable ASCII, no spaces around it")
                })?;
                push("Authorization", &["Bearer ", token.as_str()].concat());
                *self.provided_token.borrow_mut() = Some(token);
                None
            }
            Auth::Anonymous => None,
        };
        match credentials {
            Some(creds) => {
                let timestamp = libm::floor((wall_ms + self.clock_offset_ms.get()) / 1000.0).max(0.0) as u64;
                let mut input = SignInput::mps(&self.endpoint.host, action, body, timestamp);
                input.region = self.region.as_deref();
                input.language = language;
                input.sign_action_header = self.sign_action;
                let signed = self.signer.borrow_mut().sign(&creds, &input);
                for (name, value) in &signed.headers {
                    push(name, value);
                }
                if matches!(self.auth, Auth::Provider(_)) {
                    *self.provided.borrow_mut() = Some(creds);
                }
            }
            None => {
                push("Content-Type", DEFAULT_CONTENT_TYPE);
                push("X-TC-Action", action);
                push("X-TC-Version", API_VERSION);
                if let Some(region) = &self.region {
                    push("X-TC-Region", region);
                }
                if let Some(language) = language {
                    push("X-TC-Language", language);
                }
            }
        }
        push("X-TC-RequestClient", REQUEST_CLIENT);
        Ok(out)
    }

    /// Removes the secret key and token, or the proxy token, from text that came from elsewhere.
    pub fn redact(&self, text: &str) -> String {
        self.with_secrets(|secrets| crate::secret::redact(text, secrets))
    }

    /// `error` with [`Self::redact`] applied to every text in it that a server may have given.
    pub fn redact_error(&self, error: Error) -> Error {
        self.with_secrets(|secrets| error.redacted(secrets))
    }

    /// `f` of the secrets to keep out of foreign text: the keys' secret key and token, or the
    /// proxy token (the last one its function gave); none yet for a provider not asked yet.
    fn with_secrets<R>(&self, f: impl FnOnce(&[&str]) -> R) -> R {
        let provided = self.provided.borrow();
        let provided_token = self.provided_token.borrow();
        let credentials = match (&self.auth, &*provided) {
            (Auth::Keys(c), _) | (Auth::Provider(_), Some(c)) => Some(c),
            _ => None,
        };
        let token = match (&self.auth, &*provided_token) {
            (Auth::Proxy(token), _) | (Auth::ProxyProvider(_), Some(token)) => Some(token.as_str()),
            _ => credentials.and_then(|c| c.token.as_ref()).map(|t| t.expose()),
        };
        let key = credentials.map(|c| c.secret_key.expose());
        let mut secrets = [""; 2];
        let mut count = 0;
        for secret in [key, token].into_iter().flatten() {
            secrets[count] = secret;
            count += 1;
        }
        f(&secrets[..count])
    }

    /// [`Self::redact`] for bytes passed on (a proxy's answers), when they are text.
    pub fn redact_bytes(&self, body: Vec<u8>) -> Vec<u8> {
        match core::str::from_utf8(&body) {
            Ok(text) => {
                let clean = self.redact(text);
                if clean == text {
                    body
                } else {
                    clean.into_bytes()
                }
            }
            Err(_) => body,
        }
    }
}

/// The sending state as the JavaScript driver sees it (shared with its client or proxy).
#[wasm_bindgen(js_name = Upstream)]
pub struct Link(Rc<Upstream>);

impl Link {
    /// A handle on `upstream`.
    pub fn new(upstream: &Rc<Upstream>) -> Self {
        Link(upstream.clone())
    }
}

#[wasm_bindgen(js_class = Upstream)]
impl Link {
    /// The URL requests are POSTed to.
    #[wasm_bindgen(getter)]
    pub fn url(&self) -> String {
        self.0.endpoint.url.clone()
    }

    /// The `fetch` option (undefined: the global one).
    #[wasm_bindgen(getter)]
    pub fn fetch(&self) -> Option<Function> {
        self.0.fetch.clone()
    }

    /// The function asked before every attempt: `credentials`, or a `proxyToken` function.
    #[wasm_bindgen(getter)]
    pub fn provider(&self) -> Option<Function> {
        self.0.provider().cloned()
    }

    /// What the provider is asked for, in messages: `credentials` or `proxyToken`.
    #[wasm_bindgen(getter, js_name = providerName)]
    pub fn provider_name(&self) -> String {
        match self.0.auth {
            Auth::ProxyProvider(_) => "proxyToken".into(),
            _ => "credentials".into(),
        }
    }

    /// The time limit of one attempt.
    #[wasm_bindgen(getter, js_name = timeoutMs)]
    pub fn timeout_ms(&self) -> f64 {
        self.0.timeout_ms
    }

    /// The headers of one attempt, signed at `wall_ms` (`provided`: what the credentials function
    /// returned for it; `language`: a proxy's caller's, kept only if the API has it).
    pub fn headers(
        &self,
        action: &str,
        body: &[u8],
        wall_ms: f64,
        provided: JsValue,
        language: Option<String>,
    ) -> Result<String, JsValue> {
        let language = language.filter(|l| is_language(l));
        self.0.headers(action, body, wall_ms, &provided, language.as_deref()).map_err(thrown)
    }
}

/// What a credentials function returned: `{ secretId, secretKey, token? }`.
fn read_provided(value: &JsValue) -> Result<Credentials, Error> {
    let shape = || Error::invalid_parameter("credentials", "must return { secretId, secretKey, token? }");
    let o = Options::new(value, "credentials()", &["secretId", "secretKey", "token"]).map_err(|_| shape())?;
    let (Some(id), Some(key)) =
        (o.header("secretId").map_err(|_| shape())?, o.string("secretKey").map_err(|_| shape())?)
    else {
        return Err(shape());
    };
    let mut creds = Credentials::new(id, key);
    if let Some(token) = o.header("token").map_err(|_| shape())? {
        creds = creds.with_token(token);
    }
    Ok(creds)
}
