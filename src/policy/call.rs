//! One API call as a machine: what follows each attempt's outcome.
//!
//! The driver (JavaScript, around `fetch`) sends an attempt and hands its outcome to
//! [`Call::after`], which answers with the next [`Step`]: the call is done, re-sign with a corrected
//! clock and go again at once, sleep and go again, or fail with this error. The machine owns the
//! whole sequence: reading the answer, attempt counting, the one clock fix after
//! `AuthFailure.SignatureExpire`, `maybeCreated` for a create whose outcome is unknown, a
//! `Retry-After` that is honoured or refused, and the deadline that no sleep may outlive. Time and
//! randomness are inputs, so every row of the README's retry and fault tables replays natively.

use super::retry::{decide, Backoff, Decision, Delivery, Idempotency};
use crate::envelope::{self, named_task_id, MAX_RESPONSE_BYTES};
use crate::error::{codes, Error};
use crate::json::{decimal, Map};
use crate::kinds::{self, Kind};

/// The longest `Retry-After` a call sleeps through; a later reset fails the call at once, saying
/// when to come back (a proxy's quota can reset hours later).
pub const MAX_RETRY_AFTER_MS: f64 = 60_000.0;

/// What the call is, which decides how an answer is read and whether it may be repeated.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    /// A kind's create: the answer must name a `TaskId`; never repeated once it may have arrived.
    Create(&'static Kind),
    /// A kind's describe: the answer is read as that kind's result; always safe to repeat.
    Describe(&'static Kind),
    /// Any other action (`client.call`): the `Response` as it is; repeated only if `Describe*`.
    Other(Idempotency),
    /// The signing proxy's forward: one attempt, the clock fixed once, the answer passed on as it is.
    Forward,
}

/// The outcome of one attempt, as the transport saw it.
#[derive(Clone, Copy, Debug)]
pub enum Outcome<'a> {
    /// An answer, read whole.
    Answer {
        /// HTTP status.
        status: u16,
        /// The body.
        body: &'a [u8],
        /// The server's time from the `Date` header (ms since the epoch), if it had a usable one.
        server_ms: Option<f64>,
        /// `Retry-After`, in milliseconds from now, if the answer had one.
        retry_after_ms: Option<f64>,
    },
    /// An answer larger than [`MAX_RESPONSE_BYTES`]; its start.
    TooLarge {
        /// HTTP status.
        status: u16,
        /// The bytes read before giving up.
        received: &'a [u8],
    },
    /// No (whole) answer within the attempt's time limit; what had arrived.
    TimedOut {
        /// The limit, for the message.
        limit_ms: f64,
        /// The bytes that had arrived.
        received: &'a [u8],
    },
    /// The network failed: `fetch` rejected, or the body broke off.
    Failed {
        /// What the runtime said.
        message: &'a str,
        /// The runtime's error code (Node: `cause.code`), or empty.
        code: &'a str,
        /// How far the attempt got.
        stage: Stage,
        /// The bytes of the body that had arrived.
        received: &'a [u8],
    },
}

/// How far a failed attempt got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// `fetch` threw before returning a promise: nothing was sent.
    Threw,
    /// `fetch` was called and rejected before an answer's headers arrived.
    Sent,
    /// An answer had started (its headers arrived): the request surely reached the server.
    Answered,
}

impl Stage {
    /// The stage for the number a driver passes (0, 1, 2).
    pub fn from_code(code: u8) -> Self {
        match code {
            0 => Stage::Threw,
            1 => Stage::Sent,
            _ => Stage::Answered,
        }
    }
}

/// What the driver does next.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Done: the `Response`, read for the operation (for [`Op::Forward`], empty: pass the answer on).
    Done(Map),
    /// Sign again and send again at once: with the server's clock (ms, server minus ours) when it
    /// differs from ours, or with a renewed proxy token when that expired (`None`).
    Resign {
        /// Server time minus local wall time, to keep for every later signature.
        clock_offset_ms: Option<f64>,
    },
    /// Sleep this long, then send again (re-signed).
    Sleep(f64),
    /// The call failed.
    Fail(Failure),
}

