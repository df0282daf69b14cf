//! `Pacer`: the rate-limit policy ([`crate::policy::pace`]) for the JavaScript gate that queues
//! callers and sleeps until their turn.

use wasm_bindgen::prelude::*;

use crate::policy::codes::{TURN_AFTER_FINISH, TURN_GO, TURN_QUEUED};
use crate::policy::pace::{self, Turn};

/// A rate limit shared by every call of one action on one client.
#[wasm_bindgen]
pub struct Pacer(pace::Pacer);

#[wasm_bindgen]
impl Pacer {
    /// `per_second` requests in any window.
    #[wasm_bindgen(constructor)]
    pub fn new(per_second: u32) -> Pacer {
        Pacer(pace::Pacer::new(per_second))
    }

    /// Lowers the limit if `per_second` is stricter (a coordinator paces at the strictest asked).
    #[wasm_bindgen(js_name = lowerLimit)]
    pub fn lower_limit(&mut self, per_second: u32) {
        self.0.lower_limit(per_second);
    }

    /// The requests allowed per window.
    #[wasm_bindgen(getter)]
    pub fn limit(&self) -> u32 {
        self.0.limit() as u32
    }

    /// Joins the queue; returns the ticket.
    pub fn join(&mut self) -> f64 {
        self.0.join() as f64
    }

    /// Leaves the queue without sending.
    pub fn leave(&mut self, ticket: f64) {
        self.0.leave(ticket as u64);
    }

    /// The ticket at the front of the queue (-1: none).
    pub fn front(&self) -> f64 {
        self.0.front().map_or(-1.0, |t| t as f64)
    }

    /// What `ticket` does at `now_ms`: [`TURN_GO`], [`TURN_QUEUED`], [`TURN_AFTER_FINISH`], or the
    /// time (≥ 0) to look again.
    pub fn turn(&mut self, ticket: f64, now_ms: f64) -> f64 {
        match self.0.turn(ticket as u64, now_ms) {
            Turn::Go => TURN_GO,
            Turn::Queued => TURN_QUEUED,
            Turn::AfterFinish => TURN_AFTER_FINISH,
            Turn::At(at) => at.max(0.0),
        }
    }

    /// A request that went has finished at `now_ms`.
    pub fn finish(&mut self, now_ms: f64) {
        self.0.finish(now_ms);
    }
}
