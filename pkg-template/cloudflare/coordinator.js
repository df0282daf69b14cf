// MpsCoordinator: one Durable Object per account that every isolate talks to. It holds the
// account's rate limits (the same pacing policy as a client's, in one place), the signing proxy's
// quotas, and durable tasks: recorded before they are created, created once, polled on its alarm,
// copied to R2 and announced. Its methods are called over Workers RPC (through mpsTasks,
// coordinatorStore and the client's `coordinator` option), never with a secret: it signs with the
// keys in its own Worker's environment.
import { DurableObject } from "cloudflare:workers";
import { proxyGlue, proxyNotReady } from "../loader.js";
import { monoMs } from "../clock.js";
import { MpsClient } from "../client.js";
import { MpsError } from "../errors.js";
import { DEADLINE, Gate } from "../gate.js";
import { KINDS } from "../vocab.js";
import { TaskTable } from "./table.js";
import { newTask } from "./submit.js";
import { RETRY_DEFAULTS, backoffMs, errorOf, isSettled, step } from "./work.js";

/** The longest an `acquire` or a `wait` holds its caller before answering (the caller asks again). */
const LONGEST_HOLD_MS = 30_000;
/** A turn never released frees its place after at most this long. */
const LONGEST_LEASE_MS = 600_000;
/** Tasks worked on at once; of them, creates (which mostly wait for their turn: polls must not wait behind them). */
const MAX_BUSY = 128;
const MAX_CREATING = 32;
/** The alarm's loop keeps going while work is due within this long, then leaves it to the next alarm. */
const LINGER_MS = 5_000;
/**
 * One alarm's loop starts new work for at most this long: an alarm may run for 15 minutes, and a
 * copy started last may take 10.
 */
const MAX_RUN_MS = 2 * 60_000;
/** The proxy's quota keys kept in memory; past it, all are dropped and reloaded from storage on use. */
const MAX_QUOTA_KEYS = 10_000;
/** The actions a coordinator paces: every kind's create and describe (a gate each, no more). */
const PACED = new Set(KINDS.flatMap((k) => [k.create, k.describe]));

export class MpsCoordinator extends DurableObject {
  #tasks;
  /** Rate limits by action, and the turns they gave out that are not yet released, by ticket. */
  #gates = new Map();
  #leases = new Map();
  /**
   * Tickets are numbered from a random start per instance, so that a ticket an earlier instance
   * gave out (a request still on the wire across a restart) never names one of this instance's
   * turns: its release then frees nothing here. 2^20 starts 2^32 apart, all safe integers.
   */
  #nextTicket = 1 + Math.floor(Math.random() * 2 ** 20) * 2 ** 32;
  /** The proxy's quotas: in memory, written through to storage, loaded per key on first use. */
  #quotas;
  #quotaKeys = new Set();
  /** The client that creates and polls (made on first use, from the Worker's environment). */
  #client;
  /** Keys whose step is running, with that step (`retry` waits for it); how many are creates; the alarm's loop, and how to wake it. */
  #busy = new Map();
  #creating = 0;
  #loop;
  #wake;
  /** `tasks.wait` callers, by key. */
  #waiters = new Map();
  /** Calls received, by method: what the coordinator costs in Durable Object requests. */
  #calls = {};

  constructor(ctx, env) {
    super(ctx, env);
    this.#tasks = new TaskTable(ctx.storage.sql);
    // Work left by an earlier instance always has an alarm; this makes sure of it.
    ctx.blockConcurrencyWhile(async () => {
      const next = this.#tasks.nextDue(this.#busy);
      if (next !== undefined && (await ctx.storage.getAlarm()) === null) await ctx.storage.setAlarm(Math.max(next, Date.now()));
    });
  }

  // ---- account-wide rate limits (the client's `coordinator` option) -------------------------------

  /** A turn for one request of `action`: a ticket, or 0 if none came within `waitMs`. */
  async acquire(action, limit, waitMs, leaseMs) {
    this.#count("acquire");
    return this.#acquire(action, limit, waitMs, leaseMs);
  }

  /** The request with this ticket has finished. */
  release(ticket) {
    this.#count("release");
    this.#release(ticket);
  }

