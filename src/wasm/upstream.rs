//! Where requests go and how they are authorized: the signing state shared by a client and the
//! signing proxy's forward (keys or a credentials function, the day's signing key, the clock offset
//! learnt from the server), and the redaction of those secrets from foreign text.

use std::cell::{Cell, RefCell};

use js_sys::Function;
use wasm_bindgen::JsValue;

use super::config::{Auth, Endpoint};
use super::options::Options;
use crate::error::Error;
use crate::secret::Credentials;
use crate::tc3::{SignInput, Signer, DEFAULT_CONTENT_TYPE};
use crate::{API_VERSION, REQUEST_CLIENT};

/// The signing side of a client or a proxy.
pub struct Upstream {
    /// Where requests go.
    pub endpoint: Endpoint,
    /// `X-TC-Region`.
    pub region: Option<String>,
    /// `X-TC-Language` (a proxy passes its caller's instead).
    pub language: Option<String>,
    /// How requests are authorized.
    pub auth: Auth,
    signer: RefCell<Signer>,
    /// Server clock minus ours, learnt from an `AuthFailure.SignatureExpire` answer.
    clock_offset_ms: Cell<f64>,
    /// The last credentials a provider gave, to keep them out of messages too.
    provided: RefCell<Option<Credentials>>,
}

impl Upstream {
    /// The signing state for `endpoint` with `auth`.
    pub fn new(endpoint: Endpoint, region: Option<String>, language: Option<String>, auth: Auth) -> Self {
        Upstream {
            endpoint,
            region,
            language,
            auth,
            signer: RefCell::new(Signer::new()),
            clock_offset_ms: Cell::new(0.0),
            provided: RefCell::new(None),
        }
    }

    /// The credentials function, when requests are signed with what it returns.
    pub fn provider(&self) -> Option<&Function> {
        match &self.auth {
            Auth::Provider(f) => Some(f),
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
                push("Authorization", &format!("Bearer {token}"));
                None
            }
            Auth::Anonymous => None,
        };
        match credentials {
            Some(creds) => {
                let timestamp = ((wall_ms + self.clock_offset_ms.get()) / 1000.0).floor().max(0.0) as u64;
                let mut input = SignInput::mps(&self.endpoint.host, action, body, timestamp);
                input.region = self.region.as_deref();
                input.language = language;
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

    /// Removes the secret key and token from text that came from elsewhere.
    pub fn redact(&self, text: &str) -> String {
        match (&self.auth, &*self.provided.borrow()) {
            (Auth::Keys(c), _) | (Auth::Provider(_), Some(c)) => c.redact(text),
            _ => text.to_owned(),
        }
    }

    /// [`Self::redact`] for bytes passed on (a proxy's answers), when they are text.
    pub fn redact_bytes(&self, body: Vec<u8>) -> Vec<u8> {
        match std::str::from_utf8(&body) {
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
