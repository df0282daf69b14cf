//! The signing proxy's decisions, as pure functions: who may call, which actions, how big.
//!
//! A browser page must not hold a secret key, so it sends its requests unsigned to a proxy that
//! holds the key, checks the caller, signs and forwards to a fixed upstream. What the proxy
//! refuses, it refuses with the API's own error shape and an HTTP status that says why, so a client
//! reads a refusal like any other API error.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The actions a proxy forwards unless told otherwise: every kind's create and describe.
pub fn default_actions() -> Vec<String> {
    crate::kinds::actions().map(str::to_owned).collect()
}
/// The largest body forwarded unless told otherwise; a real request is a few kilobytes.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;
/// The request headers the proxy reads (each checked for length before it is copied).
pub const READS: &[&str] = &["origin", "authorization", "x-tc-action", "x-tc-language", "content-length"];
/// Request headers a browser may send through the proxy (CORS preflight).
pub const ALLOWED_HEADERS: &str =
    "authorization, content-type, x-tc-action, x-tc-version, x-tc-region, x-tc-language, x-tc-requestclient";

/// Who may use the proxy and for what.
#[derive(Clone)]
pub struct ProxyPolicy {
    /// Actions forwarded; everything else is refused.
    pub allow_actions: Vec<String>,
    /// SHA-256 of each accepted bearer token: comparing digests keeps the time of a comparison
    /// independent of the token's length and content.
    token_digests: Vec<[u8; 32]>,
    /// Origins allowed to call from a browser (`*` for any).
    pub allow_origins: Vec<String>,
    /// The largest body forwarded.
    pub max_body_bytes: usize,
    /// The one path served (`/`).
    pub path: String,
}

impl std::fmt::Debug for ProxyPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyPolicy")
            .field("allow_actions", &self.allow_actions)
            .field("tokens", &self.token_digests.len())
            .field("allow_origins", &self.allow_origins)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("path", &self.path)
            .finish()
    }
}

/// What the proxy knows about a request before reading its body.
#[derive(Clone, Copy, Debug, Default)]
pub struct Incoming<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// URL path.
    pub path: &'a str,
    /// `Origin`, sent by browsers.
    pub origin: Option<&'a str>,
    /// `Authorization`.
    pub authorization: Option<&'a str>,
    /// `X-TC-Action`.
    pub action: Option<&'a str>,
    /// `Content-Length`, when given.
    pub content_length: Option<u64>,
}

/// A refusal: the HTTP status and the API-shaped error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status.
    pub status: u16,
    /// Error code, in the API's style.
    pub code: &'static str,
    /// Why, without echoing anything secret.
    pub message: String,
}

impl Refusal {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Refusal { status, code, message: message.into() }
    }

    /// `{"Response":{"Error":{"Code":..,"Message":..},"RequestId":..}}`.
    pub fn body(&self, request_id: &str) -> String {
        let body = serde_json::json!({
            "Response": { "Error": { "Code": self.code, "Message": self.message }, "RequestId": request_id }
        });
        body.to_string()
    }
}

/// What to do with a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A CORS preflight from an allowed origin: answer it.
    Preflight,
    /// Read the body, check it, sign it and send it upstream as this action.
    Forward(String),
    /// Refuse.
    Refuse(Refusal),
}

impl ProxyPolicy {
    /// A policy; `tokens` are kept only as digests.
    pub fn new(
        allow_actions: Vec<String>,
        tokens: &[String],
        allow_origins: Vec<String>,
        max_body_bytes: usize,
        path: String,
    ) -> Self {
        let token_digests = tokens.iter().map(|t| Sha256::digest(t.as_bytes()).into()).collect();
        ProxyPolicy { allow_actions, token_digests, allow_origins, max_body_bytes, path }
    }

    /// Whether any caller could ever pass: a proxy with neither tokens nor origins would sign
    /// anything for anyone.
    pub fn has_gate(&self) -> bool {
        !self.token_digests.is_empty() || !self.allow_origins.is_empty()
    }

