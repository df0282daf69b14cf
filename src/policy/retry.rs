//! Which failures are retried, and how long to wait before the next attempt.
//!
//! Create has no idempotency token: after a timeout or a dropped connection nobody knows whether a
//! task was made (and billed). So a create is retried only when the request surely was not
//! processed (throttling, an expired signature, a connection that never opened); every other
//! failure of a create is final, and marked `maybeCreated` when a task may exist. Describe is
//! read-only and is retried on every transient failure.

use crate::error::{codes, Error};

/// Whether repeating an action can do harm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Idempotency {
    /// Reads only (`Describe*`): always safe to repeat.
    ReadOnly,
    /// May create or change something (`Create*` and every action we cannot vouch for).
    Mutating,
}

impl Idempotency {
    /// Tencent names read-only actions `Describe*`; anything else is treated as mutating.
    pub fn of(action: &str) -> Self {
        if action.starts_with("Describe") {
            Idempotency::ReadOnly
        } else {
            Idempotency::Mutating
        }
    }
}

/// How far a failed attempt got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// The connection never opened (refused, DNS): the server saw nothing.
    NotSent,
    /// The request may have reached the server (a reset or a timeout after sending).
    Unknown,
    /// The server answered (with an error).
    Answered,
}

/// What to do after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Try again after a backoff.
    Retry,
    /// `AuthFailure.SignatureExpire`: correct the clock from the answer's `Date` and re-sign at once.
    FixClock,
    /// `AuthFailure.ProxyTokenExpired`: ask for the proxy token again and send again at once.
    Renew,
    /// Give up with this error.
    Fail {
        /// Whether the same call may succeed later (`retryable` on the error).
        retryable: bool,
        /// A create that may have made a task (`maybeCreated` on the error).
        maybe_created: bool,
    },
}

/// The failure classes of section 6 of the API notes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    /// Not processed: throttling.
    Throttled,
    /// Not processed: the signature's timestamp is too far from the server's clock.
    ClockSkew,
    /// Not processed: a signing proxy's token expired.
    TokenExpired,
    /// Maybe processed: the server or the path to it failed.
    Transient,
    /// Bad key, bad input, no such task: the same request fails the same way.
    Permanent,
}

fn class(error: &Error) -> Class {
    let code = error.code();
    if code == codes::REQUEST_LIMIT_EXCEEDED || code.starts_with("RequestLimitExceeded.") {
        return Class::Throttled;
    }
    if code == codes::SIGNATURE_EXPIRE {
        return Class::ClockSkew;
    }
    if code == codes::PROXY_TOKEN_EXPIRED {
        return Class::TokenExpired;
    }
    match code {
        codes::CLIENT_NETWORK_ERROR | codes::CLIENT_TIMEOUT | codes::INVALID_RESPONSE => Class::Transient,
        codes::SERVER_NETWORK_ERROR => match error.http_status() {
            Some(429) => Class::Throttled,
            Some(s) if s >= 500 => Class::Transient,
            _ => Class::Permanent,
        },
        "InternalError" | "ServiceUnavailable" | "ResourceUnavailable" => Class::Transient,
        _ if code.starts_with("InternalError.") => Class::Transient,
        _ => Class::Permanent,
    }
}

/// Decides what follows a failed attempt.
///
/// `fixed` says whether this call already corrected its clock or renewed its token once (it does
/// each at most once).
pub fn decide(idempotency: Idempotency, delivery: Delivery, error: &Error, fixed: bool) -> Decision {
    match class(error) {
        Class::Throttled => Decision::Retry,
        Class::ClockSkew if !fixed => Decision::FixClock,
        Class::TokenExpired if !fixed => Decision::Renew,
        Class::ClockSkew | Class::TokenExpired => Decision::Fail { retryable: false, maybe_created: false },
        Class::Transient if delivery == Delivery::NotSent => Decision::Retry,
        Class::Transient => match idempotency {
            Idempotency::ReadOnly => Decision::Retry,
            Idempotency::Mutating => Decision::Fail { retryable: false, maybe_created: true },
        },
        Class::Permanent => Decision::Fail { retryable: false, maybe_created: false },
    }
}

/// Exponential backoff with jitter: attempt `n` (0-based) waits a random time in
/// `[d/2, d]` where `d = min(max_ms, base_ms * 2^n)`. The lower half keeps retries from
/// bunching at zero; the random half spreads concurrent clients apart.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    /// The first delay's upper bound, in milliseconds.
    pub base_ms: f64,
    /// The largest delay, in milliseconds.
    pub max_ms: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { base_ms: 500.0, max_ms: 10_000.0 }
    }
}

impl Backoff {
    /// The delay before retry `n` (0 for the first retry), for `random` in `[0, 1)`.
    pub fn delay_ms(&self, n: u32, random: f64) -> f64 {
        let ceiling = (self.base_ms * f64::from(1u32 << n.min(30))).min(self.max_ms);
        ceiling / 2.0 + ceiling / 2.0 * random.clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: &str) -> Error {
        Error::api(code, "m", Some("r"), 200)
    }
    fn http(status: u16) -> Error {
        Error::new(codes::SERVER_NETWORK_ERROR, "x").with_http_status(status)
    }
    fn client(code: &str) -> Error {
        Error::new(code, "x")
    }

