// createSigningProxy: the driver of the Rust proxy. Rust decides who is calling, what they may do,
// which tasks they may see, what is refused and how, and signs; this reads the request (every
// value's length checked before it is copied into wasm memory, which never shrinks), asks the app's
// hooks (authorize, checkBody, the quota store) within the proxy's time limit, sends upstream, and
// answers. The handler never rejects and always resolves to a Response, in every entry, even while
// the wasm is loading or failed to load.
import { monoMs, random, wallMs } from "./clock.js";
import { coordinatorOf, leaseMs, provide, report, unpack } from "./client.js";
import { DEADLINE, SharedGate } from "./gate.js";
import { proxyFailedNow, proxyGlue, readyProxy } from "./loader.js";
import { attempt, joined, readBody, ANSWER, MAX_TIMER_MS, TIMED_OUT } from "./transport.js";
import { LIMITS, PROXY_HEADERS, STEP } from "./vocab.js";

/** `(request) => Promise<Response>`, usable as `export default { fetch }` in a Worker. */
export function createSigningProxy(options) {
  // Bad options throw here where the wasm is at hand (loaded now, if it was not: the proxy's wasm is
  // loaded when the first proxy is made); in a browser the first request reports them.
  // In Node the wasm is read now: if it cannot be, this says why (the file, the path) to the program
  // that makes the proxy, rather than to each of the proxy's callers.
  const glue = proxyGlue();
  if (!glue) {
    const failed = proxyFailedNow("createSigningProxy");
    if (failed) throw failed;
  }
  let started = glue && start(glue, options);
  // Requests that arrive while the wasm loads wait for one start, so they share one core and one
  // quota store (each its own would give every one of them a fresh quota). A start that failed is
  // forgotten, so the next request tries again, as readyProxy() does.
  let starting;
  const startOnce = () =>
    (starting ??= readyProxy()
      .then((loaded) => (started = start(loaded, options)))
      .catch((e) => {
        starting = undefined;
        throw e;
      }));
  return async (request) => {
    const requestId = `proxy-${Math.floor(random() * 2 ** 52).toString(16).padStart(13, "0")}`;
    let proxy;
    try {
      proxy = started ?? (await startOnce());
    } catch (e) {
      const code = e?.code === "ClientNotReady" ? "InternalError.ProxyNotReady" : "InternalError.ProxyMisconfigured";
      return tencentError(500, code, `the proxy cannot start: ${e?.message ?? e}`, requestId);
    }
    try {
      return await handle(proxy, request, requestId);
    } catch {
      return tencentError(500, "InternalError", "the proxy failed", requestId);
    }
  };
}

/**
 * A proxy's core (which throws for bad options), its quota store, its pacing and its time limit
 * for the app's hooks (its `timeoutMs`), made once.
 */
function start(glue, options) {
  const core = new glue.Proxy(options);
  // Read once: each read of `core.upstream` is a wasm object of its own, until it is freed.
  const up = core.upstream;
  const timeoutMs = up.timeoutMs;
  up.free();
  return { glue, core, store: storeOf(glue, core), pace: pacingOf(core, timeoutMs), timeoutMs };
}

/** The proxy's quota store: the one given, or counters in this process's (or isolate's) memory. */
function storeOf(glue, core) {
  const given = core.store;
  if (given !== undefined) return given;
  const quotas = new glue.Quotas();
  return { take: (key, windows, nowMs) => quotas.take(key, windows, nowMs), giveBack: (key) => quotas.giveBack(key) };
}

/**
 * Gives the caller's place back to the store, if the store can (its optional `giveBack`): the
 * request was refused before it was sent, so nothing was made. Not awaited: the refusal goes at once.
 */
function giveBack(store, key) {
  try {
    Promise.resolve(store.giveBack?.(key)).catch(() => {});
  } catch {}
}

/**
 * With a `coordinator`, the account's rate limit for an action (a gate shared by every isolate),
 * else nothing: `(action) => SharedGate | undefined`.
 */
function pacingOf(core, timeoutMs) {
  const coordinator = coordinatorOf(core.coordinator);
  if (!coordinator) return () => undefined;
  const gates = new Map();
  return (action) => {
    if (!gates.has(action)) {
      const limit = core.accountLimit(action);
      gates.set(action, limit > 0 ? new SharedGate(coordinator, action, limit, leaseMs(timeoutMs)) : undefined);
    }
    return gates.get(action);
  };
}

/** A string property of the caller's request, if it is one and not longer than `max` units; else `tooLong`. */
function bounded(value, max, tooLong) {
  if (typeof value !== "string") return undefined;
  return value.length > max ? tooLong : value;
}

const TOO_LONG = Symbol("too long");

