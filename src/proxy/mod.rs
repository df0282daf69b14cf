//! The signing proxy's decisions, as pure functions: who is calling, what they may do, which task
//! ids they may see, and how every refusal is answered.
//!
//! A web page's callers are the public, and every task they create is billed, so a caller is always
//! someone: the subject of a short-lived token the app's server minted ([`token`]), one static token
//! (a server or a script), whoever the app's own `authorize` hook says, or, only when asked for and
//! only from allowed origins, "anonymous". Each subject has its limits ([`limits`], counted by
//! [`crate::policy::quota`]), sees only the tasks it created ([`handle`]), and cannot point the
//! output at a bucket of its choosing ([`body`]). Refusals use the API's own error shape, with an
//! HTTP status that says why, so a client reads them like any other API error.

use crate::prelude::*;
pub mod body;
pub mod handle;
mod identify;
pub mod limits;
pub mod refusal;
pub mod token;

use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::json::{decimal, quoted, Map};
use crate::kinds;
pub use identify::Identity;
pub use limits::{Class, Limits, PartialLimits};
pub use refusal::{
    account_limit, body_timeout, headers_too_large, internal, passable_status, quota_spent, unauthorized,
    unreadable_body, upstream_failed, upstream_status, uri_too_long, Refusal,
};
use refusal::{error_body, origin_refused};

/// The actions a proxy forwards unless told otherwise: every kind's create and describe.
pub fn default_actions() -> Vec<String> {
    kinds::actions().map(str::to_owned).collect()
}

/// The largest body forwarded unless told otherwise; a real request is a few kilobytes.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;
/// The largest `maxBodyBytes` accepted.
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// The request headers the proxy reads (each checked for length before it is copied).
pub const READS: &[&str] = &["origin", "authorization", "x-tc-action", "x-tc-language", "content-length"];
/// Request headers a browser may send through the proxy (CORS preflight).
pub const ALLOWED_HEADERS: &str =
    "authorization, content-type, x-tc-action, x-tc-version, x-tc-region, x-tc-language, x-tc-requestclient";
/// Answer headers a page may read: `Retry-After` says when a spent quota resets.
pub const EXPOSED_HEADERS: &str = "retry-after";
/// The subject of every anonymous caller.
pub const ANONYMOUS: &str = "anonymous";

/// Who is calling, as far as the proxy is concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// One subject: a user, a static token, or "anonymous". Quotas and task ownership follow it.
    pub subject: String,
    /// Narrower actions than the proxy allows, if the caller's token says so.
    pub actions: Option<Vec<String>>,
    /// This caller's limits.
    pub limits: Limits,
}

/// How the proxy tells who is calling and what they may do.
pub struct ProxyPolicy {
    /// Actions forwarded; everything else is refused.
    pub allow_actions: Vec<String>,
    /// SHA-256 of each static token: digests compare in constant time whatever the token's length.
    token_digests: Vec<[u8; 32]>,
    /// The secrets minted tokens are checked with (every one verifies; the first mints).
    token_secrets: Vec<Vec<u8>>,
    /// The keys task handles are sealed with (the first) and opened with (any).
    handle_keys: Vec<[u8; 32]>,
    /// Origins allowed to call from a browser (`*` for any, only with a real caller check).
    pub allow_origins: Vec<String>,
    /// Callers without a token from an allowed origin are one subject, "anonymous".
    pub anonymous: bool,
    /// An `authorize` hook (JavaScript) decides about callers without a token of the proxy's own.
    pub authorize: bool,
    /// The limits of every caller unless their token or `authorize` says otherwise.
    pub limits: Limits,
    /// The largest body forwarded.
    pub max_body_bytes: usize,
    /// The one path served.
    pub path: String,
}

/// What the proxy is given to decide who may call.
#[derive(Default)]
pub struct Gates {
    /// Static bearer tokens (at least 16 characters each).
    pub proxy_tokens: Vec<String>,
    /// Secrets of minted tokens (at least 32 bytes each).
    pub token_secrets: Vec<Vec<u8>>,
    /// Whether an `authorize` hook is set.
    pub authorize: bool,
    /// Whether anonymous callers from allowed origins are let in.
    pub anonymous: bool,
    /// Allowed browser origins.
    pub allow_origins: Vec<String>,
    /// The proxy's own secret key, when it is static: task handles are sealed with a key derived
    /// from it when there is no token secret.
    pub handle_secret: Option<Vec<u8>>,
}

impl core::fmt::Debug for ProxyPolicy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ProxyPolicy")
            .field("allow_actions", &self.allow_actions)
            .field("tokens", &self.token_digests.len())
            .field("token_secrets", &self.token_secrets.len())
            .field("allow_origins", &self.allow_origins)
            .field("anonymous", &self.anonymous)
            .field("authorize", &self.authorize)
            .field("limits", &self.limits)
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

