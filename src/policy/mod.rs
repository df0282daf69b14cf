//! Pure policies: retries, pacing and polling decided over plain data, with time and randomness
//! passed in. The wasm layer only sleeps, fetches and converts values around them.

pub mod pace;
pub mod poll;
pub mod retry;

/// Default per-attempt HTTP timeout (`timeoutMs`), in milliseconds.
pub const DEFAULT_TIMEOUT_MS: f64 = 30_000.0;
/// Default retries of retry-safe failures (`maxRetries`).
pub const DEFAULT_MAX_RETRIES: u32 = 3;
/// Default creates per second (the API's documented limit).
pub const DEFAULT_CREATE_PER_SECOND: u32 = 10;
/// Default describes per second (the API's documented limit).
pub const DEFAULT_DESCRIBE_PER_SECOND: u32 = 50;