/** `object[key]`, or undefined if reading it throws (the request is the caller's, maybe a Proxy). */
function field(object, key) {
  try {
    return object?.[key];
  } catch {
    return undefined;
  }
}

async function handle({ glue, core, store, pace, timeoutMs }, request, requestId) {
  const method = bounded(field(request, "method"), 16, "(too long)")?.toUpperCase() ?? "";
  const url = bounded(field(request, "url"), LIMITS.maxHeaderUnits, TOO_LONG);
  if (url === TOO_LONG) return refusal(core.refusal("uri-too-long", requestId));
  let path = "";
  try {
    path = new URL(url).pathname;
  } catch {}
  const head = {};
  for (const name of PROXY_HEADERS.reads) {
    let value;
    try {
      value = field(request, "headers").get(name);
    } catch {}
    value = bounded(value ?? undefined, LIMITS.maxHeaderUnits, TOO_LONG);
    if (value === TOO_LONG) return refusal(core.refusal("headers-too-large", requestId));
    head[name] = value;
  }
  // A Content-Length that is not a whole number (or is beyond what one can be) is ignored: the body
  // is counted as it is read.
  const declared = head["content-length"]?.trim();
  const length = declared && /^[0-9]{1,19}$/.test(declared) ? Number(declared) : NaN;
  const cors = core.cors(head.origin);
  const first = core.head(method, path, head.origin, requestId);
  if (first?.preflight) {
    return respond(204, null, cors, {
      "Access-Control-Allow-Methods": "POST, OPTIONS",
      "Access-Control-Allow-Headers": first.preflight,
      "Access-Control-Max-Age": "600",
    });
  }
  if (first) return refusal(first, cors);

  // Who is calling: a token, the app's own check, or an anonymous page.
  let caller = core.identify(head.authorization, head.origin, wallMs(), requestId);
  if (caller.authorize) {
    try {
      const hook = core.authorize;
      const result = await within(() => hook(request), timeoutMs);
      caller = core.fromAuthorize(result, requestId);
    } catch {
      return refusal(core.refusal("authorize-failed", requestId), cors);
    }
  }
  if (!(caller instanceof glue.Caller)) return refusal(caller, cors);
  try {
    const admitted = core.admit(caller, head.origin, head["x-tc-action"], length, requestId);
    if (admitted.action === undefined) return refusal(admitted, cors);
    const action = admitted.action;

    const read = await readWithin(request, core.maxBodyBytes + 1, core.bodyTimeoutMs); // one byte over is enough to know
    if (read.kind !== "ok") return refusal(core.refusal(read.kind, requestId), cors);
    const hook = core.bodyHook;
    const checked = core.checkBody(action, read.body, caller, hook !== undefined, requestId);
    if (checked.notFound !== undefined) return respond(200, checked.notFound, cors, JSON_TYPE);
    if (checked.status !== undefined) return refusal(checked, cors);
    let body = checked.forward ?? read.body;
    if (hook) {
      let out;
      try {
        const parsed = JSON.parse(new TextDecoder().decode(body));
        out = await within(() => hook(action, parsed, caller.toJSON()), timeoutMs);
      } catch {
        return refusal(core.refusal("check-body-failed", requestId), cors);
      }
      if (isResponse(out)) {
        try {
          const own = out instanceof Response ? out : await within(() => copied(out), timeoutMs);
          return withCors(own, cors);
        } catch {
          return refusal(core.refusal("check-body-failed", requestId), cors);
        }
      }
      if (out !== undefined) {
        // A body is a plain object; anything else (a class instance, a Map) would go out as `{}`.
        if (!isPlainObject(out)) return refusal(core.refusal("check-body-failed", requestId), cors);
        body = new TextEncoder().encode(JSON.stringify(out));
      }
    }

    // The caller's quota, counted where the store keeps it; a store that fails refuses (fails closed).
    const { key, windows } = core.quota(caller, action);
    let wait;
    try {
      wait = await within(() => store.take(key, windows, wallMs()), timeoutMs);
    } catch {
      wait = NaN;
    }
    // Exactly 0 goes on and a wait (Infinity too) is the quota's 429; anything else (a negative
    // number, NaN, not a number) is a store that failed.
    if (typeof wait === "number" && wait > 0) return refusal(core.quotaSpent(action, wait, requestId), cors);
    if (wait !== 0) return refusal(core.refusal("store-failed", requestId), cors);
    const unsent = () => giveBack(store, key);
    return await forward(core, pace(action), caller, action, body, head["x-tc-language"], requestId, cors, unsent);
  } finally {
    caller.free();
  }
}

/** Runs `fn` (which may return a promise) within `ms`; throws if it throws, rejects or takes longer. */
function within(fn, ms) {
  return new Promise((resolve, reject) => {
    const timer = Number.isFinite(ms) ? setTimeout(() => reject(new Error("timed out")), Math.min(ms, MAX_TIMER_MS)) : undefined;
    Promise.resolve()
      .then(fn)
      .then(resolve, reject)
      .finally(() => clearTimeout(timer));
  });
}

