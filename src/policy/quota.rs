//! Quotas: how many requests one key (a signing proxy's caller and a class of action) may make in
//! sliding windows, e.g. 6 creates a minute and 200 a day.
//!
//! Each key keeps a log of its recent requests (at most the largest window's count), so a limit holds
//! exactly in every sliding window, not just in fixed buckets. A request takes a place in every
//! window at once or in none; a refusal says how long until a place frees up (`Retry-After`). The
//! same logic runs wherever the counters live: in memory in one process or isolate, or in a Durable
//! Object for a fleet.

use crate::prelude::*;
use alloc::collections::VecDeque;

/// One window: at most `max` requests in any `ms` milliseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    /// The window's length.
    pub ms: f64,
    /// The most requests in it (0 forbids).
    pub max: u32,
}

/// The counters of many keys.
#[derive(Debug)]
pub struct Quotas {
    /// Each key's log, sorted by key (a binary search finds one; a map type would add several KB
    /// of code to the wasm for the same).
    logs: Vec<(String, VecDeque<f64>)>,
    /// The last time every key was swept of expired entries.
    swept_ms: f64,
    /// The longest window any key was asked about: older entries never count.
    longest_ms: f64,
    /// The most keys kept at once.
    max_keys: usize,
    /// While full, the earliest time a sweep could forget a key (a sweep before it frees nothing).
    full_until_ms: f64,
}

/// How often idle keys are forgotten.
const SWEEP_MS: f64 = 60_000.0;

/// The most keys kept in memory. Keys are subjects, and an `authorize` hook can make one per
/// client (an IP address), each kept for up to the longest window (a day) and in memory that never
/// shrinks. 100,000 keys of a subject and one request each took 14 MiB of wasm memory in all,
/// well within an isolate's 128 MB; more subjects than that in a day want the Durable Object store.
pub const MAX_KEYS: usize = 100_000;

impl Default for Quotas {
    fn default() -> Self {
        Quotas::new()
    }
}

impl Quotas {
    /// No counters yet, for at most [`MAX_KEYS`] keys.
    pub fn new() -> Self {
        Quotas::with_max_keys(MAX_KEYS)
    }

    /// No counters yet, for at most `max_keys` keys at once: when that many are in use, a new key
    /// is refused until an idle one is forgotten (evicting a busy one would reset its quota).
    pub fn with_max_keys(max_keys: usize) -> Self {
        Quotas { logs: Vec::new(), swept_ms: 0.0, longest_ms: 0.0, max_keys, full_until_ms: 0.0 }
    }

    /// Takes one place for `key` at `now_ms` in every window, if each has room: `0.0`; otherwise
    /// nothing is taken and the answer is how many ms until every window has room again.
    pub fn take(&mut self, key: &str, windows: &[Window], now_ms: f64) -> f64 {
        let longest = windows.iter().map(|w| w.ms).fold(0.0, f64::max);
        self.longest_ms = self.longest_ms.max(longest);
        if now_ms - self.swept_ms >= SWEEP_MS {
            self.sweep(now_ms);
        }
        if self.find(key).is_err() && self.logs.len() >= self.max_keys {
            let wait = self.make_room(now_ms);
            if wait > 0.0 {
                return wait;
            }
        }
        let log = self.log_mut(key);
        while log.front().is_some_and(|&t| t <= now_ms - longest) {
            log.pop_front();
        }
        let mut wait: f64 = 0.0;
        for w in windows {
            if w.max == 0 {
                return f64::INFINITY;
            }
            // The log is oldest first; the entries inside this window are its tail.
            let inside = log.iter().rev().take_while(|&&t| t > now_ms - w.ms).count();
            if inside >= w.max as usize {
                // A place frees up when the oldest of the newest `max` entries leaves the window.
                let oldest = log[log.len() - w.max as usize];
                wait = wait.max(oldest + w.ms - now_ms);
            }
        }
        if wait > 0.0 {
            return wait;
        }
        let keep = windows.iter().map(|w| w.max as usize).max().unwrap_or(0);
        log.push_back(now_ms);
        while log.len() > keep {
            log.pop_front();
        }
        0.0
    }

    /// Gives back the newest place `key` took: its request was refused before it was sent (the
    /// account's turn did not come), so nothing was made and it should not count.
    pub fn give_back(&mut self, key: &str) {
        if let Ok(at) = self.find(key) {
            self.logs[at].1.pop_back();
        }
    }

