//! A wait as a machine: what follows each describe of the task.
//!
//! The driver describes the task (each describe a [`super::call::Call`] bounded by
//! [`Wait::deadline_ms`]) and hands the result, or how the describe failed, to the machine, which
//! answers: resolve with this result, reject with this error (`TaskFailed` with the server's
//! message, `WaitTimeout` with the last status, or a describe's permanent error carrying the task
//! id), or sleep this long and describe again. A describe that failed for a while (its error
//! retryable) is one more poll: an outage shorter than the wait does not end it. The state is
//! plain data ([`WaitState`]) so a waiter that outlives a process (a Durable Object's alarm) can
//! keep it in storage and pick it up again.

use crate::json::{Map, Value};
use crate::prelude::*;

use super::call::Failure;
use super::poll::{Next, PollSchedule};
use crate::error::{codes, Error};
use crate::kinds::TaskStatus;

/// A wait's state, all of it: enough to continue elsewhere.
#[derive(Clone, Debug, PartialEq)]
pub struct WaitState {
    /// The task.
    pub task_id: String,
    /// When polling intervals grow and when to give up.
    pub schedule: PollSchedule,
    /// When the wait started (on the driver's clock, in ms).
    pub started_ms: f64,
    /// Describes made so far (answered, or failed for a while).
    pub polls: u32,
    /// The last `Status` seen.
    pub last_status: Option<String>,
    /// The error of the last describe, if it failed: the cause of a `WaitTimeout`.
    pub last_error: Option<Error>,
}

/// What the driver does next.
#[derive(Clone, Debug, PartialEq)]
pub enum WaitStep {
    /// The task is `DONE`: resolve with the result just seen.
    Resolve,
    /// Reject with this error.
    Reject(Error),
    /// Describe again after this many ms.
    Sleep(f64),
}

/// A wait.
#[derive(Clone, Debug, PartialEq)]
pub struct Wait {
    state: WaitState,
}

impl Wait {
    /// A wait for `task_id` that starts at `now_ms`.
    pub fn new(task_id: &str, schedule: PollSchedule, now_ms: f64) -> Self {
        Wait::resume(WaitState {
            task_id: task_id.to_owned(),
            schedule,
            started_ms: now_ms,
            polls: 0,
            last_status: None,
            last_error: None,
        })
    }

    /// A wait continued from a saved state.
    pub fn resume(state: WaitState) -> Self {
        Wait { state }
    }

    /// The state, to save.
    pub fn state(&self) -> &WaitState {
        &self.state
    }

    /// The deadline of the whole wait: no describe starts after it (infinite for no deadline).
    pub fn deadline_ms(&self) -> f64 {
        self.state.started_ms + self.state.schedule.timeout_ms
    }

    /// A describe answered with `result` at `now_ms`.
    pub fn on_result(&mut self, result: &Map, now_ms: f64, random: f64) -> WaitStep {
        let status = result.get("Status").and_then(Value::as_str).unwrap_or_default();
        self.state.polls += 1;
        self.state.last_status = Some(status.to_owned());
        self.state.last_error = None;
        match TaskStatus::parse(status) {
            TaskStatus::Done => WaitStep::Resolve,
            TaskStatus::Fail => {
                let message = result.get("Message").and_then(Value::as_str);
                let request_id = result.get("RequestId").and_then(Value::as_str);
                WaitStep::Reject(Error::task_failed(&self.state.task_id, message, request_id))
            }
            TaskStatus::Wait | TaskStatus::Run | TaskStatus::Other => self.next(now_ms, random, 0.0),
        }
    }

    /// A describe failed (its retries spent, or no time left for them). A permanent error ends the
    /// wait, carrying the task and its last status. After a temporary one the wait polls again on
    /// its schedule, no sooner than a quota's reset (`retryAfterMs`), until its deadline; a reset
    /// past the deadline ends it at once with that error, as no poll could help.
    pub fn on_failure(&mut self, failure: Failure, now_ms: f64, random: f64) -> WaitStep {
        let error = match failure {
            Failure::Deadline => return WaitStep::Reject(self.timed_out(now_ms)),
            Failure::Error(e) => e,
        };
        let not_before = error.retry_after_ms().unwrap_or(0.0);
        if !error.retryable() || (not_before > 0.0 && now_ms + not_before >= self.deadline_ms()) {
            let error = error.with_task_id(&self.state.task_id);
            return WaitStep::Reject(error.with_last_status(self.state.last_status.as_deref()));
        }
        self.state.polls += 1;
        self.state.last_error = Some(error);
        self.next(now_ms, random, not_before)
    }

    /// After a poll that did not end the task: sleep (at least `not_before` ms), or give up.
    fn next(&self, now_ms: f64, random: f64, not_before: f64) -> WaitStep {
        match self.state.schedule.next(self.state.polls, now_ms, self.deadline_ms(), random) {
            Next::Sleep(ms) => WaitStep::Sleep(ms.max(not_before)),
            Next::GiveUp => WaitStep::Reject(self.timed_out(now_ms)),
        }
    }

    /// The caller's `onUpdate` threw: the wait stops.
    pub fn on_callback_error(&self) -> Error {
        Error::new(codes::CLIENT_CALLBACK_ERROR, "onUpdate threw")
            .with_task_id(&self.state.task_id)
            .with_last_status(self.state.last_status.as_deref())
    }

    fn timed_out(&self, now_ms: f64) -> Error {
        let waited = now_ms - self.state.started_ms;
        Error::wait_timeout(&self.state.task_id, self.state.last_status.as_deref(), waited)
    }
}
