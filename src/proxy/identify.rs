//! Who is calling: a request's `Authorization` and `Origin` read as a caller, a refusal, or a
//! question for the app's `authorize` hook.

use crate::prelude::*;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::refusal::{origin_refused, unauthorized, Refusal};
use super::{token, Caller, PartialLimits, ProxyPolicy, ANONYMOUS};
use crate::json::decimal;

/// Who is calling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identity {
    /// This caller.
    Caller(Caller),
    /// Nobody the proxy accepts.
    Refuse(Refusal),
    /// No credential of the proxy's own: the `authorize` hook decides.
    Authorize,
}

impl ProxyPolicy {
    /// Who is calling, from `Authorization` (a bearer token, the scheme in any case) and `Origin`,
    /// at `now_s` (Unix seconds, for token expiry).
    ///
    /// A token of the proxy's own (`mps1.…`, or a static one) is decided here. With an `authorize`
    /// hook, any other credential (a JWT, another scheme, a wrong static token) goes to the hook:
    /// it is the app's own auth, and may accept what the proxy does not know. A minted token that
    /// is forged or expired never does: it is refused as it is.
    pub fn identify(&self, authorization: Option<&str>, origin: Option<&str>, now_s: u64) -> Identity {
        let Some(authorization) = authorization else {
            return self.without_credential(origin);
        };
        let bearer = bearer_token(authorization);
        if let Some(bearer) = bearer {
            if bearer.starts_with(token::PREFIX) && !self.token_secrets.is_empty() {
                return self.minted(bearer, now_s);
            }
            if let Some(subject) = self.static_subject(bearer) {
                return Identity::Caller(self.caller(subject, None, PartialLimits::default()));
            }
        }
        // `mps1.` is the proxy's own form, never the hook's: without tokenSecret it is no token.
        let ours = bearer.is_some_and(|b| b.starts_with(token::PREFIX));
        if self.authorize && !ours {
            return Identity::Authorize;
        }
        Identity::Refuse(unauthorized(match bearer {
            Some(_) => "a valid proxy token is required (Authorization: Bearer ...)",
            None => "the Authorization header must be Bearer <token>",
        }))
    }

    /// A request without `Authorization`: the `authorize` hook decides, or, in anonymous mode, its
    /// `Origin`.
    fn without_credential(&self, origin: Option<&str>) -> Identity {
        if self.authorize {
            return Identity::Authorize;
        }
        if self.anonymous {
            return match origin {
                Some(o) if self.origin_allowed(o) => {
                    Identity::Caller(self.caller(ANONYMOUS.to_owned(), None, PartialLimits::default()))
                }
                Some(_) => Identity::Refuse(origin_refused()),
                None => Identity::Refuse(unauthorized("a proxy token, or a page from an allowed origin, is required")),
            };
        }
        Identity::Refuse(unauthorized("a valid proxy token is required (Authorization: Bearer ...)"))
    }

    /// The caller of a minted token, or why it is refused (expired says so).
    fn minted(&self, bearer: &str, now_s: u64) -> Identity {
        match token::verify(&self.token_secrets, bearer, now_s) {
            Ok(claims) => Identity::Caller(self.caller(claims.subject, claims.actions, claims.limits)),
            Err(token::TokenError::Expired(at)) => Identity::Refuse(Refusal::new(
                401,
                "AuthFailure.ProxyTokenExpired",
                ["the proxy token expired at ", &decimal(at), " (Unix seconds): get a new one from the app"].concat(),
            )),
            Err(_) => Identity::Refuse(unauthorized("the proxy token is not valid")),
        }
    }

    /// The subject of a static token, if `bearer` is one: compared as digests, in constant time,
    /// with every configured token.
    fn static_subject(&self, bearer: &str) -> Option<String> {
        let digest: [u8; 32] = Sha256::digest(bearer.as_bytes()).into();
        let mut matched = subtle::Choice::from(0);
        for accepted in &self.token_digests {
            matched |= accepted.ct_eq(&digest);
        }
        // One subject per static token, stable across restarts: a digest prefix, not the token.
        bool::from(matched).then(|| ["token:", &hex(&digest[..8])].concat())
    }

    /// The caller an `authorize` hook named, with its limits over the proxy's.
    pub fn caller(&self, subject: String, actions: Option<Vec<String>>, limits: PartialLimits) -> Caller {
        Caller { subject, actions, limits: self.limits.with(limits) }
    }
}

/// The token of `Authorization: Bearer <token>` (the scheme in any case), if that is its form.
fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|b| [DIGITS[usize::from(b >> 4)] as char, DIGITS[usize::from(b & 15)] as char]).collect()
}