    /// Whether `origin` may call from a browser.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        self.allow_origins.iter().any(|o| o == "*" || o == origin)
    }

    /// The `Access-Control-Allow-Origin` to send back, if any.
    pub fn cors_origin(&self, origin: Option<&str>) -> Option<String> {
        let origin = origin?;
        self.origin_allowed(origin).then(|| origin.to_owned())
    }

    /// Whether the `Authorization` header carries an accepted bearer token. Every accepted token is
    /// compared, in constant time, whatever matches.
    fn token_valid(&self, authorization: Option<&str>) -> bool {
        let Some(token) = authorization.and_then(|a| a.strip_prefix("Bearer ")) else {
            return false;
        };
        let digest: [u8; 32] = Sha256::digest(token.trim().as_bytes()).into();
        let mut matched = subtle::Choice::from(0);
        for accepted in &self.token_digests {
            matched |= accepted.ct_eq(&digest);
        }
        matched.into()
    }

    /// Decides what to do with a request, before its body is read.
    ///
    /// With tokens configured, a valid token is required, and a browser (a request with an
    /// `Origin`) must also come from an allowed origin when origins are configured. With origins
    /// only, the `Origin` decides; note that only browsers are bound by it.
    pub fn decide(&self, req: &Incoming<'_>) -> Verdict {
        if req.path != self.path {
            return Verdict::Refuse(Refusal::new(
                404,
                "ResourceNotFound",
                format!("this proxy serves POST {}", self.path),
            ));
        }
        let origin_ok = req.origin.is_some_and(|o| self.origin_allowed(o));
        if req.method == "OPTIONS" {
            return if origin_ok {
                Verdict::Preflight
            } else {
                Verdict::Refuse(Refusal::new(
                    403,
                    "AuthFailure.UnauthorizedOperation",
                    "this origin may not use the proxy",
                ))
            };
        }
        if req.method != "POST" {
            return Verdict::Refuse(Refusal::new(405, "UnsupportedOperation", "only POST is accepted"));
        }
        if self.token_digests.is_empty() {
            if !origin_ok {
                return Verdict::Refuse(Refusal::new(
                    403,
                    "AuthFailure.UnauthorizedOperation",
                    "this origin may not use the proxy",
                ));
            }
        } else {
            if !self.token_valid(req.authorization) {
                return Verdict::Refuse(Refusal::new(
                    401,
                    "AuthFailure.InvalidAuthorization",
                    "a valid proxy token is required (Authorization: Bearer ...)",
                ));
            }
            if req.origin.is_some() && !self.allow_origins.is_empty() && !origin_ok {
                return Verdict::Refuse(Refusal::new(
                    403,
                    "AuthFailure.UnauthorizedOperation",
                    "this origin may not use the proxy",
                ));
            }
        }
        let action = match req.action.map(str::trim) {
            None | Some("") => {
                return Verdict::Refuse(Refusal::new(400, "MissingParameter", "the X-TC-Action header is required"))
            }
            Some(a) => a,
        };
        if !action.bytes().all(|b| b.is_ascii_alphanumeric()) || !self.allow_actions.iter().any(|a| a == action) {
            return Verdict::Refuse(Refusal::new(
                403,
                "UnauthorizedOperation",
                "this action is not allowed by the proxy",
            ));
        }
        if req.content_length.is_some_and(|n| n > self.max_body_bytes as u64) {
            return Verdict::Refuse(self.too_large());
        }
        Verdict::Forward(action.to_owned())
    }

    /// The refusal of a body over [`Self::max_body_bytes`].
    pub fn too_large(&self) -> Refusal {
        Refusal::new(413, "RequestSizeLimitExceeded", format!("the body is larger than {} bytes", self.max_body_bytes))
    }

    /// Checks a body that was read: within the size limit and a JSON object.
    pub fn check_body(&self, body: &[u8]) -> Result<(), Refusal> {
        if body.len() > self.max_body_bytes {
            return Err(self.too_large());
        }
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(serde_json::Value::Object(_)) => Ok(()),
            _ => Err(Refusal::new(400, "InvalidParameter", "the body must be a JSON object")),
        }
    }
}

