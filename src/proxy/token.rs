//! Proxy tokens: short-lived bearer tokens for one subject (a signed-in user of the app), minted by
//! the app's own server with [`mint`] and checked by the proxy with [`verify`].
//!
//! A token is `mps1.<payload>.<mac>`: the payload is base64url JSON (`sub` the subject, `exp` the
//! expiry in Unix seconds, optionally `act` narrower actions and `lim` other limits), the MAC is
//! HMAC-SHA256 under the token secret of `mps1.<payload>`, base64url. It is not a secret key: a
//! stolen token expires, is limited, and acts for its one subject only.

use crate::json::{self, Map, Value};
use crate::prelude::*;
use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::limits::PartialLimits;

/// What every token starts with (and the version of its format).
pub const PREFIX: &str = "mps1.";
/// The shortest token secret accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;
/// How long past its expiry a token is still accepted, for clocks that differ (at most 60 s).
pub const LEEWAY_S: u64 = 10;
/// The longest subject, in bytes.
pub const MAX_SUBJECT_BYTES: usize = 256;
/// The longest token read (it travels in a header).
pub const MAX_TOKEN_BYTES: usize = 4096;

/// What a token says.
#[derive(Clone, Debug, PartialEq)]
pub struct Claims {
    /// Whom it acts for.
    pub subject: String,
    /// When it expires, in Unix seconds.
    pub expires: u64,
    /// Narrower actions than the proxy allows, if any.
    pub actions: Option<Vec<String>>,
    /// Other limits for this subject, if any.
    pub limits: PartialLimits,
}

/// Why a token was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenError {
    /// Not a token at all, or cut short.
    Malformed,
    /// Its MAC does not verify under any secret: forged, altered, or made with another secret.
    Forged,
    /// It expired at this time (Unix seconds).
    Expired(u64),
}

