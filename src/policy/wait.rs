//! A wait as a machine: what follows each describe of the task.
//!
//! The driver describes the task (each describe a [`super::call::Call`] bounded by
//! [`Wait::deadline_ms`]) and hands the result, or how the describe failed, to the machine, which
//! answers: resolve with this result, reject with this error (`TaskFailed` with the server's
//! message, `WaitTimeout` with the last status, or the describe's own error carrying the task id),
//! or sleep this long and describe again. The state is plain data ([`WaitState`]) so a waiter that
//! outlives a process (a Durable Object's alarm) can keep it in storage and pick it up again.

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
    /// Describes answered so far.
    pub polls: u32,
    /// The last `Status` seen.
    pub last_status: Option<String>,
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
        match TaskStatus::parse(status) {
            TaskStatus::Done => WaitStep::Resolve,
            TaskStatus::Fail => {
                let message = result.get("Message").and_then(Value::as_str);
                let request_id = result.get("RequestId").and_then(Value::as_str);
                WaitStep::Reject(Error::task_failed(&self.state.task_id, message, request_id))
            }
            TaskStatus::Wait | TaskStatus::Run | TaskStatus::Other => {
                match self.state.schedule.next(self.state.polls, now_ms, self.deadline_ms(), random) {
                    Next::Sleep(ms) => WaitStep::Sleep(ms),
                    Next::GiveUp => WaitStep::Reject(self.timed_out(now_ms)),
                }
            }
        }
    }

    /// A describe failed (its retries spent, or its deadline reached): the wait fails with that
    /// error, carrying the task and its last status, or with `WaitTimeout`.
    pub fn on_failure(&self, failure: Failure, now_ms: f64) -> Error {
        match failure {
            Failure::Deadline => self.timed_out(now_ms),
            Failure::Error(e) => {
                e.with_task_id(&self.state.task_id).with_last_status(self.state.last_status.as_deref())
            }
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