    const RETRY: Decision = Decision::Retry;
    const FINAL: Decision = Decision::Fail { retryable: false, maybe_created: false };
    const MAYBE: Decision = Decision::Fail { retryable: false, maybe_created: true };

    #[test]
    fn describe_retries_every_transient_failure() {
        use Delivery::*;
        let d = |e: &Error, how| decide(Idempotency::ReadOnly, how, e, false);
        assert_eq!(d(&client(codes::CLIENT_NETWORK_ERROR), Unknown), RETRY);
        assert_eq!(d(&client(codes::CLIENT_TIMEOUT), Unknown), RETRY);
        assert_eq!(d(&client(codes::INVALID_RESPONSE), Answered), RETRY);
        assert_eq!(d(&http(502), Answered), RETRY);
        assert_eq!(d(&http(429), Answered), RETRY);
        assert_eq!(d(&api("InternalError"), Answered), RETRY);
        assert_eq!(d(&api("InternalError.Db"), Answered), RETRY);
        assert_eq!(d(&api("ServiceUnavailable"), Answered), RETRY);
        assert_eq!(d(&api("RequestLimitExceeded"), Answered), RETRY);
        assert_eq!(d(&api("RequestLimitExceeded.UinLimitExceeded"), Answered), RETRY);
    }

    #[test]
    fn nobody_retries_permanent_failures() {
        for idem in [Idempotency::ReadOnly, Idempotency::Mutating] {
            for code in [
                "AuthFailure.SignatureFailure",
                "AuthFailure.SecretIdNotFound",
                "AuthFailure.UnauthorizedOperation",
                "InvalidParameter",
                "InvalidParameterValue",
                "MissingParameter",
                "UnknownParameter",
                "FailedOperation.TaskNotFound",
                "LimitExceeded.CreateTask",
                "ResourceUnavailable.NotExist",
            ] {
                assert_eq!(decide(idem, Delivery::Answered, &api(code), false), FINAL, "{code}");
            }
            assert_eq!(decide(idem, Delivery::Answered, &http(404), false), FINAL);
            assert_eq!(decide(idem, Delivery::Answered, &http(403), false), FINAL);
        }
    }

    #[test]
    fn create_retries_only_what_surely_was_not_processed() {
        use Delivery::*;
        let c = |e: &Error, how| decide(Idempotency::Mutating, how, e, false);
        assert_eq!(c(&api("RequestLimitExceeded"), Answered), RETRY);
        assert_eq!(c(&http(429), Answered), RETRY);
        assert_eq!(c(&client(codes::CLIENT_NETWORK_ERROR), NotSent), RETRY);
        // Unknown outcome: never retried, and a task may exist.
        assert_eq!(c(&client(codes::CLIENT_NETWORK_ERROR), Unknown), MAYBE);
        assert_eq!(c(&client(codes::CLIENT_TIMEOUT), Unknown), MAYBE);
        assert_eq!(c(&client(codes::INVALID_RESPONSE), Answered), MAYBE);
        assert_eq!(c(&http(500), Answered), MAYBE);
        assert_eq!(c(&http(504), Answered), MAYBE);
        assert_eq!(c(&api("InternalError"), Answered), MAYBE);
    }

    #[test]
    fn the_clock_is_fixed_once() {
        for idem in [Idempotency::ReadOnly, Idempotency::Mutating] {
            let e = api(codes::SIGNATURE_EXPIRE);
            assert_eq!(decide(idem, Delivery::Answered, &e, false), Decision::FixClock);
            assert_eq!(decide(idem, Delivery::Answered, &e, true), FINAL);
        }
    }

    #[test]
    fn idempotency_from_the_action_name() {
        assert_eq!(Idempotency::of("DescribeAigcVideoTask"), Idempotency::ReadOnly);
        assert_eq!(Idempotency::of("DescribeAigcImageTask"), Idempotency::ReadOnly);
        assert_eq!(Idempotency::of("CreateAigcVideoTask"), Idempotency::Mutating);
        assert_eq!(Idempotency::of("ProcessMedia"), Idempotency::Mutating);
    }

    #[test]
    fn backoff_grows_with_jitter_and_a_ceiling() {
        let b = Backoff::default();
        assert_eq!(b.delay_ms(0, 0.0), 250.0);
        assert_eq!(b.delay_ms(0, 1.0), 500.0);
        assert_eq!(b.delay_ms(1, 0.5), 750.0);
        assert_eq!(b.delay_ms(3, 1.0), 4000.0);
        assert_eq!(b.delay_ms(10, 1.0), 10_000.0);
        assert_eq!(b.delay_ms(u32::MAX, 0.0), 5_000.0);
        for n in 0..20 {
            let (lo, hi) = (b.delay_ms(n, 0.0), b.delay_ms(n, 0.999));
            assert!(lo <= hi && hi <= b.max_ms && lo >= b.base_ms / 2.0);
        }
    }
}