/**
 * Signs `body` as `action` and sends it upstream once, fixing the clock once if the server says so.
 * With the account's `gate`, each attempt waits for its turn, at most the proxy's timeoutMs.
 * `unsent()` is called when it gives up before sending (the caller's quota gets its place back).
 */
async function forward(core, gate, caller, action, body, language, requestId, cors, unsent) {
  const up = core.upstream;
  const call = core.start(action);
  try {
    for (;;) {
      let provided;
      if (up.provider) {
        try {
          provided = await provide(up.provider, undefined, up.timeoutMs);
        } catch {
          unsent();
          return refusal(core.refusal("credentials-failed", requestId), cors);
        }
      }
      let release;
      if (gate) {
        try {
          release = await gate.enter(undefined, monoMs() + Math.min(up.timeoutMs, 30_000));
        } catch (e) {
          unsent();
          return refusal(core.refusal(e === DEADLINE ? "account-limit" : "coordinator-failed", requestId), cors);
        }
      }
      const headers = unpack(up.headers(action, body, wallMs(), provided, language));
      let outcome;
      try {
        outcome = await attempt({ fetch: up.fetch, url: up.url, headers, body, timeoutMs: up.timeoutMs });
      } finally {
        release?.();
      }
      const step = report(call, outcome, up.timeoutMs);
      if (step === STEP.resign) continue;
      if (step === STEP.done && outcome.kind === ANSWER) {
        const odd = core.upstreamStatus(outcome.status, requestId);
        if (odd) return refusal(odd, cors);
        // A create's TaskId becomes this caller's handle: only this caller can describe it.
        const answer = (outcome.status === 200 && core.seal(action, caller, outcome.body)) || outcome.body;
        return respond(outcome.status, core.redact(answer), cors, JSON_TYPE);
      }
      const what = outcome.kind === TIMED_OUT ? "upstream-timeout" : "upstream-unreachable";
      return refusal(core.refusal(what, requestId), cors);
    }
  } finally {
    call.free();
    up.free();
  }
}

/** The request's body, at most `limit` bytes, within `timeoutMs`: `{ kind: "ok", body }` or why not. */
function readWithin(request, limit, timeoutMs) {
  const got = { parts: [], length: 0 };
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ kind: "body-timeout" }), Math.min(timeoutMs, MAX_TIMER_MS));
    readBody(request, limit, got)
      .then(
        (complete) => resolve(complete ? { kind: "ok", body: joined(got) } : { kind: "too-large" }),
        () => resolve({ kind: "unreadable-body" }),
      )
      .finally(() => clearTimeout(timer));
  });
}

const JSON_TYPE = { "Content-Type": "application/json" };

function refusal({ status, body, retryAfter }, cors) {
  return respond(status, body, cors, retryAfter ? { ...JSON_TYPE, "Retry-After": retryAfter } : JSON_TYPE);
}

function corsHeaders(cors) {
  return cors
    ? { "Access-Control-Allow-Origin": cors.origin, "Access-Control-Expose-Headers": cors.expose, Vary: "Origin" }
    : {};
}

function respond(status, body, cors, extra) {
  return new Response(body, { status, headers: { ...extra, ...corsHeaders(cors) } });
}

/**
 * Whether a hook's result is a Response: this runtime's, or by its shape another library's (the
 * undici package, node-fetch), which `instanceof Response` does not recognise.
 */
function isResponse(value) {
  if (value instanceof Response) return true;
  return typeof value?.status === "number" && typeof value.headers?.get === "function" && typeof value.arrayBuffer === "function";
}

function isPlainObject(value) {
  if (value === null || typeof value !== "object") return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Another library's Response as this runtime's (which the runtime can send); throws if it cannot be. */
async function copied(foreign) {
  const headers = new Headers();
  // Headers that can only be read one by one (all that ResponseLike promises) keep their type.
  const all = typeof foreign.headers[Symbol.iterator] === "function" ? foreign.headers : [["content-type", foreign.headers.get("content-type")]];
  for (const [name, value] of all) if (value != null) headers.append(name, value);
  return new Response(await foreign.arrayBuffer(), { status: foreign.status, statusText: foreign.statusText, headers });
}

/** The app's own Response (from checkBody), with the CORS headers a page needs to read it. */
function withCors(response, cors) {
  if (!cors) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(corsHeaders(cors))) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

function tencentError(status, code, message, requestId) {
  const body = JSON.stringify({ Response: { Error: { Code: code, Message: message }, RequestId: requestId } });
  return new Response(body, { status, headers: { "Content-Type": "application/json" } });
}
