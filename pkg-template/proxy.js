// createSigningProxy: the driver of the Rust proxy. Rust decides who may call, what is refused and
// how, and signs; this reads the request (every value's length checked before it is copied into
// wasm memory, which never shrinks), sends upstream, and answers. The handler never rejects and
// always resolves to a Response, in every entry, even while the wasm is loading or failed to load.
import * as glue from "./mps_aigc.js";
import { random, wallMs } from "./clock.js";
import { provide, report, unpack } from "./client.js";
import { loaded, ready } from "./loader.js";
import { attempt, joined, readBody, ANSWER, TIMED_OUT } from "./transport.js";
import { LIMITS, PROXY_HEADERS, STEP } from "./vocab.js";

/** `(request) => Promise<Response>`, usable as `export default { fetch }` in a Worker. */
export function createSigningProxy(options) {
  let core = loaded ? new glue.Proxy(options) : undefined; // bad options throw here where the wasm is at hand
  return async (request) => {
    const requestId = `proxy-${Math.floor(random() * 2 ** 52).toString(16).padStart(13, "0")}`;
    try {
      if (!core) {
        await ready();
        core = new glue.Proxy(options);
      }
    } catch (e) {
      const code = e?.code === "ClientNotReady" ? "InternalError.ProxyNotReady" : "InternalError.ProxyMisconfigured";
      return tencentError(500, code, `the proxy cannot start: ${e?.message ?? e}`, requestId);
    }
    try {
      return await handle(core, request, requestId);
    } catch {
      return tencentError(500, "InternalError", "the proxy failed", requestId);
    }
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

async function handle(core, request, requestId) {
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
  const verdict = core.decide(method, path, head.origin, head.authorization, head["x-tc-action"], length, requestId);
  const cors = verdict.cors;
  if (verdict.verdict === "preflight") {
    return respond(204, null, cors, {
      "Access-Control-Allow-Methods": "POST, OPTIONS",
      "Access-Control-Allow-Headers": verdict.allowHeaders,
      "Access-Control-Max-Age": "600",
    });
  }
  if (verdict.verdict === "refuse") return refusal(verdict, cors);

  const read = await readWithin(request, core.maxBodyBytes + 1, core.bodyTimeoutMs); // one byte over is enough to know
  if (read.kind !== "ok") return refusal(core.refusal(read.kind, requestId), cors);
  const checked = core.checkBody(read.body, requestId);
  if (checked) return refusal(checked, cors);
  return forward(core, verdict.action, read.body, head["x-tc-language"], requestId, cors);
}

/** Signs `body` as `action` and sends it upstream once, fixing the clock once if the server says so. */
async function forward(core, action, body, language, requestId, cors) {
  const up = core.upstream;
  const call = core.start(action);
  try {
    for (;;) {
      let provided;
      if (up.credentials) {
        try {
          provided = await provide(up.credentials, undefined, up.timeoutMs);
        } catch {
          return refusal(core.refusal("credentials-failed", requestId), cors);
        }
      }
      const headers = unpack(up.headers(action, body, wallMs(), provided, language));
      const outcome = await attempt({ fetch: up.fetch, url: up.url, headers, body, timeoutMs: up.timeoutMs });
      const step = report(call, outcome, up.timeoutMs);
      if (step === STEP.resign) continue;
      if (step === STEP.done && outcome.kind === ANSWER) {
        return respond(outcome.status, core.redact(outcome.body), cors, { "Content-Type": "application/json" });
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
    const timer = setTimeout(() => {
      try {
        request.body?.cancel?.().catch?.(() => {});
      } catch {}
      resolve({ kind: "body-timeout" });
    }, timeoutMs);
    readBody(request, limit, got).then(
      (complete) => resolve(complete ? { kind: "ok", body: joined(got) } : { kind: "too-large" }),
      () => resolve({ kind: "unreadable-body" }),
    ).finally(() => clearTimeout(timer));
  });
}

function refusal({ status, body }, cors) {
  return respond(status, body, cors, { "Content-Type": "application/json" });
}

function respond(status, body, cors, extra) {
  const headers = { ...extra };
  if (cors) {
    headers["Access-Control-Allow-Origin"] = cors;
    headers.Vary = "Origin";
  }
  return new Response(body, { status, headers });
}

function tencentError(status, code, message, requestId) {
  const body = JSON.stringify({ Response: { Error: { Code: code, Message: message }, RequestId: requestId } });
  return new Response(body, { status, headers: { "Content-Type": "application/json" } });
}

