//! Rate limiting that holds in every sliding window, not just on average.
//!
//! A token bucket that starts full lets a burst of `limit` through at the end of one second and
//! another at the start of the next: twice the limit inside one second. A [`Pacer`] instead hands
//! out send times so that any `limit + 1` consecutive sends span more than the window. Callers
//! reserve a time and sleep until it, so concurrent waits share one schedule.

use std::collections::VecDeque;

/// The window the API's limits are counted in, plus a margin for the time between our send and the
/// server's arrival (timer and network jitter could otherwise squeeze two sends into one window).
pub const WINDOW_MS: f64 = 1_020.0;

/// Hands out send times so that no window of [`WINDOW_MS`] holds more than `limit` sends.
#[derive(Clone, Debug)]
pub struct Pacer {
    limit: usize,
    window_ms: f64,
    /// The last `limit` reserved send times, oldest first (some may lie in the future).
    recent: VecDeque<f64>,
}

impl Pacer {
    /// A pacer for `per_second` sends per window (at least 1).
    pub fn new(per_second: u32) -> Self {
        let limit = per_second.max(1) as usize;
        Pacer { limit, window_ms: WINDOW_MS, recent: VecDeque::with_capacity(limit) }
    }

    /// The sends allowed per window.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The earliest time at or after `now` that a send may go, without reserving it.
    pub fn earliest(&self, now: f64) -> f64 {
        if self.recent.len() < self.limit {
            // Fewer than `limit` sends ever: only order matters (never before the last reservation).
            return self.recent.back().map_or(now, |&last| last.max(now));
        }
        let oldest = self.recent.front().copied().unwrap_or(now);
        (oldest + self.window_ms).max(now).max(self.recent.back().copied().unwrap_or(now))
    }

    /// Reserves the earliest send time at or after `now` and returns it.
    pub fn reserve(&mut self, now: f64) -> f64 {
        let at = self.earliest(now);
        self.push(at);
        at
    }

    /// Reserves a send time only if it is no later than `latest` (a wait's deadline).
    pub fn reserve_by(&mut self, now: f64, latest: f64) -> Option<f64> {
        let at = self.earliest(now);
        if at > latest {
            return None;
        }
        self.push(at);
        Some(at)
    }

    fn push(&mut self, at: f64) {
        if self.recent.len() == self.limit {
            self.recent.pop_front();
        }
        self.recent.push_back(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The most sends inside any half-open window `[t, t + 1000)` (the API's own second).
    fn max_in_any_second(times: &[f64]) -> usize {
        let mut sorted = times.to_vec();
        sorted.sort_by(f64::total_cmp);
        (0..sorted.len())
            .map(|i| sorted[i..].iter().take_while(|&&t| t < sorted[i] + 1000.0).count())
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn a_burst_goes_at_once_up_to_the_limit() {
        let mut p = Pacer::new(10);
        let times: Vec<f64> = (0..10).map(|_| p.reserve(0.0)).collect();
        assert!(times.iter().all(|&t| t == 0.0));
        assert_eq!(p.reserve(0.0), WINDOW_MS, "the 11th waits for the first to leave the window");
    }

    #[test]
    fn no_second_ever_holds_more_than_the_limit() {
        // 300 callers arriving in clumps at odd times; a sliding check over every send time.
        let mut p = Pacer::new(50);
        let mut now = 0.0;
        let mut times = Vec::new();
        for i in 0..300 {
            if i % 37 == 0 {
                now += 733.0;
            }
            times.push(p.reserve(now));
        }
        assert_eq!(max_in_any_second(&times), 50);
        // And the pacer is not needlessly slow: 300 sends at 50 per window take about 5 windows.
        let span = times.iter().cloned().fold(0.0, f64::max) - times[0];
        assert!(span <= 5.0 * WINDOW_MS + 733.0 * 8.0, "{span}");
    }

    #[test]
    fn the_edge_of_a_window_does_not_double_the_rate() {
        // A full bucket at t=999 and another at t=1001 would be 20 in 2 ms with a token bucket.
        let mut p = Pacer::new(10);
        let mut times: Vec<f64> = (0..10).map(|_| p.reserve(999.0)).collect();
        times.extend((0..10).map(|_| p.reserve(1001.0)));
        assert_eq!(max_in_any_second(&times), 10);
    }

    #[test]
    fn send_times_never_go_backwards() {
        let mut p = Pacer::new(3);
        let mut last = 0.0;
        for now in [0.0, 0.0, 0.0, 0.0, 100.0, 50.0, 5000.0, 5000.0, 5001.0] {
            let t = p.reserve(now);
            assert!(t >= last && t >= now);
            last = t;
        }
    }

    #[test]
    fn a_deadline_refuses_a_late_slot_without_taking_it() {
        let mut p = Pacer::new(1);
        assert_eq!(p.reserve_by(0.0, 10.0), Some(0.0));
        assert_eq!(p.reserve_by(0.0, 500.0), None);
        assert_eq!(p.reserve(0.0), WINDOW_MS, "the refused slot was not consumed");
    }
}
