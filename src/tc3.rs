//! TC3-HMAC-SHA256, the request signature of Tencent Cloud API 3.0.
//!
//! Each step of Tencent's "Signature v3" page (<https://www.tencentcloud.com/document/api/213/33224>)
//! is its own function, so a test can check every intermediate value and a failing test names the
//! broken step: [`hashed_payload`], [`canonical_request`], [`string_to_sign`], [`SigningKey`],
//! [`signature`], [`authorization`]. [`sign`] and [`Signer::sign`] run them in order.
//!
//! Nothing here reads a clock, a random source or the network: the timestamp is an input.

use crate::prelude::*;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::json::decimal;
use crate::secret::{Credentials, Secret};

type HmacSha256 = Hmac<Sha256>;

/// The algorithm name that starts the string to sign and the `Authorization` header.
pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
/// The `Content-Type` the official SDKs send, and ours.
pub const DEFAULT_CONTENT_TYPE: &str = "application/json";
/// The last element of the credential scope.
const TERMINATOR: &str = "tc3_request";

/// Everything that goes into one signature, apart from the credentials.
#[derive(Clone, Copy, Debug)]
pub struct SignInput<'a> {
    /// Signing service name: `mps` for every MPS host.
    pub service: &'a str,
    /// The request URL's host. A port is allowed and is not signed (see [`signed_host`]).
    pub host: &'a str,
    /// `X-TC-Action`, e.g. `CreateAigcVideoTask`.
    pub action: &'a str,
    /// `X-TC-Version`, e.g. `2019-06-12`.
    pub version: &'a str,
    /// Unix seconds; sent as `X-TC-Timestamp`, and its UTC date is in the credential scope.
    pub timestamp: u64,
    /// The exact `Content-Type` header that is sent.
    pub content_type: &'a str,
    /// The exact body bytes that are sent.
    pub body: &'a [u8],
    /// `X-TC-Region`, when set.
    pub region: Option<&'a str>,
    /// `X-TC-Language`, when set.
    pub language: Option<&'a str>,
    /// Also sign `x-tc-action` (lowercased), as the current documentation revision does. The server
    /// accepts both forms; the SDKs sign only `content-type;host`.
    pub sign_action_header: bool,
}

impl<'a> SignInput<'a> {
    /// An MPS request (`service` `mps`, version `2019-06-12`, `application/json`) with nothing optional.
    pub fn mps(host: &'a str, action: &'a str, body: &'a [u8], timestamp: u64) -> Self {
        SignInput {
            service: crate::SERVICE,
            host,
            action,
            version: crate::API_VERSION,
            timestamp,
            content_type: DEFAULT_CONTENT_TYPE,
            body,
            region: None,
            language: None,
            sign_action_header: false,
        }
    }
}

/// The host that is signed: the hostname without a port, lowercased.
///
/// Browsers and Workers derive `Host` from the URL and the server signs the hostname, so
/// `127.0.0.1:8080` signs as `127.0.0.1` and `[::1]:8080` as `[::1]`.
pub fn signed_host(host: &str) -> String {
    let host = host.trim();
    let name = if host.starts_with('[') {
        // IPv6 literal: keep the brackets, drop whatever follows `]`.
        host.find(']').map_or(host, |end| &host[..=end])
    } else {
        match host.rfind(':') {
            Some(colon) if host[colon + 1..].bytes().all(|b| b.is_ascii_digit()) => &host[..colon],
            _ => host,
        }
    };
    name.to_ascii_lowercase()
}

/// `YYYY-MM-DD` of a Unix timestamp, in UTC (a local date breaks requests near midnight).
pub fn utc_date(timestamp: u64) -> String {
    let (year, month, day) = civil_from_days(timestamp / 86_400);
    let mut date = String::with_capacity(10);
    for (n, width) in [(year, 4), (month, 2), (day, 2)] {
        if !date.is_empty() {
            date.push('-');
        }
        let digits = decimal(n);
        for _ in digits.len()..width {
            date.push('0');
        }
        date.push_str(&digits);
    }
    date
}