fn mac(secret: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Whether `subject` can be a token's subject: 1 to 256 bytes, no control characters.
pub fn valid_subject(subject: &str) -> bool {
    !subject.is_empty() && subject.len() <= MAX_SUBJECT_BYTES && !subject.chars().any(char::is_control)
}

/// A token for `claims` under `secret`.
pub fn mint(secret: &[u8], claims: &Claims) -> String {
    let mut payload = Map::new();
    payload.insert("sub".into(), claims.subject.as_str().into());
    payload.insert("exp".into(), claims.expires.into());
    if let Some(actions) = &claims.actions {
        payload.insert("act".into(), actions.clone().into());
    }
    if let Some(limits) = claims.limits.to_json() {
        payload.insert("lim".into(), limits);
    }
    let mut token = String::from(PREFIX);
    token.push_str(&Base64UrlUnpadded::encode_string(payload.to_json().as_bytes()));
    let signature = mac(secret, token.as_bytes());
    token.push('.');
    token.push_str(&Base64UrlUnpadded::encode_string(&signature));
    token
}

/// The claims of `token` if its MAC verifies under one of `secrets` (each compared in constant
/// time, every one each time) and it has not expired at `now_s` (with [`LEEWAY_S`]).
pub fn verify(secrets: &[Vec<u8>], token: &str, now_s: u64) -> Result<Claims, TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::Malformed);
    }
    let body = token.strip_prefix(PREFIX).ok_or(TokenError::Malformed)?;
    let (payload, signature) = body.split_once('.').ok_or(TokenError::Malformed)?;
    let signature = Base64UrlUnpadded::decode_vec(signature).map_err(|_| TokenError::Malformed)?;
    if signature.len() != 32 {
        return Err(TokenError::Malformed);
    }
    let signed = &token.as_bytes()[..PREFIX.len() + payload.len()];
    let mut matched = subtle::Choice::from(0);
    for secret in secrets {
        matched |= mac(secret, signed).ct_eq(&signature[..]);
    }
    if !bool::from(matched) {
        return Err(TokenError::Forged);
    }
    // Only a payload the app itself signed is parsed.
    let payload = Base64UrlUnpadded::decode_vec(payload).map_err(|_| TokenError::Malformed)?;
    let Ok(Value::Object(payload)) = json::parse(&payload) else {
        return Err(TokenError::Malformed);
    };
    let subject =
        payload.get("sub").and_then(Value::as_str).filter(|s| valid_subject(s)).ok_or(TokenError::Malformed)?;
    let expires = payload.get("exp").and_then(Value::as_u64).ok_or(TokenError::Malformed)?;
    if now_s > expires.saturating_add(LEEWAY_S) {
        return Err(TokenError::Expired(expires));
    }
    let actions = match payload.get("act") {
        None => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|a| a.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or(TokenError::Malformed)?,
        ),
        Some(_) => return Err(TokenError::Malformed),
    };
    let limits = match payload.get("lim") {
        None => PartialLimits::default(),
        Some(v) => PartialLimits::from_json(v).ok_or(TokenError::Malformed)?,
    };
    Ok(Claims { subject: subject.to_owned(), expires, actions, limits })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"an example token secret of 32+ bytes, for tests only";
    const OTHER: &[u8] = b"another example token secret, also 32+ bytes long";

    fn claims() -> Claims {
        Claims { subject: "user-42".into(), expires: 1_000_900, actions: None, limits: PartialLimits::default() }
    }

    #[test]
    fn a_minted_token_verifies_until_it_expires_with_leeway() {
        let token = mint(SECRET, &claims());
        assert!(token.starts_with("mps1."));
        assert_eq!(verify(&[SECRET.to_vec()], &token, 1_000_000), Ok(claims()));
        assert!(verify(&[SECRET.to_vec()], &token, 1_000_900 + LEEWAY_S).is_ok(), "within the leeway");
        assert_eq!(verify(&[SECRET.to_vec()], &token, 1_000_901 + LEEWAY_S), Err(TokenError::Expired(1_000_900)));
    }

    #[test]
    fn forgeries_and_truncations_are_refused() {
        let token = mint(SECRET, &claims());
        assert_eq!(verify(&[OTHER.to_vec()], &token, 1_000_000), Err(TokenError::Forged), "another secret");
        // A payload changed to another subject, with the old MAC.
        let (head, mac) = token.rsplit_once('.').unwrap();
        let forged_payload = Base64UrlUnpadded::encode_string(br#"{"sub":"admin","exp":9999999999}"#);
        assert_eq!(verify(&[SECRET.to_vec()], &format!("mps1.{forged_payload}.{mac}"), 0), Err(TokenError::Forged));
        for cut in [1, 5, head.len(), token.len() - 1] {
            assert!(verify(&[SECRET.to_vec()], &token[..cut], 1_000_000).is_err(), "cut at {cut}");
        }
        for bad in ["", "Bearer x", "mps1.", "mps1..", "mps2.a.b", &"x".repeat(5000)] {
            assert_eq!(verify(&[SECRET.to_vec()], bad, 0), Err(TokenError::Malformed), "{bad:.20}");
        }
    }

    #[test]
    fn rotation_verifies_with_every_secret() {
        let old = mint(OTHER, &claims());
        let new = mint(SECRET, &claims());
        let secrets = [SECRET.to_vec(), OTHER.to_vec()];
        assert!(verify(&secrets, &old, 1_000_000).is_ok());
        assert!(verify(&secrets, &new, 1_000_000).is_ok());
    }

    #[test]
    fn narrower_actions_and_limits_travel_in_the_token() {
        let mut c = claims();
        c.actions = Some(vec!["DescribeAigcVideoTask".into()]);
        c.limits = PartialLimits { creates_per_minute: Some(1), ..PartialLimits::default() };
        let token = mint(SECRET, &c);
        assert_eq!(verify(&[SECRET.to_vec()], &token, 1_000_000), Ok(c));
    }
}