  async #acquire(action, limit, waitMs, leaseMs) {
    if (!PACED.has(action)) throw new TypeError(`acquire: ${String(action).slice(0, 64)} is not an action the coordinator paces`);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new TypeError("acquire: limit must be 1 to 10000");
    let gate = this.#gates.get(action);
    if (gate === undefined) this.#gates.set(action, (gate = new Gate(limit)));
    else if (limit < gate.limit) gate.lowerLimit(limit); // the strictest limit any client asks for
    const hold = Math.min(Math.max(Number(waitMs) || 0, 0), LONGEST_HOLD_MS);
    let release;
    try {
      release = await gate.enter(undefined, monoMs() + hold);
    } catch (e) {
      if (e === DEADLINE) return 0;
      throw e;
    }
    const ticket = this.#nextTicket++;
    const lease = Math.min(Math.max(Number(leaseMs) || 0, 1_000), LONGEST_LEASE_MS);
    const timer = setTimeout(() => this.#release(ticket), lease);
    this.#leases.set(ticket, { release, timer });
    return ticket;
  }

  #release(ticket) {
    const lease = this.#leases.get(ticket);
    if (!lease) return;
    this.#leases.delete(ticket);
    clearTimeout(lease.timer);
    lease.release();
  }

  // ---- the signing proxy's quotas (coordinatorStore) ----------------------------------------------

  /** The proxy store's `take`, counted here for every isolate, and kept across restarts. */
  take(key, windows) {
    this.#count("take");
    const now = Date.now();
    const quotas = this.#quotasOf(key, now);
    const wait = quotas.take(key, windows, now);
    if (wait === 0) {
      const longest = Math.max(0, ...windows.map((w) => Number(w[0]) || 0));
      this.#tasks.saveQuotaLog(key, Array.from(quotas.log(key)), now + longest);
    }
    return wait;
  }

  /** The proxy store's `giveBack`: the place `key` took last was for a request never sent. */
  giveBack(key) {
    this.#count("giveBack");
    const quotas = this.#quotasOf(key, Date.now());
    quotas.giveBack(key);
    this.#tasks.rewriteQuotaLog(key, Array.from(quotas.log(key)));
  }

  /** The counters in memory, with `key`'s loaded from storage. */
  #quotasOf(key, now) {
    this.#quotas ??= this.#emptyQuotas();
    if (!this.#quotaKeys.has(key)) {
      if (this.#quotaKeys.size >= MAX_QUOTA_KEYS) {
        // Every key is reloaded from storage when next used. The counters in memory go too: the wasm
        // would keep each key for its longest window (a day), in memory that never shrinks, and the
        // in-memory store's own key limit (100,000) is then never reached here.
        this.#quotaKeys.clear();
        this.#quotas.free();
        this.#quotas = this.#emptyQuotas();
        this.#tasks.forgetQuotasBefore(now);
      }
      this.#quotas.restore(key, this.#tasks.quotaLog(key));
      this.#quotaKeys.add(key);
    }
    return this.#quotas;
  }

  /** Counters in memory, none yet. */
  #emptyQuotas() {
    const glue = proxyGlue(); // in workerd the one wasm, loaded at import
    if (!glue) throw proxyNotReady("the coordinator's quotas");
    return new glue.Quotas();
  }

  // ---- durable tasks (mpsTasks) -------------------------------------------------------------------

  async submit(request, options) {
    this.#count("submit");
    return this.#answer(async () => {
      const now = Date.now();
      const task = newTask(request, options, this.env, now);
      this.#clientOrThrow(); // no keys: refused now, not accepted and failed later
      // From the look-up to the insert nothing awaits, so concurrent submits of one key see one row.
      const existing = this.#tasks.get(task.key);
      if (existing) {
        if (existing.work.fingerprint !== task.work.fingerprint) {
          throw new MpsError(`key ${JSON.stringify(task.key)} was submitted before with another request or other options`, {
            code: "KeyConflict",
          });
        }
        return existing.record;
      }
      this.#tasks.insert(task);
      await this.#schedule(now);
      return task.record;
    });
  }

  get(key) {
    this.#count("get");
    return this.#answer(() => this.#tasks.get(key)?.record ?? null);
  }

  /** `{ record, settled }` once the task is settled, or as it stands after `waitMs` (the caller asks again). */
  async wait(key, waitMs) {
    this.#count("wait");
    return this.#answer(async () => {
      let task = this.#tasks.get(key);
      if (!task) throw notFound(key);
      if (!isSettled(task)) {
        await new Promise((resolve) => {
          const timer = setTimeout(done, Math.min(Math.max(Number(waitMs) || 0, 0), LONGEST_HOLD_MS));
          const waiters = this.#waiters.get(key) ?? new Set();
          this.#waiters.set(key, waiters.add(done));
          function done() {
            clearTimeout(timer);
            waiters.delete(done);
            resolve();
          }
        });
        task = this.#tasks.get(key);
      }
      return { record: task.record, settled: isSettled(task) };
    });
  }

  list(options = {}) {
    this.#count("list");
    return this.#answer(() => {
      const { status, limit = 50, cursor } = options ?? {};
      if (status !== undefined && !["PENDING", "WAIT", "RUN", "DONE", "FAIL", "UNKNOWN"].includes(status)) {
        throw new MpsError("status must be PENDING, WAIT, RUN, DONE, FAIL or UNKNOWN", { code: "InvalidParameter" });
      }
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        throw new MpsError("limit must be a whole number from 1 to 1000", { code: "InvalidParameter" });
      }
      const after = cursor === undefined || cursor === null ? 0 : Number(cursor);
      if (!Number.isSafeInteger(after) || after < 0) throw new MpsError("cursor must be one that list returned", { code: "InvalidParameter" });
      const { records, last } = this.#tasks.list(status, after, limit);
      return { records, cursor: last === null ? null : String(last) };
    });
  }

  /** Creates an UNKNOWN task again, on purpose: the one thing that ever sends a key's create twice. */
  async retry(key) {
    this.#count("retry");
    return this.#answer(async () => {
      // A step of this key's may be running (an UNKNOWN task's webhook being delivered): it writes
      // its own copy of the task when it ends, which would undo this retry. It ends first.
      while (this.#busy.has(key)) await this.#busy.get(key);
      const task = this.#tasks.get(key);
      if (!task) throw notFound(key);
      if (task.record.status !== "UNKNOWN") {
        throw new MpsError(`task ${JSON.stringify(key)} is ${task.record.status}: only an UNKNOWN task is retried`, { code: "InvalidParameter" });
      }
      const now = Date.now();
      Object.assign(task.record, { status: "PENDING", TaskId: null, error: null, maybeCreated: false, result: null, polls: 0, updatedAt: now });
      Object.assign(task.record, { deliveredAt: null, deliveryError: null, copyError: null, stored: [] });
      Object.assign(task.work, { phase: "create", sending: false, attempts: 0, firstTryAt: undefined, delivery: undefined });
      task.work.retries += 1;
      task.due = now;
      this.#tasks.update(task);
      await this.#schedule(now);
      return task.record;
    });
  }

  /** What this instance has been asked, by method, and its tasks by status (for monitoring and tests). */
  stats() {
    return { calls: { ...this.#calls }, tasks: this.#tasks.counts(), memoryBytes: proxyGlue()?.wasmMemoryBytes() };
  }

  // ---- the work: run on the alarm ------------------------------------------------------------------

  async alarm() {
    this.#count("alarm");
    await this.#run();
  }

  /** Makes sure work due at `due` runs then: wakes the loop if it runs, else sets the alarm. */
  async #schedule(due) {
    if (this.#loop) return this.#wake?.();
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm > due) await this.ctx.storage.setAlarm(due);
  }

  #run() {
    this.#loop ??= this.#loopOnce().finally(async () => {
      this.#loop = undefined;
      const next = this.#tasks.nextDue(this.#busy);
      if (next !== undefined) await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
    });
    return this.#loop;
  }

  /** Starts every step that is due (never two of one task at once) until nothing is due soon. */
  async #loopOnce() {
    const started = Date.now();
    for (;;) {
      const now = Date.now();
      if (now - started < MAX_RUN_MS) {
        const creates = Math.min(MAX_CREATING - this.#creating, MAX_BUSY - this.#busy.size);
        for (const task of this.#tasks.due(now, creates, this.#busy, true)) this.#start(task);
        for (const task of this.#tasks.due(now, MAX_BUSY - this.#busy.size, this.#busy, false)) this.#start(task);
      }
      const next = this.#tasks.nextDue(this.#busy, this.#creating < MAX_CREATING);
      const quiet = next === undefined || next - now > LINGER_MS || now - started >= MAX_RUN_MS;
      if (this.#busy.size === 0 && quiet) return;
      await new Promise((resolve) => {
        const timer = setTimeout(wake, quiet ? LINGER_MS : Math.max(0, next - now));
        const self = this;
        this.#wake = wake;
        function wake() {
          clearTimeout(timer);
          if (self.#wake === wake) self.#wake = undefined;
          resolve();
        }
      });
    }
  }

  #start(task) {
    const create = task.work.phase === "create";
    if (create) this.#creating += 1;
    const running = this.#step(task).finally(() => {
      if (create) this.#creating -= 1;
      this.#busy.delete(task.key);
      this.#wake?.();
    });
    this.#busy.set(task.key, running); // before the loop looks again: a step never starts another
  }

  async #step(task) {
    const before = task.work.phase;
    try {
      await step(task, this.#tools());
    } catch (e) {
      // A bug or a storage failure, not the task's: try the step again a little later.
      task.record.error = errorOf(e);
      task.due = Date.now() + backoffMs(1, this.#backoffBase());
    }
    task.record.updatedAt = Date.now();
    this.#tasks.update(task);
    if (isSettled(task) && !(before === "notify" || before === "settled")) {
      for (const done of this.#waiters.get(task.key) ?? []) done();
      this.#waiters.delete(task.key);
    }
  }

  #tools() {
    return {
      client: this.#clientOrThrow(),
      creator: (beforeSend) => this.#clientOrThrow(beforeSend),
      env: this.env,
      fetch: (url, init) => fetch(url, init),
      now: () => Date.now(),
      backoffMs: (attempts) => backoffMs(attempts, this.#backoffBase()),
      retry: this.#retrySettings(),
      bucket: (name) => {
        const bucket = this.env[name];
        if (typeof bucket?.put !== "function") throw new Error(`the coordinator's Worker has no R2 binding ${name} any more`);
        return bucket;
      },
      // Written down, and durably so, before the create goes out: a restart then knows it may exist.
      markSending: async (task) => {
        task.work.sending = true;
        task.record.updatedAt = Date.now();
        this.#tasks.update(task);
        await this.ctx.storage.sync?.(); // until the write is durable, before anything is sent
      },
    };
  }

  /** A setting in milliseconds from the Worker's environment, or its default. */
  #millis(name, fallback) {
    const value = Number(this.env[name]);
    return this.env[name] !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
  }

  #backoffBase() {
    return this.#millis("MPS_BACKOFF_MS", 5_000);
  }

  #retrySettings() {
    return {
      copyForMs: this.#millis("MPS_COPY_RETRY_MS", RETRY_DEFAULTS.copyForMs),
      notifyForMs: this.#millis("MPS_NOTIFY_RETRY_MS", RETRY_DEFAULTS.notifyForMs),
      createForMs: this.#millis("MPS_CREATE_RETRY_MS", RETRY_DEFAULTS.createForMs),
    };
  }

  /**
   * The client that describes (made once), or with `beforeSend`, a client for one create, whose
   * every attempt awaits `beforeSend()` once its turn has come and before it is sent.
   */
  #clientOrThrow(beforeSend) {
    if (this.#client && !beforeSend) return this.#client;
    const env = this.env;
    if (!env.TENCENTCLOUD_SECRET_ID || !env.TENCENTCLOUD_SECRET_KEY) {
      throw new MpsError(
        "the coordinator's Worker has no TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY: set them with `wrangler secret put` (or in .dev.vars)",
        { code: "MissingParameter" },
      );
    }
    const client = new MpsClient({
      secretId: env.TENCENTCLOUD_SECRET_ID,
      secretKey: env.TENCENTCLOUD_SECRET_KEY,
      token: env.TENCENTCLOUD_SESSION_TOKEN || undefined,
      region: env.TENCENTCLOUD_REGION || undefined,
      endpoint: env.MPS_ENDPOINT || undefined,
      // Its creates and describes wait in the same queues as every isolate's.
      coordinator: {
        acquire: async (action, limit, waitMs, leaseMs) => {
          const ticket = await this.#acquire(action, limit, waitMs, leaseMs);
          if (ticket && beforeSend) {
            try {
              await beforeSend();
            } catch (e) {
              this.#release(ticket);
              throw e;
            }
          }
          return ticket;
        },
        release: (ticket) => this.#release(ticket),
      },
    });
    if (!beforeSend) this.#client = client;
    return client;
  }

  #count(method) {
    this.#calls[method] = (this.#calls[method] ?? 0) + 1;
  }

  /** RPC keeps an error's message but not its fields: answers carry `{ value }` or `{ error }`. */
  async #answer(fn) {
    try {
      return { value: await fn() };
    } catch (e) {
      return { error: errorOf(e) };
    }
  }
}

function notFound(key) {
  return new MpsError(`no task was submitted with key ${JSON.stringify(key)}`, { code: "ResourceNotFound" });
}