/// How a call failed.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// With this error.
    Error(Error),
    /// The deadline came before the call could be sent (a wait turns this into `WaitTimeout`).
    Deadline,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Error(error)
    }
}

/// The clock and dice of one decision: monotonic and wall time in ms, and a random number in [0, 1).
#[derive(Clone, Copy, Debug)]
pub struct Now {
    /// A monotonic clock (for deadlines).
    pub mono_ms: f64,
    /// Wall time, ms since the epoch (for the clock offset).
    pub wall_ms: f64,
    /// For jitter.
    pub random: f64,
}

/// One call's state.
#[derive(Clone, Debug)]
pub struct Call {
    op: Op,
    max_retries: u32,
    retries: u32,
    clock_fixed: bool,
    deadline_ms: Option<f64>,
    backoff: Backoff,
}

impl Call {
    /// A call that retries at most `max_retries` times and sleeps past no `deadline_ms` (monotonic).
    pub fn new(op: Op, max_retries: u32, deadline_ms: Option<f64>) -> Self {
        let max_retries = if matches!(op, Op::Forward) { 0 } else { max_retries };
        Call { op, max_retries, retries: 0, clock_fixed: false, deadline_ms, backoff: Backoff::default() }
    }

    /// The retries made so far.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    fn idempotency(&self) -> Idempotency {
        match self.op {
            Op::Describe(_) => Idempotency::ReadOnly,
            Op::Other(idempotency) => idempotency,
            Op::Create(_) | Op::Forward => Idempotency::Mutating,
        }
    }

    /// Decides what follows an attempt's outcome.
    pub fn after(&mut self, outcome: Outcome<'_>, now: Now) -> Step {
        let (error, delivery, server_ms, retry_after_ms) = match outcome {
            // An answer of the wrong shape is a garbled answer like any other: a describe tries
            // again, a create (whose task may exist) does not.
            Outcome::Answer { status, body, server_ms, retry_after_ms } => match self.read(status, body) {
                Ok(result) => return Step::Done(result),
                Err(e) if matches!(self.op, Op::Forward) => {
                    let expired = e.code() == codes::SIGNATURE_EXPIRE && status == 200;
                    return match (expired && !self.clock_fixed, server_ms) {
                        (true, Some(ms)) => self.resign(ms, now),
                        _ => Step::Done(Map::new()),
                    };
                }
                Err(e) => (naming_task(e, body), Delivery::Answered, server_ms, retry_after_ms),
            },
            Outcome::TooLarge { status, received } => {
                let problem = ["response body is larger than ", &decimal(MAX_RESPONSE_BYTES as u64), " bytes"].concat();
                let e = if status == 200 {
                    Error::invalid_response(problem)
                } else {
                    Error::new(
                        codes::SERVER_NETWORK_ERROR,
                        ["HTTP ", &decimal(u64::from(status)), ": ", &problem].concat(),
                    )
                    .with_http_status(status)
                };
                (naming_task(e, received), Delivery::Answered, None, None)
            }
            Outcome::TimedOut { limit_ms, received } => {
                let e =
                    Error::new(codes::CLIENT_TIMEOUT, ["no answer within ", &decimal(limit_ms as u64), " ms"].concat());
                (naming_task(e, received), Delivery::Unknown, None, None)
            }
            Outcome::Failed { message, code, stage, received } => {
                let delivery = match stage {
                    Stage::Threw => Delivery::NotSent,
                    Stage::Sent if never_opened(message, code) => Delivery::NotSent,
                    Stage::Sent | Stage::Answered => Delivery::Unknown,
                };
                let e = Error::new(codes::CLIENT_NETWORK_ERROR, message);
                (naming_task(e, received), delivery, None, None)
            }
        };
        if matches!(self.op, Op::Forward) {
            return Step::Fail(error.into());
        }
        match decide(self.idempotency(), delivery, &error, self.clock_fixed) {
            Decision::FixClock => match server_ms {
                Some(ms) => self.resign(ms, now),
                None => Step::Fail(error.into()),
            },
            Decision::Renew => {
                self.clock_fixed = true;
                Step::Resign { clock_offset_ms: None }
            }
            Decision::Retry => {
                let backoff = self.backoff.delay_ms(self.retries, now.random);
                let pause = retry_after_ms.map_or(backoff, |wait| backoff.max(wait));
                let in_time = !retry_after_ms.is_some_and(|wait| wait > MAX_RETRY_AFTER_MS)
                    && !self.deadline_ms.is_some_and(|d| now.mono_ms + pause >= d);
                if self.retries < self.max_retries && in_time {
                    self.retries += 1;
                    return Step::Sleep(pause);
                }
                // Retries spent, or no time for the next one: the error, retryable, saying when the
                // quota resets if the server said (a wait decides whether it has time to poll again).
                let error = match retry_after_ms {
                    Some(wait) => quota_later(error, wait),
                    None => error.with_retryable(true),
                };
                Step::Fail(error.into())
            }
            Decision::Fail { retryable, maybe_created } => {
                // An answer that names a task, whatever else it says (a 201, a TaskId of the wrong
                // type), may mean one was made.
                let named = error.task_id().is_some() && self.idempotency() == Idempotency::Mutating;
                Step::Fail(error.with_retryable(retryable).with_maybe_created(maybe_created || named).into())
            }
        }
    }

    fn resign(&mut self, server_ms: f64, now: Now) -> Step {
        self.clock_fixed = true;
        // The Date header has whole seconds: aim for the middle of the server's second.
        Step::Resign { clock_offset_ms: Some(server_ms + 500.0 - now.wall_ms) }
    }

    /// An answer read for the operation: its `Response`, or the error it carries or its shape is.
    fn read(&self, status: u16, body: &[u8]) -> Result<Map, Error> {
        let response = envelope::parse(status, body)?;
        match self.op {
            Op::Create(_) => kinds::read_created(response),
            Op::Describe(kind) => kind.read_result(response),
            Op::Other(_) => Ok(response),
            Op::Forward => Ok(Map::new()),
        }
    }
}

