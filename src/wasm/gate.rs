//! The async side of [`Pacer`]: callers queue for a turn, the caller at the front sleeps until
//! the window has room, and a [`Permit`] records when its request finished.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use gloo_timers::future::TimeoutFuture;

use super::abort::timer;
use super::clock::mono_ms;
use crate::policy::pace::{Pacer, Ticket, Turn};

/// A rate limit shared by every call of one kind on one client.
pub struct Gate {
    pacer: RefCell<Pacer>,
    /// The wakers of the callers waiting, by ticket (a short list: a linear scan is cheapest).
    wakers: RefCell<Vec<(Ticket, Waker)>>,
}

impl Gate {
    /// A gate for `per_second` requests per window.
    pub fn new(per_second: u32) -> Self {
        Gate { pacer: RefCell::new(Pacer::new(per_second)), wakers: RefCell::new(Vec::new()) }
    }

    /// The requests allowed per window.
    pub fn limit(&self) -> usize {
        self.pacer.borrow().limit()
    }

    /// Waits for a turn. Dropping the future (an abort, a deadline) gives the place up.
    pub fn enter(&self) -> Entry<'_> {
        let ticket = self.pacer.borrow_mut().join();
        Entry { gate: self, ticket, timer: None, done: false }
    }

    fn wake_front(&self) {
        let front = self.pacer.borrow().front();
        if let Some(waker) = front.and_then(|t| self.forget(t)) {
            waker.wake();
        }
    }

    fn remember(&self, ticket: Ticket, waker: &Waker) {
        let mut wakers = self.wakers.borrow_mut();
        match wakers.iter_mut().find(|(t, _)| *t == ticket) {
            Some((_, w)) => w.clone_from(waker),
            None => wakers.push((ticket, waker.clone())),
        }
    }

    fn forget(&self, ticket: Ticket) -> Option<Waker> {
        let mut wakers = self.wakers.borrow_mut();
        let i = wakers.iter().position(|(t, _)| *t == ticket)?;
        Some(wakers.swap_remove(i).1)
    }
}

/// A caller waiting in the queue.
pub struct Entry<'a> {
    gate: &'a Gate,
    ticket: Ticket,
    /// The time the front caller is waiting for, and its timer.
    timer: Option<(f64, TimeoutFuture)>,
    done: bool,
}

impl<'a> Future for Entry<'a> {
    type Output = Permit<'a>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit<'a>> {
        let this = self.get_mut();
        loop {
            let now = mono_ms();
            let turn = this.gate.pacer.borrow_mut().turn(this.ticket, now);
            match turn {
                Turn::Go => {
                    this.done = true;
                    this.gate.forget(this.ticket);
                    // The next caller may fit in the same window: let it look.
                    this.gate.wake_front();
                    return Poll::Ready(Permit { gate: this.gate });
                }
                Turn::At(at) => {
                    if this.timer.as_ref().map(|(t, _)| *t) != Some(at) {
                        this.timer = Some((at, timer(at - now)));
                    }
                    this.gate.remember(this.ticket, cx.waker());
                    if let Some((_, t)) = this.timer.as_mut() {
                        if Pin::new(t).poll(cx).is_ready() {
                            this.timer = None;
                            continue; // look again: the timer may have fired a little early
                        }
                    }
                    return Poll::Pending;
                }
                Turn::Queued | Turn::AfterFinish => {
                    this.timer = None;
                    this.gate.remember(this.ticket, cx.waker());
                    return Poll::Pending;
                }
            }
        }
    }
}

impl Drop for Entry<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.gate.pacer.borrow_mut().leave(self.ticket);
            self.gate.forget(self.ticket);
            self.gate.wake_front();
        }
    }
}

/// A request that went; dropping it records that it finished (answered, failed or abandoned).
pub struct Permit<'a> {
    gate: &'a Gate,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.gate.pacer.borrow_mut().finish(mono_ms());
        self.gate.wake_front();
    }
}
