//! `Waiter`: a wait's machine ([`crate::policy::wait`]) for the JavaScript driver, with the wait
//! options read and checked.

use alloc::rc::Rc;

use js_sys::Function;
use wasm_bindgen::prelude::*;

use super::call::Call;
use super::errors::{thrown, to_js};
use super::options::Options;
use super::upstream::Upstream;
use crate::error::{codes, Error};
use crate::kinds::Kind;
use crate::policy::call::Failure;
use crate::policy::codes::{STEP_DONE, STEP_FAIL, STEP_SLEEP};
use crate::policy::poll::PollSchedule;
use crate::policy::wait::{Wait, WaitStep};
use crate::vocabulary::WAIT_OPTIONS;

/// A wait in progress.
#[wasm_bindgen]
pub struct Waiter {
    machine: Wait,
    kind: &'static Kind,
    upstream: Rc<Upstream>,
    signal: Option<JsValue>,
    on_update: Option<Function>,
    delay_ms: f64,
    error: Option<Error>,
}

impl Waiter {
    /// A wait for `task_id` with `options`, starting at `now_ms` (monotonic).
    pub fn new(
        kind: &'static Kind,
        upstream: Rc<Upstream>,
        task_id: &str,
        options: &JsValue,
        now_ms: f64,
    ) -> Result<Waiter, Error> {
        let o = Options::new(options, "wait options", WAIT_OPTIONS)?;
        let mut schedule = PollSchedule::default();
        if let Some(ms) = o.millis("timeoutMs")? {
            schedule.timeout_ms = ms;
        }
        let interval = o.millis("intervalMs")?;
        if let Some(ms) = interval {
            schedule.interval_ms = ms;
            schedule.max_interval_ms = schedule.max_interval_ms.max(ms);
        }
        if let Some(ms) = o.millis("maxIntervalMs")? {
            if interval.is_some_and(|first| ms < first) {
                return Err(Error::invalid_value("maxIntervalMs", "must not be less than intervalMs"));
            }
            // Without an intervalMs of the caller's, the first pause is the default or this, if shorter.
            schedule.interval_ms = schedule.interval_ms.min(ms);
            schedule.max_interval_ms = ms;
        }
        Ok(Waiter {
            machine: Wait::new(task_id, schedule, now_ms),
            kind,
            upstream,
            signal: o.signal("signal")?,
            on_update: o.function("onUpdate")?,
            delay_ms: 0.0,
            error: None,
        })
    }

    /// The machine's step, as the driver reads it: resolve, sleep (for [`Self::delay_ms`]), or fail.
    fn take(&mut self, step: WaitStep) -> u8 {
        match step {
            WaitStep::Resolve => STEP_DONE,
            WaitStep::Sleep(ms) => {
                self.delay_ms = ms;
                STEP_SLEEP
            }
            WaitStep::Reject(error) => {
                let error = self.upstream.redact_error(error);
                self.reject(error)
            }
        }
    }

    fn reject(&mut self, error: Error) -> u8 {
        self.error = Some(error.with_action(self.kind.describe));
        STEP_FAIL
    }
}

#[wasm_bindgen]
impl Waiter {
    /// The caller's `AbortSignal`, if any.
    #[wasm_bindgen(getter)]
    pub fn signal(&self) -> JsValue {
        self.signal.clone().unwrap_or(JsValue::UNDEFINED)
    }

    /// The caller's `onUpdate`, if any.
    #[wasm_bindgen(getter, js_name = onUpdate)]
    pub fn on_update(&self) -> Option<Function> {
        self.on_update.clone()
    }

    /// The wait's deadline (monotonic ms; `Infinity` for none).
    #[wasm_bindgen(getter)]
    pub fn deadline(&self) -> f64 {
        self.machine.deadline_ms()
    }

    /// After a sleep step: how long.
    #[wasm_bindgen(getter, js_name = delayMs)]
    pub fn delay_ms(&self) -> f64 {
        self.delay_ms
    }

    /// A describe call ended (done or failed): resolve (done), reject, or sleep.
    pub fn after(&mut self, call: &Call, now_ms: f64, random: f64) -> u8 {
        let step = match call.ended() {
            Some(Ok(result)) => self.machine.on_result(result, now_ms, random),
            Some(Err(failure)) => self.machine.on_failure(failure, now_ms, random),
            None => self.machine.on_failure(Failure::Deadline, now_ms, random),
        };
        self.take(step)
    }

    /// The driver could not poll, for a reason of its own side that may pass (`code` and `message`
    /// of a retryable error: the rate-limit coordinator out of reach). As after a describe's
    /// temporary error, the wait polls again on its schedule, or gives up at its deadline.
    pub fn interrupted(&mut self, code: &str, message: &str, now_ms: f64, random: f64) -> u8 {
        let error = Error::new(code, message).with_retryable(true);
        let step = self.machine.on_failure(Failure::Error(error), now_ms, random);
        self.take(step)
    }

    /// The deadline arrived while waiting for a turn to send: `WaitTimeoutError`.
    #[wasm_bindgen(js_name = pastDeadline)]
    pub fn past_deadline(&mut self, now_ms: f64) -> JsValue {
        if let WaitStep::Reject(error) = self.machine.on_failure(Failure::Deadline, now_ms, 0.0) {
            self.reject(error);
        }
        self.error(JsValue::UNDEFINED)
    }

    /// `onUpdate` threw `cause`: the wait stops with `ClientCallbackError`.
    #[wasm_bindgen(js_name = callbackFailed)]
    pub fn callback_failed(&mut self, cause: JsValue) -> JsValue {
        let error = self.machine.on_callback_error();
        self.reject(error);
        self.error(cause)
    }

    /// After a fail step: the error, with `cause`. A `WaitTimeout` after a failed describe has that
    /// describe's error as its cause (with `cause` its own), so the caller sees why no status came.
    pub fn error(&self, cause: JsValue) -> JsValue {
        let Some(e) = &self.error else {
            return thrown(Error::new("InternalError", "the wait has not failed"));
        };
        match &self.machine.state().last_error {
            Some(last) if e.code() == codes::WAIT_TIMEOUT => to_js(e, &to_js(last, &cause)),
            _ => to_js(e, &cause),
        }
    }
}

/// The wait policy for a poller that keeps its own state (a Durable Object between alarms): after
/// `polls` describes of a task being waited for since `started_ms`, the pause before the next one at
/// `now_ms`, or -1 when the wait's `timeout_ms` has passed. Pauses start at `interval_ms` and grow
/// by half each time up to `max_interval_ms`, with jitter from `random`, as `client.wait`'s do.
/// For the Cloudflare coordinator, which runs on the proxy's wasm: built with the `proxy` feature.
#[cfg(feature = "proxy")]
#[wasm_bindgen(js_name = pollDelayMs)]
pub fn poll_delay_ms(
    polls: u32,
    started_ms: f64,
    now_ms: f64,
    random: f64,
    interval_ms: f64,
    max_interval_ms: f64,
    timeout_ms: f64,
) -> f64 {
    let schedule = PollSchedule { interval_ms, max_interval_ms: max_interval_ms.max(interval_ms), timeout_ms };
    match schedule.next(polls, now_ms, started_ms + timeout_ms, random) {
        crate::policy::poll::Next::Sleep(ms) => ms,
        crate::policy::poll::Next::GiveUp => -1.0,
    }
}
