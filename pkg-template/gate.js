// A rate limit's queue: callers of one action wait here for their turn, first come first served.
// The policy (who may go, and when) is the Rust Pacer's; this only sleeps until it says go, and
// tells it when a request has finished. Only the caller at the front is ever woken, so a thousand
// waits do not all wake for every free place.
import { glue } from "./loader.js";
import { monoMs } from "./clock.js";
import { MpsError } from "./errors.js";
import { describeThrown } from "./support.js";
import { abortedReason, sleep, unlisten, MAX_TIMER_MS } from "./transport.js";
import { TURN } from "./vocab.js";

/** What `enter` throws when the caller's deadline arrives first. */
export const DEADLINE = Symbol("deadline");

export class Gate {
  #pacer;
  /** Wakers of the callers waiting, by ticket. */
  #wakers = new Map();

  constructor(perSecond) {
    this.#pacer = new glue.Pacer(perSecond);
  }

  /** The requests allowed per window. */
  get limit() {
    return this.#pacer.limit;
  }

  /** Lowers the limit if `perSecond` is stricter (the places already held stay held). */
  lowerLimit(perSecond) {
    this.#pacer.lowerLimit(perSecond);
  }

  /**
   * Waits for a turn; resolves with a function to call once the request has finished (answered,
   * failed or abandoned). Rejects with the signal's reason on an abort, or with DEADLINE.
   */
  async enter(signal, deadlineMs) {
    const ticket = this.#pacer.join();
    try {
      for (;;) {
        const early = abortedReason(signal);
        if (early) throw early.reason;
        const now = monoMs();
        const turn = this.#pacer.turn(ticket, now);
        if (turn === TURN.go) {
          this.#wakeFront(); // the next caller may fit in the same window
          let finished = false;
          return () => {
            if (finished) return;
            finished = true;
            this.#pacer.finish(monoMs());
            this.#wakeFront();
          };
        }
        if (now >= deadlineMs) throw DEADLINE;
        // At the front with a full window: look again at `turn`; otherwise wait to be woken.
        await this.#rest(ticket, turn >= 0 ? turn - now : Infinity, deadlineMs - now, signal);
      }
    } catch (e) {
      this.#pacer.leave(ticket);
      this.#wakers.delete(ticket);
      this.#wakeFront();
      throw e;
    }
  }

  #wakeFront() {
    const front = this.#pacer.front();
    if (front >= 0) this.#wakers.get(front)?.();
  }

  /** Until woken, `ms` passes (then look again), the deadline, or an abort; leaves nothing behind. */
  #rest(ticket, ms, deadlineIn, signal) {
    return new Promise((resolve, reject) => {
      let timer;
      const wait = Math.min(ms, deadlineIn);
      const done = (error) => {
        clearTimeout(timer);
        this.#wakers.delete(ticket);
        if (signal) unlisten(signal, onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onAbort = () => done(abortedReason(signal)?.reason);
      this.#wakers.set(ticket, () => done());
      if (Number.isFinite(wait)) timer = setTimeout(() => done(), Math.min(Math.max(Math.ceil(wait), 0), MAX_TIMER_MS));
      if (signal) {
        try {
          signal.addEventListener("abort", onAbort);
        } catch (e) {
          done(e);
        }
      }
    });
  }
}

/** How long one request to a coordinator may wait for a turn before the gate asks again. */
const ASK_MS = 20_000;
/** The longest pause before asking again a coordinator that said no before its time was up. */
const RETRY_EARLY_MS = 100;

/**
 * A rate limit held for a whole account by a coordinator (the Durable Object of mps-aigc/cloudflare,
 * or any object with the same two methods): `acquire(action, limit, waitMs, leaseMs)` resolves with
 * a ticket once this request may go (0 if none came within `waitMs`), and `release(ticket)` says it
 * has finished. The coordinator's queue is the one every isolate waits in; a ticket never released
 * (an isolate that died) frees its place after `leaseMs`.
 */
export class SharedGate {
  #coordinator;
  #action;
  #limit;
  #leaseMs;

  constructor(coordinator, action, limit, leaseMs) {
    this.#coordinator = coordinator;
    this.#action = action;
    this.#limit = limit;
    this.#leaseMs = leaseMs;
  }

  /** As Gate's: a function to call once the request has finished; the signal's reason, or DEADLINE. */
  async enter(signal, deadlineMs) {
    for (;;) {
      const early = abortedReason(signal);
      if (early) throw early.reason;
      const left = deadlineMs - monoMs();
      if (left <= 0) throw DEADLINE;
      const waitMs = Math.min(left, ASK_MS);
      const askedAt = monoMs();
      let asked;
      try {
        asked = Promise.resolve(this.#coordinator.acquire(this.#action, this.#limit, waitMs, this.#leaseMs));
      } catch (e) {
        asked = Promise.reject(e);
      }
      const ticket = await untilAborted(asked, signal, (late) => this.#release(late)).catch((e) => {
        if (e instanceof Aborted) throw e.reason;
        throw new MpsError(`the rate-limit coordinator could not be reached: ${describeThrown(e)}`, {
          code: "ClientCoordinatorError",
          retryable: true,
        });
      });
      if (ticket) {
        let finished = false;
        return () => {
          if (finished) return;
          finished = true;
          this.#release(ticket);
        };
      }
      // No turn, sooner than it was asked to wait (a coordinator of one's own that only tries):
      // ask again after a pause, on a timer, so that the program's timers (a signal's timeout)
      // run in between. Asking again at once would never let them.
      const rest = waitMs - (monoMs() - askedAt);
      if (rest > 0) await sleep(Math.min(rest, RETRY_EARLY_MS), signal);
    }
  }

  #release(ticket) {
    if (!ticket) return;
    try {
      Promise.resolve(this.#coordinator.release(ticket)).catch(() => {}); // else its lease expires
    } catch {}
  }
}

class Aborted {
  constructor(reason) {
    this.reason = reason;
  }
}

/** `promise`, unless `signal` aborts first (rejects with Aborted); a ticket granted late goes to `late`. */
function untilAborted(promise, signal, late) {
  if (!signal) return promise;
  return new Promise((resolve, reject) => {
    let settled = false;
    const onAbort = () => {
      if (settled) return;
      settled = true;
      reject(new Aborted(abortedReason(signal)?.reason));
    };
    try {
      signal.addEventListener("abort", onAbort, { once: true });
    } catch (e) {
      settled = true;
      return reject(new Aborted(e));
    }
    promise.then(
      (value) => {
        if (settled) return late(value);
        settled = true;
        unlisten(signal, onAbort);
        resolve(value);
      },
      (error) => {
        if (settled) return;
        settled = true;
        unlisten(signal, onAbort);
        reject(error);
      },
    );
  });
}
