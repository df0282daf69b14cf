//! When a wait polls next, and when it gives up.
//!
//! Intervals grow by half each poll, from `interval_ms` up to `max_interval_ms`, each jittered by
//! up to 10% either way so that many waits started together drift apart. The last sleep is cut
//! short at the deadline so the final poll happens at the deadline itself.

/// A wait's schedule. All times in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PollSchedule {
    /// The first pause between polls.
    pub interval_ms: f64,
    /// The longest pause.
    pub max_interval_ms: f64,
    /// How long to wait in all (may be infinite).
    pub timeout_ms: f64,
}

/// Growth of the pause from one poll to the next.
pub const GROWTH: f64 = 1.5;
/// Relative jitter of each pause (10% either way).
pub const JITTER: f64 = 0.1;

impl Default for PollSchedule {
    /// 2 s at first, growing to 10 s; 30 minutes in all (video models take 1 to 10 minutes,
    /// longer when queued; off-peak tasks can take up to 48 hours and need a longer timeout).
    fn default() -> Self {
        PollSchedule { interval_ms: 2_000.0, max_interval_ms: 10_000.0, timeout_ms: 30.0 * 60_000.0 }
    }
}

/// What a wait does after a poll that did not end the task.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Next {
    /// Sleep this long, then poll again.
    Sleep(f64),
    /// The deadline has passed: give up.
    GiveUp,
}

impl PollSchedule {
    /// The pause after poll number `polls` (1 after the first poll), for `random` in `[0, 1)`.
    pub fn pause_ms(&self, polls: u32, random: f64) -> f64 {
        let grown = (1..polls.min(65)).fold(self.interval_ms, |ms, _| ms * GROWTH); // GROWTH^(polls - 1)
        let base = grown.min(self.max_interval_ms);
        let jitter = 1.0 + JITTER * (2.0 * random.clamp(0.0, 1.0) - 1.0);
        (base * jitter).min(self.max_interval_ms.max(self.interval_ms)).max(0.0)
    }

    /// After `polls` polls, at `now`, with the wait's `deadline`: sleep or give up.
    pub fn next(&self, polls: u32, now: f64, deadline: f64, random: f64) -> Next {
        if now >= deadline {
            return Next::GiveUp;
        }
        Next::Sleep(self.pause_ms(polls, random).min(deadline - now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_to_the_ceiling() {
        let s = PollSchedule::default();
        let mid: Vec<f64> = (1..=7).map(|n| s.pause_ms(n, 0.5)).collect();
        assert_eq!(mid, [2000.0, 3000.0, 4500.0, 6750.0, 10_000.0, 10_000.0, 10_000.0]);
    }

    #[test]
    fn jitter_stays_within_ten_percent_and_under_the_ceiling() {
        let s = PollSchedule::default();
        assert_eq!(s.pause_ms(1, 0.0), 1800.0);
        assert_eq!(s.pause_ms(1, 1.0), 2200.0);
        assert_eq!(s.pause_ms(9, 1.0), 10_000.0, "the ceiling holds with jitter");
        assert_eq!(s.pause_ms(9, 0.0), 9_000.0);
    }

    #[test]
    fn the_last_sleep_ends_at_the_deadline() {
        let s = PollSchedule { interval_ms: 1000.0, max_interval_ms: 1000.0, timeout_ms: 2500.0 };
        assert_eq!(s.next(1, 0.0, 2500.0, 0.5), Next::Sleep(1000.0));
        assert_eq!(s.next(3, 2000.0, 2500.0, 0.5), Next::Sleep(500.0));
        assert_eq!(s.next(4, 2500.0, 2500.0, 0.5), Next::GiveUp);
        assert_eq!(s.next(4, 9999.0, 2500.0, 0.5), Next::GiveUp);
    }

    #[test]
    fn polls_for_a_typical_task_are_few() {
        // A two-minute task with the default schedule: the pauses add up past 120 s within 16 polls.
        let s = PollSchedule::default();
        let (mut t, mut polls) = (0.0, 0);
        while t < 120_000.0 {
            polls += 1;
            t += s.pause_ms(polls, 0.5);
        }
        assert!(polls <= 16, "{polls}");
    }
}