/// Gregorian (year, month, day) of a day count since 1970-01-01.
///
/// Howard Hinnant's `civil_from_days` (<https://howardhinnant.github.io/date_algorithms.html>),
/// for non-negative day counts; a date library would add far more to the wasm than these lines.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March-based
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// Lowercase hex of a digest. The `hex` crate was measured at a fifth of a signature's time in the
/// size-optimized wasm (`encode` walks a char iterator; `encode_to_slice` still cost 7%); a table
/// lookup into a byte buffer does not show up in the profile.
fn hex32(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)]);
        out.push(DIGITS[usize::from(b & 0x0f)]);
    }
    // Only ASCII digits were written.
    String::from_utf8(out).unwrap_or_default()
}

/// Step 1, last line: `hex(SHA256(body))` of the exact bytes that are sent.
pub fn hashed_payload(body: &[u8]) -> String {
    hex32(&Sha256::digest(body))
}

/// Step 1 of the algorithm: the canonical request, and the list of signed headers it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CanonicalRequest {
    /// The canonical request text.
    pub text: String,
    /// `content-type;host`, or `content-type;host;x-tc-action`.
    pub signed_headers: &'static str,
}

/// Step 1: `POST\n/\n\n` + canonical headers + `\n` + signed headers + `\n` + hashed payload.
///
/// Headers are sorted by name; values are trimmed, and `x-tc-action` is lowercased.
pub fn canonical_request(input: &SignInput<'_>, hashed_payload: &str) -> CanonicalRequest {
    let host = signed_host(input.host);
    let content_type = input.content_type.trim();
    let mut text = String::with_capacity(160 + content_type.len() + host.len());
    text.push_str("POST\n/\n\ncontent-type:");
    text.push_str(content_type);
    text.push_str("\nhost:");
    text.push_str(&host);
    text.push('\n');
    let signed_headers = if input.sign_action_header {
        text.push_str("x-tc-action:");
        text.push_str(&input.action.trim().to_ascii_lowercase());
        text.push('\n');
        "content-type;host;x-tc-action"
    } else {
        "content-type;host"
    };
    text.push('\n');
    text.push_str(signed_headers);
    text.push('\n');
    text.push_str(hashed_payload);
    CanonicalRequest { text, signed_headers }
}

/// Step 2: `TC3-HMAC-SHA256\n<timestamp>\n<date>/<service>/tc3_request\n<hex(SHA256(canonical request))>`.
pub fn string_to_sign(timestamp: u64, date: &str, service: &str, canonical_request: &str) -> String {
    let hashed = hex32(&Sha256::digest(canonical_request.as_bytes()));
    let mut text = String::with_capacity(128);
    text.push_str(ALGORITHM);
    text.push('\n');
    text.push_str(&decimal(timestamp));
    text.push('\n');
    push_scope(&mut text, date, service);
    text.push('\n');
    text.push_str(&hashed);
    text
}

fn push_scope(out: &mut String, date: &str, service: &str) {
    out.push_str(date);
    out.push('/');
    out.push_str(service);
    out.push('/');
    out.push_str(TERMINATOR);
}

/// `hex(HMAC-SHA256(key, message))`: what a webhook's `X-Mps-Signature` carries.
pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    hex32(&hmac(key, message))
}

fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length (long keys are hashed first), so this cannot fail.
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Step 3: the signing key, `HMAC(HMAC(HMAC("TC3" + SecretKey, date), service), "tc3_request")`.
///
/// It depends only on the secret key, the UTC date and the service, so [`Signer`] keeps it for the
/// day. It is as sensitive as the key itself and never prints.
#[derive(Clone)]
pub struct SigningKey {
    bytes: [u8; 32],
    /// HMAC state with the key already absorbed: each signature then costs one HMAC finalization.
    mac: HmacSha256,
}

