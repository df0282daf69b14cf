//! Rate limiting that holds at the server, in every sliding window.
//!
//! Two obvious designs fail:
//!
//! - A token bucket that starts full lets `limit` requests through at the end of one second and
//!   another `limit` at the start of the next: twice the limit inside one second.
//! - Spacing *send* times a second apart is not enough either: the server counts *arrivals*, and
//!   arrival lags sending by a variable delay (a new TLS connection against a warm one, a busy event
//!   loop). Measured against our own mock, sends spaced 1020 ms apart arrived 20 to a second.
//!
//! What is known for sure is that a request reached the server after we sent it and before its
//! answer came back. So a request may go only when fewer than `limit` requests are either in
//! flight or finished less than a window ago ([`Pacer::turn`]); then any two requests `limit`
//! apart arrive at least a window apart, whatever the network does. The price is that each request
//! holds its place for its round trip plus the window, a few percent below the limit on a fast
//! network.
//!
//! Callers queue first come, first served: only the caller at the front of the queue is ever
//! told to go or to wait, so a thousand waits do not all wake for every free place.

use alloc::collections::VecDeque;

/// The window the API's limits are counted in, plus a few milliseconds for the difference between
/// the client's clock and the server's (a whole-millisecond `Date` against `performance.now()`).
pub const WINDOW_MS: f64 = 1_005.0;

/// A place in the queue.
pub type Ticket = u64;

/// What the caller holding a ticket should do now.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Turn {
    /// Send now; the request is counted as in flight until [`Pacer::finish`].
    Go,
    /// Someone is ahead in the queue: wait to be woken when this ticket reaches the front.
    Queued,
    /// At the front, but the window is full: try again at this time.
    At(f64),
    /// At the front, and every place is held by a request in flight: wait for one to finish.
    AfterFinish,
}

/// Admits requests so that no window of [`WINDOW_MS`] at the server sees more than `limit`.
#[derive(Clone, Debug)]
pub struct Pacer {
    limit: usize,
    window_ms: f64,
    in_flight: usize,
    /// When recent requests finished, oldest first (at most `limit` are kept).
    finished: VecDeque<f64>,
    /// Tickets waiting, first come first.
    queue: VecDeque<Ticket>,
    next_ticket: Ticket,
}

impl Pacer {
    /// A pacer for `per_second` requests per window (at least 1).
    pub fn new(per_second: u32) -> Self {
        let limit = per_second.max(1) as usize;
        Pacer {
            limit,
            window_ms: WINDOW_MS,
            in_flight: 0,
            finished: VecDeque::with_capacity(limit),
            queue: VecDeque::new(),
            next_ticket: 0,
        }
    }

    /// The requests allowed per window.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Lowers the limit to `per_second` (at least 1) if that is stricter; a higher one is ignored.
    /// The places already held stay held, so no window sees more than the old limit meanwhile.
    pub fn lower_limit(&mut self, per_second: u32) {
        self.limit = self.limit.min(per_second.max(1) as usize);
    }

    /// Joins the queue.
    pub fn join(&mut self) -> Ticket {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        self.queue.push_back(ticket);
        ticket
    }

    /// Leaves the queue without sending (an abort or a deadline).
    pub fn leave(&mut self, ticket: Ticket) {
        self.queue.retain(|&t| t != ticket);
    }

    /// The ticket at the front of the queue: the only one worth waking.
    pub fn front(&self) -> Option<Ticket> {
        self.queue.front().copied()
    }

    /// What `ticket` should do at `now`. On [`Turn::Go`] it leaves the queue and counts as in flight.
    pub fn turn(&mut self, ticket: Ticket, now: f64) -> Turn {
        if self.front() != Some(ticket) {
            return Turn::Queued;
        }
        while self.finished.front().is_some_and(|&t| t + self.window_ms <= now) {
            self.finished.pop_front();
        }
        if self.in_flight + self.finished.len() < self.limit {
            self.queue.pop_front();
            self.in_flight += 1;
            return Turn::Go;
        }
        match self.finished.front() {
            Some(&oldest) => Turn::At(oldest + self.window_ms),
            None => Turn::AfterFinish,
        }
    }