/// What to do with a request, from its method and path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Head {
    /// A CORS preflight from an allowed origin: answer it.
    Preflight,
    /// Refuse.
    Refuse(Refusal),
    /// A POST to the proxy's path: find out who is calling.
    Continue,
}

/// What to do with a body that was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BodyVerdict {
    /// Forward it (`Some`: these bytes instead, a describe's handle opened into its TaskId).
    Forward(Option<Vec<u8>>),
    /// Refuse it.
    Refuse(Refusal),
    /// A describe of a task this caller did not create: answer as for a task that does not exist.
    NotFound,
}

/// Why requests could never match `path`, if they could not: a request's path is compared as a URL
/// parser gives it (WHATWG: dot segments removed, `\` read as `/`, some characters escaped), so a
/// path that parsing would rewrite matches nothing.
fn path_problem(path: &str) -> Option<&'static str> {
    if !path.starts_with('/') {
        return Some("must start with /");
    }
    // Escaped by the parser (Node 24 escapes `^` too), the start of a query or fragment, or removed.
    let escaped = path.bytes().any(|b| !b.is_ascii_graphic() || b"\"#<>?\\^`{}".contains(&b));
    if escaped || path.as_bytes().split(|&b| b == b'/').any(is_dot_segment) {
        return Some("must be as URLs give it (no request would match otherwise): printable ASCII without . or .. segments or \\ \" # < > ? ^ ` { }");
    }
    None
}

/// Whether `segment` is `.` or `..`, each dot perhaps written `%2e` or `%2E`, as URLs read them.
fn is_dot_segment(segment: &[u8]) -> bool {
    let mut rest = segment;
    let mut dots = 0;
    while let Some(&first) = rest.first() {
        rest = match rest {
            [b'%', b'2', b'e' | b'E', after @ ..] => after,
            _ if first == b'.' => &rest[1..],
            _ => return false,
        };
        dots += 1;
    }
    dots == 1 || dots == 2
}

fn is_action_name(action: &str) -> bool {
    !action.is_empty() && action.len() <= 128 && action.bytes().all(|b| b.is_ascii_alphanumeric())
}

