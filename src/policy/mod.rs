//! Pure policies and machines: retries, pacing, polling, and the sequences of a call and of a wait,
//! decided over plain data with time and randomness passed in. The drivers (JavaScript around
//! `fetch` and timers) only send, sleep and report what happened.

pub mod call;
pub mod pace;
pub mod poll;
pub mod quota;
pub mod retry;
pub mod wait;

/// Default per-attempt HTTP timeout (`timeoutMs`), in milliseconds.
pub const DEFAULT_TIMEOUT_MS: f64 = 30_000.0;
/// Default retries of retry-safe failures (`maxRetries`).
pub const DEFAULT_MAX_RETRIES: u32 = 3;

/// The numbers the JavaScript drivers and the machines exchange (the package's generated
/// vocabulary carries them to JavaScript).
pub mod codes {
    /// A kind's create.
    pub const OP_CREATE: u8 = 0;
    /// A kind's describe.
    pub const OP_DESCRIBE: u8 = 1;
    /// Any other action.
    pub const OP_CALL: u8 = 2;
    /// The signing proxy's forward.
    pub const OP_FORWARD: u8 = 3;
    /// Done: read the result.
    pub const STEP_DONE: u8 = 0;
    /// Re-sign (the clock was corrected) and send again at once.
    pub const STEP_RESIGN: u8 = 1;
    /// Sleep, then send again (or, for a wait, describe again).
    pub const STEP_SLEEP: u8 = 2;
    /// Failed: read the error.
    pub const STEP_FAIL: u8 = 3;
    /// A pacer's answer: go now.
    pub const TURN_GO: f64 = -1.0;
    /// A pacer's answer: someone is ahead; wait to be woken.
    pub const TURN_QUEUED: f64 = -2.0;
    /// A pacer's answer: every place is held by a request in flight; wait for one to finish.
    pub const TURN_AFTER_FINISH: f64 = -3.0;
}
