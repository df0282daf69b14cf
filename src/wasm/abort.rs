//! Racing work against the caller's `AbortSignal` and a time limit, leaving nothing behind.
//!
//! Each race adds one `abort` listener and removes it when the race ends, whoever wins; the timer
//! is cleared when its future is dropped (gloo-timers). So a finished call holds no timer and no
//! listener, and an abort rejects at once, also in the middle of a long sleep.

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::Poll;

use gloo_timers::future::TimeoutFuture;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

/// Why a race ended without its work finishing.
#[derive(Debug)]
pub enum Stop {
    /// The caller's signal aborted, with this reason.
    Aborted(JsValue),
    /// The time limit passed.
    TimedOut,
}

/// The longest single timer: `setTimeout` overflows past 2^31 - 1 ms and fires at once.
const MAX_TIMER_MS: f64 = 2_147_483_647.0;

/// A timer of `ms` milliseconds (rounded up, so it never fires early; clamped to what timers take).
pub fn timer(ms: f64) -> TimeoutFuture {
    TimeoutFuture::new(ms.ceil().clamp(0.0, MAX_TIMER_MS) as u32)
}

/// An `abort` listener that resolves a promise, removed again on drop.
struct Listener {
    signal: AbortSignal,
    resolve: Function,
    fired: JsFuture,
}

impl Listener {
    fn new(signal: &AbortSignal) -> Self {
        let mut resolve = None;
        let promise = Promise::new(&mut |res: Function, _rej| {
            let _ = signal.add_event_listener_with_callback("abort", &res);
            resolve = Some(res);
        });
        Listener {
            signal: signal.clone(),
            resolve: resolve.unwrap_or_else(|| Function::new_no_args("")),
            fired: JsFuture::from(promise),
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.signal.remove_event_listener_with_callback("abort", &self.resolve);
    }
}

/// Fails with the signal's reason if it has already aborted. The signal is the caller's object, so
/// it is read through `Reflect` (which catches): a signal whose getters throw counts as aborted,
/// with what was thrown as the reason.
pub fn check(signal: Option<&AbortSignal>) -> Result<(), Stop> {
    let Some(s) = signal else { return Ok(()) };
    match Reflect::get(s, &JsValue::from_str("aborted")) {
        Ok(aborted) if !aborted.is_truthy() => Ok(()),
        Ok(_) => Err(Stop::Aborted(reason(s))),
        Err(thrown) => Err(Stop::Aborted(thrown)),
    }
}

/// The signal's `reason`, or what reading it threw.
fn reason(signal: &AbortSignal) -> JsValue {
    Reflect::get(signal, &JsValue::from_str("reason")).unwrap_or_else(|thrown| thrown)
}

/// Runs `work` until it finishes, `signal` aborts, or `limit_ms` passes (`None`: no limit).
pub async fn race<T>(
    work: impl Future<Output = T>,
    signal: Option<&AbortSignal>,
    limit_ms: Option<f64>,
) -> Result<T, Stop> {
    check(signal)?;
    let mut listener = signal.map(Listener::new);
    let mut limit = limit_ms.filter(|ms| ms.is_finite()).map(timer);
    let mut work = pin!(work);
    poll_fn(|cx| {
        if let Poll::Ready(value) = work.as_mut().poll(cx) {
            return Poll::Ready(Ok(value));
        }
        if let Some(l) = listener.as_mut() {
            if Pin::new(&mut l.fired).poll(cx).is_ready() {
                let reason = signal.map(reason).unwrap_or(JsValue::UNDEFINED);
                return Poll::Ready(Err(Stop::Aborted(reason)));
            }
        }
        if let Some(t) = limit.as_mut() {
            if Pin::new(t).poll(cx).is_ready() {
                return Poll::Ready(Err(Stop::TimedOut));
            }
        }
        Poll::Pending
    })
    .await
}

/// Sleeps `ms`, unless `signal` aborts first.
pub async fn sleep(ms: f64, signal: Option<&AbortSignal>) -> Result<(), Stop> {
    if ms <= 0.0 {
        return check(signal);
    }
    race(timer(ms), signal, None).await
}