impl SigningKey {
    /// Derives the key for `date` (`YYYY-MM-DD`) and `service`.
    pub fn derive(secret_key: &Secret, date: &str, service: &str) -> Self {
        let mut prefixed = Vec::with_capacity(3 + secret_key.expose().len());
        prefixed.extend_from_slice(b"TC3");
        prefixed.extend_from_slice(secret_key.expose().as_bytes());
        let k_date = hmac(&prefixed, date.as_bytes());
        let k_service = hmac(&k_date, service.as_bytes());
        let bytes = hmac(&k_service, TERMINATOR.as_bytes());
        let mac = <HmacSha256 as KeyInit>::new_from_slice(&bytes).unwrap_or_else(|_| unreachable!());
        SigningKey { bytes, mac }
    }

    /// The key bytes, for tests against published intermediate values.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }
}

impl core::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(crate::secret::REDACTED)
    }
}

/// Step 4: `hex(HMAC(signing key, string to sign))`.
pub fn signature(key: &SigningKey, string_to_sign: &str) -> String {
    let mut mac = key.mac.clone();
    mac.update(string_to_sign.as_bytes());
    hex32(&mac.finalize().into_bytes())
}

/// Step 5: the `Authorization` header value.
pub fn authorization(secret_id: &str, date: &str, service: &str, signed_headers: &str, signature: &str) -> String {
    let mut out = String::with_capacity(96 + secret_id.len() + signed_headers.len() + signature.len());
    out.push_str(ALGORITHM);
    out.push_str(" Credential=");
    out.push_str(secret_id);
    out.push('/');
    push_scope(&mut out, date, service);
    out.push_str(", SignedHeaders=");
    out.push_str(signed_headers);
    out.push_str(", Signature=");
    out.push_str(signature);
    out
}

/// A signed request: what to add to it before sending.
#[derive(Clone, PartialEq, Eq)]
pub struct Signed {
    /// The `Authorization` header value.
    pub authorization: String,
    /// The hex signature inside it.
    pub signature: String,
    /// Every header to send except `Host` (which fetch derives from the URL), in a fixed order:
    /// `Authorization`, `Content-Type`, `X-TC-Action`, `X-TC-Timestamp`, `X-TC-Version`, then
    /// `X-TC-Region`, `X-TC-Token` and `X-TC-Language` when they apply.
    pub headers: Vec<(&'static str, String)>,
}

impl core::fmt::Debug for Signed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The token travels in a header: show the header names only.
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        f.debug_struct("Signed").field("authorization", &self.authorization).field("headers", &names).finish()
    }
}

/// A signer that keeps the day's signing key, so most signatures cost two SHA-256 and one HMAC.
#[derive(Default, Clone, Debug)]
pub struct Signer {
    cached: Option<CachedKey>,
}

#[derive(Clone, Debug)]
struct CachedKey {
    secret_key: Secret,
    date: String,
    service: String,
    key: SigningKey,
}

impl Signer {
    /// A signer with an empty key cache.
    pub const fn new() -> Self {
        Signer { cached: None }
    }

    /// The signing key for these inputs, derived once per (key, UTC date, service).
    pub fn signing_key(&mut self, secret_key: &Secret, date: &str, service: &str) -> &SigningKey {
        let hit =
            matches!(&self.cached, Some(c) if c.date == date && c.service == service && c.secret_key == *secret_key);
        if !hit {
            let key = SigningKey::derive(secret_key, date, service);
            self.cached = Some(CachedKey {
                secret_key: secret_key.clone(),
                date: date.to_owned(),
                service: service.to_owned(),
                key,
            });
        }
        match &self.cached {
            Some(cached) => &cached.key,
            None => unreachable!(),
        }
    }

    /// Signs `input` with `credentials`; the same result as [`sign`], with the key cached.
    pub fn sign(&mut self, credentials: &Credentials, input: &SignInput<'_>) -> Signed {
        let date = utc_date(input.timestamp);
        let key = self.signing_key(&credentials.secret_key, &date, input.service).clone();
        finish(credentials, input, &date, &key)
    }
}

/// Signs `input` with `credentials`, deriving the signing key afresh.
pub fn sign(credentials: &Credentials, input: &SignInput<'_>) -> Signed {
    let date = utc_date(input.timestamp);
    let key = SigningKey::derive(&credentials.secret_key, &date, input.service);
    finish(credentials, input, &date, &key)
}

