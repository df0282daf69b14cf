// A rate limit's queue: callers of one action wait here for their turn, first come first served.
// The policy (who may go, and when) is the Rust Pacer's; this only sleeps until it says go, and
// tells it when a request has finished. Only the caller at the front is ever woken, so a thousand
// waits do not all wake for every free place.
import * as glue from "./mps_aigc.js";
import { monoMs } from "./clock.js";
import { abortedReason, MAX_TIMER_MS } from "./transport.js";
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
        if (signal) {
          try {
            signal.removeEventListener("abort", onAbort);
          } catch {}
        }
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
