// MpsClient: the driver of the Rust machines. Rust reads the options, builds and signs every
// request, and decides what each outcome means (retry, re-sign, sleep, resolve, fail); this file
// only sends with fetch, sleeps with timers, and reports back. One generic path serves every task
// kind: the per-kind methods are made from the generated vocabulary.
import { glue, have, ready } from "./loader.js";
import { monoMs, random, wallMs } from "./clock.js";
import { MpsError } from "./errors.js";
import { Gate, SharedGate, DEADLINE } from "./gate.js";
import { jsonText } from "./plain.js";
import { abortedReason, attempt, sleep, unlisten, ABORTED, ANSWER, TIMED_OUT, TOO_LARGE, MAX_TIMER_MS } from "./transport.js";
import { KINDS, OP, STEP } from "./vocab.js";

export class MpsClient {
  /** The Rust side: settings and machines (once the wasm is loaded). */
  #core;
  /**
   * Where requests go, the fetch, and signing (the Rust side's `link`, shared with its calls),
   * with the settings every attempt reads copied out once: each read from Rust is a crossing into
   * wasm, and `url` a new string each time.
   */
  #up;
  /**
   * Before that, the promise of it (browsers load the wasm lazily). Calls await it only while
   * there is no core: an await, even of nothing, costs a turn of the microtask queue.
   */
  #pending;
  /** Rate-limit queues, by action. */
  #gates = new Map();
  /** The account's coordinator (`acquire`, `release`), when the limits are held there. */
  #coordinator;

  constructor(options) {
    if (have()) this.#init(options);
    else {
      this.#pending = ready().then(() => this.#init(options));
      this.#pending.catch(() => {}); // reported by the first method call
    }
  }