/// A throttled call whose quota resets later than it can wait: retryable, saying when.
fn quota_later(error: Error, wait_ms: f64) -> Error {
    let seconds = libm::ceil(wait_ms / 1000.0).max(0.0) as u64;
    error
        .map_message(|m| {
            [m, " (the quota resets in ", &decimal(seconds), " s, later than this call can wait)"].concat()
        })
        .with_retryable(true)
        .with_retry_after_ms(wait_ms.max(0.0))
}

/// Node (undici) names the failed step in `cause.code` (a port fetch refuses to use, such as 1, in
/// `cause.message`, which the driver appends to the message); Deno says it in the message. A
/// connection that never opened means the server saw nothing, which makes even a create safe to
/// retry.
fn never_opened(message: &str, code: &str) -> bool {
    const NOT_SENT: [&str; 6] =
        ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH", "UND_ERR_CONNECT_TIMEOUT"];
    NOT_SENT.contains(&code)
        || message.ends_with("(bad port)")
        || message.contains("Connection refused")
        || message.contains("dns error")
}

/// An error about an answer that could not be read whole, with the task id its first bytes name,
/// if any (see [`named_task_id`]): no task id is dropped.
pub fn naming_task(error: Error, start: &[u8]) -> Error {
    match named_task_id(start) {
        Some(id) => error.map_message(|m| [m, " (the answer names task ", &id, ")"].concat()).with_task_id(&id),
        None => error,
    }
}