    /// A request that went ([`Turn::Go`]) has finished at `now`, answered or not.
    pub fn finish(&mut self, now: f64) {
        self.in_flight = self.in_flight.saturating_sub(1);
        while self.finished.len() >= self.limit {
            self.finished.pop_front();
        }
        self.finished.push_back(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The most arrivals inside any half-open window `[t, t + 1000)` (the API's own second).
    fn max_in_any_second(times: &[f64]) -> usize {
        let mut sorted = times.to_vec();
        sorted.sort_by(f64::total_cmp);
        (0..sorted.len())
            .map(|i| sorted[i..].iter().take_while(|&&t| t < sorted[i] + 1000.0).count())
            .max()
            .unwrap_or(0)
    }

    /// A tiny simulation: `n` callers queue at once; each request is sent when its turn comes,
    /// arrives `delay(i)` later, and is answered `delay(i)` after that. Returns arrival times.
    fn simulate(limit: u32, n: usize, delay: impl Fn(usize) -> f64) -> Vec<f64> {
        let mut p = Pacer::new(limit);
        let tickets: Vec<Ticket> = (0..n).map(|_| p.join()).collect();
        let mut now = 0.0;
        let mut answers: Vec<f64> = Vec::new(); // pending answer times
        let mut arrivals = Vec::new();
        let mut next = 0;
        while next < n {
            // Deliver every answer due by now.
            answers.sort_by(f64::total_cmp);
            while answers.first().is_some_and(|&t| t <= now) {
                p.finish(answers.remove(0));
            }
            match p.turn(tickets[next], now) {
                Turn::Go => {
                    arrivals.push(now + delay(next));
                    answers.push(now + 2.0 * delay(next));
                    next += 1;
                }
                Turn::Queued => unreachable!("callers go in order"),
                Turn::At(t) => now = t.max(now),
                Turn::AfterFinish => now = answers.iter().cloned().fold(f64::INFINITY, f64::min),
            }
        }
        arrivals
    }

    #[test]
    fn a_burst_goes_at_once_up_to_the_limit() {
        let mut p = Pacer::new(10);
        let tickets: Vec<Ticket> = (0..11).map(|_| p.join()).collect();
        for &t in &tickets[..10] {
            assert_eq!(p.turn(t, 0.0), Turn::Go);
        }
        assert_eq!(p.turn(tickets[10], 0.0), Turn::AfterFinish, "all ten are still in flight");
        p.finish(30.0);
        assert_eq!(p.turn(tickets[10], 31.0), Turn::At(30.0 + WINDOW_MS));
        assert_eq!(p.turn(tickets[10], 30.0 + WINDOW_MS), Turn::Go);
    }

    #[test]
    fn uneven_network_delays_never_crowd_a_server_second() {
        // The failure that sank send-time spacing: the first requests are slow (new connections),
        // later ones fast (warm connections). Arrivals must still hold the limit.
        let arrivals = simulate(10, 40, |i| if i < 10 { 95.0 } else { 2.0 });
        assert_eq!(arrivals.len(), 40);
        assert!(max_in_any_second(&arrivals) <= 10, "{arrivals:?}");
        let arrivals = simulate(50, 300, |i| [1.0, 40.0, 7.0, 300.0, 0.5][i % 5]);
        assert!(max_in_any_second(&arrivals) <= 50);
    }

    #[test]
    fn a_fast_network_gets_nearly_the_whole_limit() {
        // With 2 ms each way, a place is free again one window plus one round trip after it was taken.
        let arrivals = simulate(50, 500, |_| 2.0);
        for pair in arrivals.windows(51) {
            let reuse = pair[50] - pair[0];
            assert!((1000.0..=WINDOW_MS + 4.0 + 1e-9).contains(&reuse), "{reuse}");
        }
    }

    #[test]
    fn first_come_first_served() {
        let mut p = Pacer::new(1);
        let (a, b, c) = (p.join(), p.join(), p.join());
        assert_eq!(p.turn(b, 0.0), Turn::Queued);
        assert_eq!(p.turn(a, 0.0), Turn::Go);
        assert_eq!(p.front(), Some(b));
        assert_eq!(p.turn(c, 0.0), Turn::Queued);
        assert_eq!(p.turn(b, 0.0), Turn::AfterFinish);
        p.finish(10.0);
        assert_eq!(p.turn(b, 10.0 + WINDOW_MS), Turn::Go);
    }

    #[test]
    fn leaving_the_queue_passes_the_turn_on() {
        let mut p = Pacer::new(5);
        let (a, b) = (p.join(), p.join());
        p.leave(a);
        assert_eq!(p.front(), Some(b));
        assert_eq!(p.turn(b, 0.0), Turn::Go);
        assert_eq!(p.front(), None);
    }

    #[test]
    fn a_lower_limit_holds_once_the_places_held_expire() {
        let mut p = Pacer::new(10);
        for _ in 0..10 {
            let t = p.join();
            assert_eq!(p.turn(t, 0.0), Turn::Go);
            p.finish(0.0);
        }
        p.lower_limit(3);
        p.lower_limit(20);
        assert_eq!(p.limit(), 3, "the strictest limit asked for wins");
        let t = p.join();
        assert_eq!(p.turn(t, 500.0), Turn::At(WINDOW_MS), "the ten places of the old limit stay held");
        let mut went = 0;
        let mut t = t;
        while p.turn(t, WINDOW_MS) == Turn::Go {
            went += 1;
            t = p.join();
        }
        assert_eq!(went, 3);
        assert_eq!(p.turn(t, WINDOW_MS), Turn::AfterFinish);
        for _ in 0..3 {
            p.finish(WINDOW_MS + 10.0);
        }
        assert_eq!(p.turn(t, WINDOW_MS + 20.0), Turn::At(2.0 * WINDOW_MS + 10.0), "three finished: a full window");
    }
}