    /// Where `key`'s log is in [`Self::logs`], or where it would go.
    fn find(&self, key: &str) -> Result<usize, usize> {
        self.logs.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    /// `key`'s log, made empty if it has none.
    fn log_mut(&mut self, key: &str) -> &mut VecDeque<f64> {
        let at = self.find(key).unwrap_or_else(|at| {
            self.logs.insert(at, (key.to_owned(), VecDeque::new()));
            at
        });
        &mut self.logs[at].1
    }

    /// The times `key` took a place, oldest first: what a durable store writes down.
    pub fn log(&self, key: &str) -> Vec<f64> {
        self.find(key).map(|at| self.logs[at].1.iter().copied().collect()).unwrap_or_default()
    }

    /// Puts back what [`Quotas::log`] gave for `key` (a store loading it after a restart), in place
    /// of anything in memory for it. Not held to the key limit: a store that restores keeps its own
    /// (the Durable Object's holds 10,000 keys at most, and reloads the rest from storage).
    pub fn restore(&mut self, key: &str, times: &[f64]) {
        // Oldest first, as `log` wrote it; anything out of order or not a time is dropped (no sort:
        // it would cost a few KB of wasm for data that is never out of order).
        let mut log = VecDeque::with_capacity(times.len());
        for &t in times {
            let in_order = match log.back() {
                Some(&last) => t >= last,
                None => true,
            };
            if t.is_finite() && in_order {
                log.push_back(t);
            }
        }
        *self.log_mut(key) = log;
    }

    /// The keys with something in their log.
    pub fn len(&self) -> usize {
        self.logs.len()
    }

    /// Whether no key has anything in its log.
    pub fn is_empty(&self) -> bool {
        self.logs.is_empty()
    }

    /// Forgets the keys whose every entry is older than the longest window.
    fn sweep(&mut self, now_ms: f64) {
        let longest = self.longest_ms;
        self.logs.retain(|(_, log)| log.back().is_some_and(|&t| t > now_ms - longest));
        self.swept_ms = now_ms;
    }

    /// With every place for a key taken, forgets the idle keys: `0.0` if that made room, else the
    /// ms until a key can be forgotten. A full store sweeps at most once until then, so a flood of
    /// new keys costs one comparison each.
    fn make_room(&mut self, now_ms: f64) -> f64 {
        if now_ms < self.full_until_ms {
            return self.full_until_ms - now_ms;
        }
        self.sweep(now_ms);
        if self.logs.len() < self.max_keys {
            return 0.0;
        }
        // Every key left has an entry inside the longest window; the oldest last entry leaves first.
        let oldest = self.logs.iter().filter_map(|(_, log)| log.back().copied()).fold(f64::INFINITY, f64::min);
        self.full_until_ms = oldest + self.longest_ms;
        self.full_until_ms - now_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Window = Window { ms: 60_000.0, max: 6 };
    const DAY: Window = Window { ms: 86_400_000.0, max: 200 };

    #[test]
    fn a_place_given_back_can_be_taken_again() {
        let mut q = Quotas::new();
        let one = Window { ms: 60_000.0, max: 1 };
        assert_eq!(q.take("alice:create", &[one], 0.0), 0.0);
        assert!(q.take("alice:create", &[one], 1.0) > 0.0);
        q.give_back("alice:create");
        q.give_back("bob:create"); // never took one: nothing happens
        assert_eq!(q.take("alice:create", &[one], 2.0), 0.0);
        assert_eq!(q.log("alice:create"), vec![2.0]);
    }

    #[test]
    fn a_sliding_minute_holds_in_every_window() {
        let mut q = Quotas::new();
        let mut taken = vec![];
        let mut now = 0.0;
        while now < 600_000.0 {
            if q.take("alice:create", &[MINUTE, DAY], now) == 0.0 {
                taken.push(now);
            }
            now += 1_000.0;
        }
        for (i, &t) in taken.iter().enumerate() {
            let inside = taken[i..].iter().take_while(|&&u| u < t + 60_000.0).count();
            assert!(inside <= 6, "{inside} in the minute from {t}");
        }
        assert_eq!(taken.len(), 60, "six a minute for ten minutes");
    }

    #[test]
    fn a_refusal_says_when_a_place_frees_up_and_takes_nothing() {
        let mut q = Quotas::new();
        for i in 0..6 {
            assert_eq!(q.take("k", &[MINUTE], f64::from(i) * 1000.0), 0.0);
        }
        assert_eq!(q.take("k", &[MINUTE], 10_000.0), 50_000.0, "the first leaves the window at 60 s");
        assert_eq!(q.take("k", &[MINUTE], 59_999.0), 1.0);
        assert_eq!(q.take("k", &[MINUTE], 60_000.0), 0.0);
        assert!(q.take("k", &[MINUTE], 60_000.0) > 0.0);
    }

    #[test]
    fn every_window_or_none() {
        let mut q = Quotas::new();
        let tight = [Window { ms: 1000.0, max: 5 }, Window { ms: 60_000.0, max: 7 }];
        let mut ok = 0;
        for i in 0..20 {
            if q.take("k", &tight, f64::from(i) * 300.0) == 0.0 {
                ok += 1;
            }
        }
        assert_eq!(ok, 7, "the minute's 7 run out first; a refused request took no place in the second");
        assert_eq!(q.take("k", &[Window { ms: 1000.0, max: 0 }], 0.0), f64::INFINITY, "0 forbids");
    }

    #[test]
    fn keys_are_apart_and_idle_ones_are_forgotten() {
        let mut q = Quotas::new();
        assert_eq!(q.take("a", &[Window { ms: 1000.0, max: 1 }], 0.0), 0.0);
        assert_eq!(q.take("b", &[Window { ms: 1000.0, max: 1 }], 0.0), 0.0);
        assert!(q.take("a", &[Window { ms: 1000.0, max: 1 }], 10.0) > 0.0);
        assert_eq!(q.len(), 2);
        let _ = q.take("c", &[Window { ms: 1000.0, max: 1 }], 2.0 * 60_000.0);
        assert_eq!(q.len(), 1, "a and b were idle longer than any window");
        let _ = q.take("d", &[DAY], 2.0 * 60_000.0);
        let _ = q.take("e", &[Window { ms: 1000.0, max: 1 }], 4.0 * 60_000.0);
        assert_eq!(q.len(), 3, "a day's window keeps every key for a day");
        let _ = q.take("e", &[Window { ms: 1000.0, max: 1 }], 2.0 * 86_400_000.0);
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn a_full_store_refuses_new_keys_until_one_is_idle_and_evicts_nobody() {
        let minute = [Window { ms: 60_000.0, max: 2 }];
        let mut q = Quotas::with_max_keys(2);
        assert_eq!(q.take("a", &minute, 0.0), 0.0);
        assert_eq!(q.take("b", &minute, 10_000.0), 0.0);
        assert_eq!(q.take("c", &minute, 20_000.0), 40_000.0, "full: c waits until a is idle");
        assert_eq!(q.take("c", &minute, 30_000.0), 30_000.0, "and is told so again, from memory");
        assert_eq!(q.take("a", &minute, 30_000.0), 0.0, "keys already in keep their places");
        assert_eq!(q.take("a", &minute, 40_000.0), 20_000.0, "and their quota: nobody was evicted");
        assert_eq!(q.len(), 2);
        // a's last entry (30 s) leaves the window at 90 s, b's (10 s) at 70 s: then c gets b's place.
        assert_eq!(q.take("c", &minute, 60_000.0), 10_000.0);
        assert_eq!(q.take("c", &minute, 70_000.0), 0.0);
        assert_eq!((q.len(), q.log("b")), (2, vec![]), "b, idle, was forgotten");
        assert_eq!(q.take("a", &minute, 70_000.0), 0.0, "a's quota was kept");
        assert_eq!(q.take("a", &minute, 70_001.0), 19_999.0, "two in the minute: 30 s and 70 s");
    }

    #[test]
    fn a_log_restored_elsewhere_counts_the_same() {
        let mut q = Quotas::new();
        for i in 0..6 {
            assert_eq!(q.take("k", &[MINUTE], f64::from(i) * 1000.0), 0.0);
        }
        let mut fresh = Quotas::new();
        fresh.restore("k", &q.log("k"));
        assert_eq!(fresh.take("k", &[MINUTE], 10_000.0), 50_000.0, "a restart forgets nothing");
        assert_eq!(q.log("nobody"), Vec::<f64>::new());
    }
}