fn finish(credentials: &Credentials, input: &SignInput<'_>, date: &str, key: &SigningKey) -> Signed {
    let canonical = canonical_request(input, &hashed_payload(input.body));
    let to_sign = string_to_sign(input.timestamp, date, input.service, &canonical.text);
    let signature = signature(key, &to_sign);
    let authorization =
        authorization(&credentials.secret_id, date, input.service, canonical.signed_headers, &signature);

    let mut headers = Vec::with_capacity(8);
    headers.push(("Authorization", authorization.clone()));
    headers.push(("Content-Type", input.content_type.to_owned()));
    headers.push(("X-TC-Action", input.action.to_owned()));
    headers.push(("X-TC-Timestamp", decimal(input.timestamp)));
    headers.push(("X-TC-Version", input.version.to_owned()));
    if let Some(region) = input.region {
        headers.push(("X-TC-Region", region.to_owned()));
    }
    if let Some(token) = &credentials.token {
        headers.push(("X-TC-Token", token.expose().to_owned()));
    }
    if let Some(language) = input.language {
        headers.push(("X-TC-Language", language.to_owned()));
    }
    Signed { authorization, signature, headers }
}

/// Whether `value` can be sent as an HTTP header value as it is: printable ASCII, no control
/// characters, no surrounding whitespace (fetch would reject or silently trim it).
pub fn is_header_value(value: &str) -> bool {
    !value.is_empty()
        && value.bytes().all(|b| (0x20..0x7f).contains(&b))
        && !value.starts_with(' ')
        && !value.ends_with(' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha256_hex_matches_rfc_4231() {
        // RFC 4231, test case 2.
        assert_eq!(
            hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn utc_date_known_days() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29"); // leap day in a century leap year
        assert_eq!(utc_date(1_640_995_200), "2022-01-01");
        assert_eq!(utc_date(1_767_225_599), "2025-12-31");
        assert_eq!(utc_date(1_767_225_600), "2026-01-01");
        assert_eq!(utc_date(4_107_542_400), "2100-03-01"); // 2100 is not a leap year
    }

    #[test]
    fn utc_date_matches_day_arithmetic_for_four_centuries() {
        // Walk day by day from 1970 and check the calendar advances by exactly one day each step.
        let (mut y, mut m, mut d) = (1970u64, 1u64, 1u64);
        for day in 0..146_097u64 {
            assert_eq!(civil_from_days(day), (y, m, d), "day {day}");
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let len = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][(m - 1) as usize];
            d += 1;
            if d > len {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
    }

    #[test]
    fn signed_host_drops_port_and_case() {
        assert_eq!(signed_host("mps.tencentcloudapi.com"), "mps.tencentcloudapi.com");
        assert_eq!(signed_host("127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(signed_host("MPS.TencentCloudAPI.com:443"), "mps.tencentcloudapi.com");
        assert_eq!(signed_host("[::1]:9000"), "[::1]");
        assert_eq!(signed_host("[::1]"), "[::1]");
        assert_eq!(signed_host("localhost"), "localhost");
    }

    #[test]
    fn signer_cache_follows_date_and_key() {
        let creds = Credentials::new("id", "key-one");
        let mut signer = Signer::new();
        let a = signer.signing_key(&creds.secret_key, "2025-12-31", "mps").as_bytes().to_owned();
        let b = signer.signing_key(&creds.secret_key, "2026-01-01", "mps").as_bytes().to_owned();
        assert_ne!(a, b);
        let other = Secret::new("key-two");
        let c = signer.signing_key(&other, "2026-01-01", "mps").as_bytes().to_owned();
        assert_ne!(b, c);
        assert_eq!(&c, SigningKey::derive(&other, "2026-01-01", "mps").as_bytes());
    }

    #[test]
    fn header_values() {
        assert!(is_header_value("ap-guangzhou"));
        assert!(!is_header_value(""));
        assert!(!is_header_value("ap\nguangzhou"));
        assert!(!is_header_value(" x"));
        assert!(!is_header_value("中文"));
    }
}