  /** Any MPS action with a JSON payload → its `Response` object. */
  async call(action, payload, options) {
    if (!this.#core) await this.#pending;
    const signal = callSignal(options);
    const body = glue.callBody(action, jsonText(payload, "payload"));
    return this.#send(OP.call, -1, action, body, signal);
  }

  toJSON() {
    return this.#core ? this.#core.toJSON() : { loading: true };
  }

  toString() {
    return this.#core ? this.#core.toString() : "MpsClient(loading)";
  }

  #init(options) {
    const core = new glue.Client(options);
    this.#coordinator = coordinatorOf(core.coordinator);
    const link = core.upstream;
    this.#up = {
      link,
      url: link.url,
      fetch: link.fetch,
      timeoutMs: link.timeoutMs,
      provider: link.provider,
      providerName: link.providerName,
    };
    this.#core = core;
  }

  async #create(kind, request, options) {
    if (!this.#core) await this.#pending;
    const signal = callSignal(options);
    const body = glue.createBody(kind, jsonText(request, ""));
    return this.#send(OP.create, kind, KINDS[kind].create, body, signal);
  }

  async #describe(kind, taskId, options) {
    if (!this.#core) await this.#pending;
    const signal = callSignal(options);
    return this.#send(OP.describe, kind, KINDS[kind].describe, glue.describeBody(taskId), signal);
  }

  /** Polls until DONE (→ the result) or FAIL (→ TaskFailedError); the wait's machine decides. */
  async #wait(kind, taskId, options) {
    if (!this.#core) await this.#pending;
    const waiter = this.#core.waiter(kind, taskId, options, monoMs());
    const { signal, onUpdate } = waiter;
    // A promise from onUpdate is never awaited (it could hang), but its rejection ends the wait
    // with ClientCallbackError before the next poll, or at once during a sleep: `stop` ends that
    // sleep, as the caller's signal does.
    let rejected;
    const stop = onUpdate && new AbortController();
    const follow = () => stop.abort(signal.reason);
    if (stop) signal?.addEventListener("abort", follow, { once: true });
    const check = () => {
      if (rejected) throw waiter.callbackFailed(rejected.cause);
    };
    const pause = async () => {
      await sleep(waiter.delayMs, stop ? stop.signal : signal).catch((e) => {
        check();
        throw e;
      });
      check();
    };
    try {
      const body = glue.describeBody(taskId);
      for (;;) {
        let ended;
        try {
          ended = await this.#attempts(OP.describe, kind, KINDS[kind].describe, body, signal, waiter.deadline);
        } catch (e) {
          if (e === DEADLINE) throw waiter.pastDeadline(monoMs());
          // A failure on this side that may pass (the rate-limit coordinator out of reach) is one
          // more failed poll, as a describe's temporary error is: the wait goes on to its deadline.
          if (abortedReason(signal) || !(e instanceof MpsError && e.retryable === true)) throw e;
          if (waiter.interrupted(String(e.code), String(e.message), monoMs(), random()) !== STEP.sleep) throw waiter.error(e);
          await pause();
          continue;
        }
        try {
          check();
          const result = ended.step === STEP.done ? JSON.parse(ended.call.result()) : undefined;
          const step = waiter.after(ended.call, monoMs(), random());
          if (result && onUpdate) {
            try {
              const returned = onUpdate(result); // every result, the last one included
              if (typeof returned?.then === "function") {
                returned.then(undefined, (cause) => {
                  rejected ??= { cause };
                  stop.abort();
                });
              }
            } catch (thrown) {
              throw waiter.callbackFailed(thrown);
            }
          }
          if (step === STEP.done) return result;
          if (step === STEP.fail) throw waiter.error(ended.cause);
          await pause();
        } finally {
          ended.call.free();
        }
      }
    } finally {
      if (stop && signal) unlisten(signal, follow);
      waiter.free();
    }
  }

  /** Runs a call to its end and returns its result, or throws its error. */
  async #send(op, kind, action, body, signal) {
    const { call, step, cause } = await this.#attempts(op, kind, action, body, signal, NaN);
    try {
      if (step === STEP.done) return JSON.parse(call.result());
      throw call.error(cause);
    } finally {
      call.free();
    }
  }

  /**
   * Sends attempts until the call's machine says it is done or failed: `{ call, step, cause }`
   * (the caller frees `call`). Throws the signal's reason on an abort, DEADLINE at the deadline.
   */
  async #attempts(op, kind, action, body, signal, deadline) {
    const up = this.#up;
    const call = this.#core.start(op, kind, action, deadline);
    try {
      for (;;) {
        const turn = this.#turn(action, signal, deadline);
        const release = turn === undefined ? undefined : await turn;
        let outcome;
        try {
          const provided = up.provider ? await provide(up.provider, signal, up.timeoutMs, up.providerName) : undefined;
          const headers = unpack(up.link.headers(action, body, wallMs(), provided));
          const readOnly = op === OP.describe;
          outcome = await attempt({ fetch: up.fetch, url: up.url, headers, body, signal, timeoutMs: up.timeoutMs, readOnly });
        } finally {
          release?.(); // the attempt is over: its place in the window starts to expire now
        }
        if (outcome.kind === ABORTED) throw outcome.reason;
        const step = report(call, outcome, up.timeoutMs);
        if (step === STEP.resign) continue;
        if (step === STEP.sleep) {
          await sleep(call.delayMs, signal);
          continue;
        }
        return { call, step, cause: outcome.cause };
      }
    } catch (e) {
      call.free();
      throw e;
    }
  }

  /** Waits for this action's rate limit to allow one more request; undefined when not paced. */
  #turn(action, signal, deadline) {
    let gate = this.#gates.get(action);
    if (gate === undefined) {
      const limit = this.#core.limit(action);
      if (limit <= 0) gate = null;
      else if (this.#coordinator) gate = new SharedGate(this.#coordinator, action, limit, leaseMs(this.#up.timeoutMs));
      else gate = new Gate(limit);
      this.#gates.set(action, gate);
    }
    if (gate === null) {
      const early = abortedReason(signal);
      if (early) return Promise.reject(early.reason);
      return undefined;
    }
    return gate.enter(signal, Number.isNaN(deadline) ? Infinity : deadline);
  }

  // One method of each name per task kind, from the generated vocabulary: createAigcVideoTask,
  // describeAigcImageTask, waitAigcAudioTask, ...
  static {
    KINDS.forEach(({ noun }, kind) => {
      const define = (name, method) =>
        Object.defineProperty(this.prototype, name, { value: method, writable: true, configurable: true });
      define(`createAigc${noun}Task`, function (request, options) {
        return this.#create(kind, request, options);
      });
      define(`describeAigc${noun}Task`, function (taskId, options) {
        return this.#describe(kind, taskId, options);
      });
      define(`waitAigc${noun}Task`, function (taskId, options) {
        return this.#wait(kind, taskId, options);
      });
    });
  }

  /** Short for `createAigcVideoTask`. */
  create(request, options) {
    return this.#create(0, request, options);
  }

  /** Short for `describeAigcVideoTask`. */
  describe(taskId, options) {
    return this.#describe(0, taskId, options);
  }

  /** Short for `waitAigcVideoTask`. */
  wait(taskId, options) {
    return this.#wait(0, taskId, options);
  }
}

