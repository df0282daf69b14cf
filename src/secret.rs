//! Credentials, with the secret parts kept out of every printout.

use crate::prelude::*;
use core::fmt;

/// What a secret prints as, everywhere: `Debug`, `Display`, error messages.
pub const REDACTED: &str = "** REDACTED **";

/// A secret string (a SecretKey or an STS session token) that never prints.
///
/// `Debug` and `Display` show [`REDACTED`]; the value is reachable only through
/// [`Secret::expose`], so every use of it is easy to find.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for signing and for the `X-TC-Token` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// A Tencent Cloud API key pair, with the session token of temporary (STS) credentials.
///
/// The `SecretId` is an identifier that travels in every `Authorization` header, so it prints;
/// the key and the token do not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// The `SecretId` (`AKID...`).
    pub secret_id: String,
    /// The `SecretKey`.
    pub secret_key: Secret,
    /// The STS session token, sent as `X-TC-Token`; `None` for permanent keys.
    pub token: Option<Secret>,
}

impl Credentials {
    /// Permanent credentials: a key pair without a session token.
    pub fn new(secret_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Credentials { secret_id: secret_id.into(), secret_key: Secret::new(secret_key), token: None }
    }

    /// The same credentials with an STS session token.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(Secret::new(token));
        self
    }
}

/// Replaces every occurrence of each secret in `text` with [`REDACTED`]. Secrets shorter than 8
/// bytes are left alone: they would turn ordinary words into noise (real keys are 32+ bytes).
/// Our own messages never contain a secret; this guards text that came from elsewhere (a server's
/// error message, a proxy's answer) before it is shown to anyone. Which secrets a client or proxy
/// holds, `Upstream` knows (`src/wasm/upstream.rs`).
/// (One function, not a generic one: each caller's instance of it would be another copy in the wasm.)
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets {
        if secret.len() >= 8 && out.contains(secret) {
            out = out.replace(secret, REDACTED);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let creds = Credentials::new("AKIDexample", "very-secret-key-000").with_token("sts-token-123456");
        let shown = format!("{creds:?} {} {}", creds.secret_key, creds.token.as_ref().unwrap());
        assert!(shown.contains("AKIDexample"), "{shown}");
        assert!(!shown.contains("very-secret-key-000"), "{shown}");
        assert!(!shown.contains("sts-token-123456"), "{shown}");
        assert!(shown.contains(REDACTED));
    }

    #[test]
    fn redact_removes_key_and_token_from_foreign_text() {
        let creds = Credentials::new("AKIDexample", "very-secret-key-000").with_token("sts-token-123456");
        let text = "bad key very-secret-key-000 and token sts-token-123456 for AKIDexample";
        let clean = redact(text, &[creds.secret_key.expose(), creds.token.as_ref().unwrap().expose()]);
        assert_eq!(clean, format!("bad key {REDACTED} and token {REDACTED} for AKIDexample"));
    }
}