impl ProxyPolicy {
    /// A policy, refusing setups that would sign for anyone: no caller check at all,
    /// `allowAnonymous` with `"*"` or without origins, `"*"` without a real caller check.
    pub fn new(
        allow_actions: Vec<String>,
        gates: Gates,
        limits: Limits,
        max_body_bytes: usize,
        path: String,
    ) -> Result<Self, Error> {
        if let Some(bad) = allow_actions.iter().find(|a| !is_action_name(a)) {
            let problem = ["holds ", &quoted(bad), ", which is not an action name"].concat();
            return Err(Error::invalid_value("allowActions", &problem));
        }
        if let Some(problem) = path_problem(&path) {
            return Err(Error::invalid_value("path", problem));
        }
        if gates.proxy_tokens.iter().any(|t| t.len() < 16 || !crate::tc3::is_header_value(t)) {
            return Err(Error::invalid_value(
                "proxyTokens",
                "must be printable ASCII of at least 16 characters each (they are bearer secrets)",
            ));
        }
        if gates.token_secrets.iter().any(|s| s.len() < token::MIN_SECRET_BYTES) {
            return Err(Error::invalid_value("tokenSecret", "must be at least 32 bytes (each, when rotating)"));
        }
        let real_check = !gates.proxy_tokens.is_empty() || !gates.token_secrets.is_empty() || gates.authorize;
        let any_origin = gates.allow_origins.iter().any(|o| o == "*");
        if !real_check && !gates.anonymous {
            return Err(Error::invalid_parameter(
                "tokenSecret",
                "(or proxyTokens, authorize or allowAnonymous) is required: a proxy must know who calls it",
            ));
        }
        if gates.anonymous && (any_origin || gates.allow_origins.is_empty()) {
            return Err(Error::invalid_parameter(
                "allowAnonymous",
                "needs allowOrigins listing the pages that may call, and never \"*\" (that would sign for anyone)",
            ));
        }
        if any_origin && !real_check {
            return Err(Error::invalid_parameter(
                "allowOrigins",
                "may be \"*\" only together with tokenSecret, proxyTokens or authorize",
            ));
        }
        let handle_keys: Vec<[u8; 32]> = if gates.token_secrets.is_empty() {
            gates.handle_secret.iter().map(|s| handle::derive_key(s)).collect()
        } else {
            gates.token_secrets.iter().map(|s| handle::derive_key(s)).collect()
        };
        if handle_keys.is_empty() {
            return Err(Error::missing_parameter(
                "tokenSecret",
                "is required with a credentials function: task handles need a secret that does not rotate",
            ));
        }
        Ok(ProxyPolicy {
            allow_actions,
            token_digests: gates.proxy_tokens.iter().map(|t| Sha256::digest(t.as_bytes()).into()).collect(),
            token_secrets: gates.token_secrets,
            handle_keys,
            allow_origins: gates.allow_origins,
            anonymous: gates.anonymous,
            authorize: gates.authorize,
            limits,
            max_body_bytes: max_body_bytes.min(MAX_BODY_BYTES),
            path,
        })
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

    /// What to do with a request, from its method and path.
    pub fn head(&self, req: &Incoming<'_>) -> Head {
        if req.path != self.path {
            return Head::Refuse(Refusal::new(
                404,
                "ResourceNotFound",
                ["this proxy serves POST ", &self.path].concat(),
            ));
        }
        if req.method == "OPTIONS" {
            return match req.origin {
                Some(o) if self.origin_allowed(o) => Head::Preflight,
                _ => Head::Refuse(origin_refused()),
            };
        }
        if req.method != "POST" {
            return Head::Refuse(Refusal::new(405, "UnsupportedOperation", "only POST is accepted"));
        }
        Head::Continue
    }

    /// Whether `caller` may send `action` from `origin` with a body of `content_length`: the action
    /// forwarded, or the refusal.
    pub fn admit(&self, caller: &Caller, req: &Incoming<'_>) -> Result<String, Refusal> {
        if req.origin.is_some_and(|o| !self.allow_origins.is_empty() && !self.origin_allowed(o)) {
            return Err(origin_refused());
        }
        let action = match req.action.map(str::trim) {
            None | Some("") => return Err(Refusal::new(400, "MissingParameter", "the X-TC-Action header is required")),
            Some(a) => a,
        };
        let allowed = is_action_name(action)
            && self.allow_actions.iter().any(|a| a == action)
            && caller.actions.as_ref().map_or(true, |mine| mine.iter().any(|a| a == action));
        if !allowed {
            return Err(Refusal::new(403, "UnauthorizedOperation", "this action is not allowed for this caller"));
        }
        if req.content_length.is_some_and(|n| n > self.max_body_bytes as u64) {
            return Err(self.too_large());
        }
        Ok(action.to_owned())
    }

    /// The refusal of a body over [`Self::max_body_bytes`].
    pub fn too_large(&self) -> Refusal {
        let message = ["the body is larger than ", &decimal(self.max_body_bytes as u64), " bytes"].concat();
        Refusal::new(413, "RequestSizeLimitExceeded", message)
    }

    /// A body that was read, for `action` by `caller`: one JSON object within the size limit; no
    /// `StoreCosParam` unless `store_cos_param_allowed` (the default check refuses it); for a kind's
    /// describe, a task handle of this caller's, opened into the body sent upstream.
    pub fn check_body(&self, action: &str, body: &[u8], caller: &Caller, store_cos_param_allowed: bool) -> BodyVerdict {
        if body.len() > self.max_body_bytes {
            return BodyVerdict::Refuse(self.too_large());
        }
        let Some(scan) = body::scan(body) else {
            return BodyVerdict::Refuse(Refusal::new(400, "InvalidParameter", "the body must be a JSON object"));
        };
        if scan.store_cos_param && !store_cos_param_allowed {
            return BodyVerdict::Refuse(Refusal::new(
                400,
                "InvalidParameter",
                "StoreCosParam is not accepted through this proxy (it names a COS bucket to write into)",
            ));
        }
        if kinds::by_action(action).is_some_and(|k| k.describe == action) {
            let opened = scan.task_id.and_then(|h| handle::open(&self.handle_keys, &caller.subject, &h));
            return match opened {
                Some(task_id) => BodyVerdict::Forward(Some(kinds::body(&Map::of([("TaskId", task_id.into())])))),
                None => BodyVerdict::NotFound,
            };
        }
        BodyVerdict::Forward(None)
    }

    /// A create's answer with its TaskId replaced by the caller's handle (also in an answer that is
    /// cut off or garbled but names it), so that only this caller can describe the task.
    pub fn seal_answer(&self, action: &str, caller: &Caller, answer: &[u8]) -> Option<Vec<u8>> {
        if !kinds::by_action(action).is_some_and(|k| k.create == action) {
            return None;
        }
        let (span, task_id) = crate::envelope::task_id_span(answer)?;
        let handle = handle::seal(&self.handle_keys[0], &caller.subject, &task_id);
        // Written as JSON: the id it holds may have a quote or a backslash.
        Some([&answer[..span.start], quoted(&handle).as_bytes(), &answer[span.end..]].concat())
    }

    /// The answer for a describe of a task the caller did not create: the same as for one that
    /// does not exist, whoever's it is.
    pub fn not_found(request_id: &str) -> String {
        error_body("FailedOperation.TaskNotFound", "the task does not exist", request_id)
    }
}

#[cfg(test)]
mod tests;