/**
 * The `coordinator` option (checked to be an object in Rust) as something with `acquire` and
 * `release`: a Durable Object stub (or any such object) as it is; a namespace, or
 * `{ namespace, name }`, as the instance of that name ("default" unless named). Its stub is made
 * for each call: a stub belongs to the request that made it, and a client outlives requests.
 */
export function coordinatorOf(given) {
  if (given === undefined) return undefined;
  const bad = (problem) =>
    new MpsError(`coordinator ${problem}`, { code: "InvalidParameter" });
  try {
    if (typeof given.acquire === "function" && typeof given.release === "function") return given;
    const namespace = given.namespace ?? given;
    const name = given.namespace === undefined ? "default" : given.name ?? "default";
    if (typeof namespace?.idFromName !== "function" || typeof namespace?.get !== "function") {
      throw bad("must be a Durable Object namespace binding (env.MPS_COORDINATOR), { namespace, name }, or an object with acquire and release");
    }
    if (typeof name !== "string" || name === "") throw bad("name must be a non-empty string");
    const stub = () => namespace.get(namespace.idFromName(name));
    return {
      acquire: (action, limit, waitMs, leaseMs) => stub().acquire(action, limit, waitMs, leaseMs),
      release: (ticket) => stub().release(ticket),
    };
  } catch (e) {
    if (e instanceof MpsError) throw e;
    throw bad(`could not be read (${e?.message ?? e})`);
  }
}

/** How long a coordinator keeps a turn that is never released: the longest an attempt can take, and then some. */
export function leaseMs(timeoutMs) {
  return Math.min(Number.isFinite(timeoutMs) ? timeoutMs + 10_000 : Infinity, 600_000);
}

/** The `signal` of a call's options, checked in Rust; no options (the common case) cross nothing. */
function callSignal(options) {
  return options === undefined ? undefined : glue.callSignal(options);
}

/** Hands an attempt's outcome to the call's machine; returns the next step. */
export function report(call, o, timeoutMs) {
  const [mono, wall, dice] = [monoMs(), wallMs(), random()];
  switch (o.kind) {
    case ANSWER:
      return call.answered(o.status, o.body, o.serverMs, o.retryAfterMs, mono, wall, dice);
    case TOO_LARGE:
      return call.tooLarge(o.status, o.received, mono, wall, dice);
    case TIMED_OUT:
      return call.timedOut(timeoutMs, o.received, mono, wall, dice);
    default:
      return call.failed(o.message, o.code, o.stage, o.received, mono, wall, dice);
  }
}

/** The signed headers, as Rust packs them (`name \n value \n ...`), into an object. */
export function unpack(packed) {
  const headers = {};
  let at = 0;
  while (at < packed.length) {
    const name = packed.indexOf("\n", at);
    let end = packed.indexOf("\n", name + 1);
    if (end < 0) end = packed.length;
    headers[packed.slice(at, name)] = packed.slice(name + 1, end);
    at = end + 1;
  }
  return headers;
}


/**
 * Asks a credentials (or proxy token) function for what to sign with (it may return a promise),
 * within `timeoutMs` and the signal. Its result is checked in Rust, when it signs.
 */
export function provide(credentials, signal, timeoutMs, name = "credentials") {
  const failed = (cause, message = `the ${name} function failed`) =>
    new MpsError(message, { code: "ClientCredentialsError" }, cause);
  return new Promise((resolve, reject) => {
    const early = abortedReason(signal);
    if (early) return reject(early.reason);
    let timer;
    let onAbort;
    const settle = (fn, value) => {
      clearTimeout(timer);
      if (onAbort) unlisten(signal, onAbort);
      fn(value);
    };
    if (Number.isFinite(timeoutMs)) {
      timer = setTimeout(
        () => settle(reject, failed(undefined, `the ${name} function did not answer within ${timeoutMs} ms`)),
        Math.min(Math.max(Math.ceil(timeoutMs), 0), MAX_TIMER_MS),
      );
    }
    if (signal) {
      onAbort = () => settle(reject, abortedReason(signal)?.reason);
      try {
        signal.addEventListener("abort", onAbort, { once: true });
      } catch (e) {
        return settle(reject, e);
      }
    }
    let value;
    try {
      value = credentials();
    } catch (cause) {
      return settle(reject, failed(cause));
    }
    Promise.resolve(value).then(
      (v) => settle(resolve, v),
      (cause) => settle(reject, failed(cause)),
    );
  });
}
