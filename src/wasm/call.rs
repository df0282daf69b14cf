//! `Call`: one API call's machine ([`crate::policy::call`]) for the JavaScript driver, which sends
//! each attempt and reports its outcome here. Each report returns the next step as a code
//! ([`crate::policy::codes`]); the result or the error is then read from the object.

use crate::prelude::*;
use alloc::rc::Rc;

use crate::json::Map;
use wasm_bindgen::prelude::*;

use super::errors::to_js;
use super::upstream::Upstream;
use crate::error::Error;
use crate::policy::call::{self, Failure, Now, Op, Outcome, Stage, Step};
use crate::policy::codes::{STEP_DONE, STEP_FAIL, STEP_RESIGN, STEP_SLEEP};

/// One call in progress.
#[wasm_bindgen]
pub struct Call {
    machine: call::Call,
    upstream: Rc<Upstream>,
    action: String,
    delay_ms: f64,
    ended: Option<Result<Map, Failure>>,
}

impl Call {
    /// A call of `action` with `upstream`'s signing state.
    pub fn new(machine: call::Call, upstream: Rc<Upstream>, action: &str) -> Self {
        Call { machine, upstream, action: action.to_owned(), delay_ms: 0.0, ended: None }
    }

    /// How it ended, for a wait: the result, or the failure (redacted, with the action).
    pub fn ended(&self) -> Option<Result<&Map, Failure>> {
        self.ended.as_ref().map(|e| match e {
            Ok(result) => Ok(result),
            Err(Failure::Error(e)) => Err(Failure::Error(self.finish(e.clone()))),
            Err(Failure::Deadline) => Err(Failure::Deadline),
        })
    }

    fn finish(&self, error: Error) -> Error {
        self.upstream.redact_error(error.with_action(&self.action))
    }

    fn step(&mut self, outcome: Outcome<'_>, mono_ms: f64, wall_ms: f64, random: f64) -> u8 {
        match self.machine.after(outcome, Now { mono_ms, wall_ms, random }) {
            Step::Done(result) => {
                self.ended = Some(Ok(result));
                STEP_DONE
            }
            Step::Resign { clock_offset_ms } => {
                if let Some(ms) = clock_offset_ms {
                    self.upstream.set_clock_offset(ms);
                }
                STEP_RESIGN
            }
            Step::Sleep(ms) => {
                self.delay_ms = ms;
                STEP_SLEEP
            }
            Step::Fail(failure) => {
                self.ended = Some(Err(failure));
                STEP_FAIL
            }
        }
    }
}

/// `NaN` (what JavaScript passes for "none") as `None`.
fn some(ms: f64) -> Option<f64> {
    ms.is_finite().then_some(ms)
}

#[wasm_bindgen]
impl Call {
    /// An answer, read whole. `server_ms` is the `Date` header parsed (`NaN`: none),
    /// `retry_after_ms` the `Retry-After` header (`NaN`: none).
    #[allow(clippy::too_many_arguments)]
    pub fn answered(
        &mut self,
        status: u16,
        body: &[u8],
        server_ms: f64,
        retry_after_ms: f64,
        mono_ms: f64,
        wall_ms: f64,
        random: f64,
    ) -> u8 {
        let outcome =
            Outcome::Answer { status, body, server_ms: some(server_ms), retry_after_ms: some(retry_after_ms) };
        self.step(outcome, mono_ms, wall_ms, random)
    }

    /// An answer over the size limit: its status and the bytes read.
    #[wasm_bindgen(js_name = tooLarge)]
    pub fn too_large(&mut self, status: u16, received: &[u8], mono_ms: f64, wall_ms: f64, random: f64) -> u8 {
        self.step(Outcome::TooLarge { status, received }, mono_ms, wall_ms, random)
    }

    /// No whole answer within `limit_ms`; the bytes that had arrived.
    #[wasm_bindgen(js_name = timedOut)]
    pub fn timed_out(&mut self, limit_ms: f64, received: &[u8], mono_ms: f64, wall_ms: f64, random: f64) -> u8 {
        self.step(Outcome::TimedOut { limit_ms, received }, mono_ms, wall_ms, random)
    }

    /// The network failed; `stage`: 0 fetch threw at once (nothing sent), 1 fetch rejected before an
    /// answer, 2 the answer broke off.
    #[allow(clippy::too_many_arguments)]
    pub fn failed(
        &mut self,
        message: &str,
        code: &str,
        stage: u8,
        received: &[u8],
        mono_ms: f64,
        wall_ms: f64,
        random: f64,
    ) -> u8 {
        self.step(Outcome::Failed { message, code, stage: Stage::from_code(stage), received }, mono_ms, wall_ms, random)
    }

    /// After a sleep step: how long.
    #[wasm_bindgen(getter, js_name = delayMs)]
    pub fn delay_ms(&self) -> f64 {
        self.delay_ms
    }

    /// After a done step: the result as JSON text.
    pub fn result(&self) -> String {
        match &self.ended {
            Some(Ok(result)) => result.to_json(),
            _ => String::from("null"),
        }
    }

    /// After a fail step: the `MpsError`, with `cause` (the JavaScript error behind it, if any).
    pub fn error(&self, cause: JsValue) -> JsValue {
        let error = match &self.ended {
            Some(Err(Failure::Error(e))) => self.finish(e.clone()),
            _ => Error::new(crate::error::codes::WAIT_TIMEOUT, "the deadline passed").with_action(&self.action),
        };
        to_js(&error, &cause)
    }
}

/// The op code JavaScript passes, as an [`Op`].
pub fn op(code: u8, kind: Option<&'static crate::kinds::Kind>, action: &str) -> Op {
    use crate::policy::codes::{OP_CREATE, OP_DESCRIBE, OP_FORWARD};
    use crate::policy::retry::Idempotency;
    match (code, kind) {
        (OP_CREATE, Some(kind)) => Op::Create(kind),
        (OP_DESCRIBE, Some(kind)) => Op::Describe(kind),
        (OP_FORWARD, _) => Op::Forward,
        _ => Op::Other(Idempotency::of(action)),
    }
}