/// A refusal for a body that could not be read (a stream that errored, something that is not bytes).
pub fn unreadable_body() -> Refusal {
    Refusal::new(400, "InvalidParameter", "the request body could not be read")
}

/// A refusal for header values too long to be worth reading.
pub fn headers_too_large() -> Refusal {
    Refusal::new(431, "RequestHeaderFieldsTooLarge", "a request header is too long")
}

/// A refusal for a URL too long to be worth reading.
pub fn uri_too_long() -> Refusal {
    Refusal::new(414, "RequestURITooLong", "the request URL is too long")
}

/// A refusal for a body that did not arrive in time.
pub fn body_timeout() -> Refusal {
    Refusal::new(408, "RequestTimeout", "the request body did not arrive in time")
}

/// A refusal for an upstream that could not be reached or did not answer in time. The codes are
/// `InternalError.*`, which a client treats as "maybe processed": retried for describe, never for
/// create.
pub fn upstream_failed(timed_out: bool) -> Refusal {
    if timed_out {
        Refusal::new(504, "InternalError.UpstreamTimeout", "the upstream did not answer in time")
    } else {
        Refusal::new(502, "InternalError.UpstreamUnreachable", "the upstream could not be reached")
    }
}

/// A refusal for anything unexpected inside the proxy (it answers, never throws).
pub fn internal(message: &str) -> Refusal {
    Refusal::new(500, "InternalError", message.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(tokens: &[&str], origins: &[&str]) -> ProxyPolicy {
        ProxyPolicy::new(
            default_actions(),
            &tokens.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            origins.iter().map(|s| s.to_string()).collect(),
            DEFAULT_MAX_BODY_BYTES,
            "/".into(),
        )
    }

    fn post<'a>(auth: Option<&'a str>, origin: Option<&'a str>, action: Option<&'a str>) -> Incoming<'a> {
        Incoming { method: "POST", path: "/", origin, authorization: auth, action, content_length: Some(20) }
    }

    fn refused(v: Verdict) -> (u16, &'static str) {
        match v {
            Verdict::Refuse(r) => (r.status, r.code),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_valid_token_forwards_an_allowed_action() {
        let p = policy(&["t-1", "t-2"], &[]);
        assert_eq!(
            p.decide(&post(Some("Bearer t-2"), None, Some("CreateAigcVideoTask"))),
            Verdict::Forward("CreateAigcVideoTask".into())
        );
    }

    #[test]
    fn tokens_are_checked() {
        let p = policy(&["t-1"], &[]);
        assert_eq!(
            refused(p.decide(&post(None, None, Some("CreateAigcVideoTask")))),
            (401, "AuthFailure.InvalidAuthorization")
        );
        assert_eq!(refused(p.decide(&post(Some("Bearer t-2"), None, Some("CreateAigcVideoTask")))).0, 401);
        assert_eq!(
            refused(p.decide(&post(Some("t-1"), None, Some("CreateAigcVideoTask")))).0,
            401,
            "the Bearer scheme is required"
        );
        assert_eq!(refused(p.decide(&post(Some("Bearer t-1x"), None, Some("CreateAigcVideoTask")))).0, 401);
        assert_eq!(refused(p.decide(&post(Some("Bearer "), None, Some("CreateAigcVideoTask")))).0, 401);
    }

    #[test]
    fn origins_bind_browsers() {
        let p = policy(&["t-1"], &["https://app.example"]);
        let ok = post(Some("Bearer t-1"), Some("https://app.example"), Some("DescribeAigcVideoTask"));
        assert!(matches!(p.decide(&ok), Verdict::Forward(_)));
        let other = post(Some("Bearer t-1"), Some("https://evil.example"), Some("DescribeAigcVideoTask"));
        assert_eq!(refused(p.decide(&other)), (403, "AuthFailure.UnauthorizedOperation"));
        // A server-side caller (no Origin) with the token is fine.
        assert!(matches!(
            p.decide(&post(Some("Bearer t-1"), None, Some("DescribeAigcVideoTask"))),
            Verdict::Forward(_)
        ));
        // Origins alone: the origin decides.
        let p = policy(&[], &["https://app.example"]);
        assert!(matches!(
            p.decide(&post(None, Some("https://app.example"), Some("DescribeAigcVideoTask"))),
            Verdict::Forward(_)
        ));
        assert_eq!(refused(p.decide(&post(None, None, Some("DescribeAigcVideoTask")))).0, 403);
        assert_eq!(refused(p.decide(&post(None, Some("null"), Some("DescribeAigcVideoTask")))).0, 403);
    }

    #[test]
    fn preflights_are_answered_for_allowed_origins_only() {
        let p = policy(&["t"], &["https://app.example"]);
        let mut req = post(None, Some("https://app.example"), None);
        req.method = "OPTIONS";
        assert_eq!(p.decide(&req), Verdict::Preflight);
        req.origin = Some("https://evil.example");
        assert_eq!(refused(p.decide(&req)).0, 403);
        assert_eq!(p.cors_origin(Some("https://app.example")).as_deref(), Some("https://app.example"));
        assert_eq!(p.cors_origin(Some("https://evil.example")), None);
        let any = policy(&["t"], &["*"]);
        assert_eq!(any.cors_origin(Some("https://x.example")).as_deref(), Some("https://x.example"));
    }

    #[test]
    fn actions_methods_paths_and_sizes() {
        let p = policy(&["t"], &[]);
        let auth = Some("Bearer t");
        assert_eq!(refused(p.decide(&post(auth, None, None))), (400, "MissingParameter"));
        assert_eq!(refused(p.decide(&post(auth, None, Some("DeleteEverything")))), (403, "UnauthorizedOperation"));
        assert_eq!(refused(p.decide(&post(auth, None, Some("CreateAigcVideoTask\r\nX: y")))).0, 403);
        for method in ["GET", "PUT", "DELETE", "PATCH", "HEAD", "TRACE", "CONNECT"] {
            let mut req = post(auth, None, Some("CreateAigcVideoTask"));
            req.method = method;
            assert_eq!(refused(p.decide(&req)), (405, "UnsupportedOperation"), "{method}");
        }
        for path in ["/x", "//", "/../", "/mps.tencentcloudapi.com", ""] {
            let mut req = post(auth, None, Some("CreateAigcVideoTask"));
            req.path = path;
            assert_eq!(refused(p.decide(&req)).0, 404, "{path:?}");
        }
        let mut big = post(auth, None, Some("CreateAigcVideoTask"));
        big.content_length = Some(DEFAULT_MAX_BODY_BYTES as u64 + 1);
        assert_eq!(refused(p.decide(&big)), (413, "RequestSizeLimitExceeded"));
    }

    #[test]
    fn bodies_must_be_small_json_objects() {
        let p = policy(&["t"], &[]);
        assert!(p.check_body(br#"{"Prompt":"x"}"#).is_ok());
        assert_eq!(p.check_body(b"[1]").unwrap_err().status, 400);
        assert_eq!(p.check_body(b"not json").unwrap_err().status, 400);
        assert_eq!(p.check_body(&vec![b' '; DEFAULT_MAX_BODY_BYTES + 1]).unwrap_err().status, 413);
    }

    #[test]
    fn a_proxy_without_tokens_or_origins_has_no_gate() {
        assert!(!policy(&[], &[]).has_gate());
        assert!(policy(&["t"], &[]).has_gate());
        assert!(!format!("{:?}", policy(&["very-secret-token"], &[])).contains("very-secret"));
    }

    #[test]
    fn refusals_have_the_api_shape() {
        let r = Refusal::new(401, "AuthFailure.InvalidAuthorization", "no");
        let body: serde_json::Value = serde_json::from_str(&r.body("p-1")).unwrap();
        assert_eq!(body["Response"]["Error"]["Code"], "AuthFailure.InvalidAuthorization");
        assert_eq!(body["Response"]["RequestId"], "p-1");
        let parsed = crate::envelope::parse(401, r.body("p-1").as_bytes()).unwrap_err();
        assert_eq!((parsed.code(), parsed.http_status()), ("AuthFailure.InvalidAuthorization", Some(401)));
    }
}
