//! The one place that reads the clock and randomness; the policies take them as inputs.
#![allow(clippy::disallowed_methods)]

use super::js::PERFORMANCE;

/// Wall-clock time in milliseconds since the Unix epoch (for signatures).
pub fn wall_ms() -> f64 {
    js_sys::Date::now()
}

/// A monotonic clock in milliseconds (for pacing and deadlines); wall time where there is none.
pub fn mono_ms() -> f64 {
    PERFORMANCE.with(|p| p.as_ref().map(|p| p.now())).unwrap_or_else(wall_ms)
}

/// A random number in `[0, 1)`, for jitter.
pub fn random() -> f64 {
    js_sys::Math::random()
}
