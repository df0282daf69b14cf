// One HTTP attempt: POST the exact body bytes, bounded in time, and read at most the answer's size
// limit. It never throws: it resolves with what happened, which the call's machine (in Rust)
// reads. Everything about the caller's fetch and what it returns is read inside guards: a custom
// fetch may return something Response-like but odd.
import { LIMITS } from "./vocab.js";

export const ANSWER = "answer";
export const TOO_LARGE = "too-large";
export const TIMED_OUT = "timed-out";
export const FAILED = "failed";
export const ABORTED = "aborted";

/** The longest single timer: setTimeout overflows past 2^31 - 1 ms and fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** `signal`'s abort reason if it has aborted (a signal whose getters throw counts as aborted, with what it threw). */
export function abortedReason(signal) {
  if (!signal) return undefined;
  try {
    if (!signal.aborted) return undefined;
    return { reason: signal.reason };
  } catch (e) {
    return { reason: e };
  }
}

/**
 * Removes an abort listener, whatever the signal does: a signal-like object (a polyfill) need not
 * have `removeEventListener`, or it may throw, and this runs in timer and promise callbacks, where
 * a throw would be uncaught and leave a call unsettled.
 */
export function unlisten(signal, onAbort) {
  try {
    signal.removeEventListener("abort", onAbort);
  } catch {}
}

/**
 * How read-only requests through the platform's own fetch ask not to follow redirects: "manual"
 * (workerd refuses "error"), or "error", which the Node entries set. Node's fetch (undici) copies
 * every request whose redirect mode is not "error" before sending it, and the copy tees the body
 * into two more web streams: measured side by side, about 50 µs of CPU per request, an eighth of
 * a describe (see the README's "Benchmarks"). With "error" a redirect rejects the fetch instead
 * of answering it, so the attempt sends once more with "manual" to read the redirect as it is:
 * hence only requests that may be repeated (describes) take this path, and only with the
 * platform's fetch (a caller's own fetch sees "manual", always).
 */
export const platform = { readRedirect: "manual" };

/**
 * POSTs `body` to `url` through `fetch` (the global one when null), unless `signal` aborts or
 * `timeoutMs` passes first; either cancels the request. Redirects are not followed. `readOnly`:
 * the request may be sent twice (see `platform`).
 * @returns {Promise<{kind: string, status?: number, body?: Uint8Array, received?: Uint8Array,
 *   serverMs?: number, retryAfterMs?: number, message?: string, code?: string, stage?: number,
 *   cause?: unknown, reason?: unknown}>}
 */
export function attempt({ fetch, url, headers, body, signal, timeoutMs, readOnly = false, limit = LIMITS.maxResponseBytes }) {
  return new Promise((resolve) => {
    const controller = new AbortController();
    const got = { parts: [], length: 0, answered: false };
    let timer;
    let onAbort;
    let done = false;
    const finish = (outcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (onAbort) unlisten(signal, onAbort);
      resolve(outcome);
    };
    const early = abortedReason(signal);
    if (early) return finish({ kind: ABORTED, reason: early.reason });
    if (signal) {
      onAbort = () => {
        const { reason } = abortedReason(signal) ?? { reason: undefined };
        controller.abort(reason);
        finish({ kind: ABORTED, reason });
      };
      try {
        signal.addEventListener("abort", onAbort);
      } catch (e) {
        return finish({ kind: ABORTED, reason: e });
      }
    }
    if (Number.isFinite(timeoutMs)) {
      timer = setTimeout(() => {
        controller.abort();
        finish({ kind: TIMED_OUT, received: joined(got) });
      }, Math.min(Math.max(Math.ceil(timeoutMs), 0), MAX_TIMER_MS));
    }
    const redirect = readOnly && !fetch ? platform.readRedirect : "manual";
    const init = { method: "POST", headers, body, signal: controller.signal, redirect };
    const fail = (cause) => finish(failed(cause, got));
    exchange(fetch, url, init, got, limit).then(finish, (cause) => {
      if (redirect === "error" && !done && refusedRedirect(cause)) {
        init.redirect = "manual"; // the redirect, once more, to read it as it is
        return exchange(fetch, url, init, got, limit).then(finish, fail);
      }
      fail(cause);
    });
  });
}

async function exchange(fetch, url, init, got, limit) {
  let pending;
  try {
    pending = fetch ? fetch(url, init) : globalThis.fetch(url, init);
  } catch (cause) {
    return { ...failed(cause, got), stage: 0 }; // a fetch that throws before returning a promise sent nothing
  }
  const response = await pending;
  let status;
  let date;
  let retryAfter;
  try {
    status = response.status;
    if (typeof status !== "number" || !(status >= 100 && status < 1000)) status = undefined;
    date = header(response, "date");
    retryAfter = header(response, "retry-after");
  } catch {
    status = undefined;
  }
  if (status === undefined) {
    const redirect = (() => {
      try {
        return response.type === "opaqueredirect";
      } catch {
        return false;
      }
    })();
    const message = redirect ? "the answer was a redirect, which is not followed" : "fetch resolved to something that is not a Response";
    return { kind: FAILED, message, code: "", stage: 2, received: new Uint8Array(0) };
  }
  got.answered = true;
  const complete = await readBody(response, limit, got);
  const answer = {
    status,
    serverMs: date === undefined ? NaN : Date.parse(date),
    retryAfterMs: retryAfterMs(retryAfter),
  };
  if (!complete) return { kind: TOO_LARGE, status, received: joined(got) };
  return { kind: ANSWER, ...answer, body: joined(got) };
}

/** Whether fetch rejected because the answer was a redirect and the mode was "error" (Node's words). */
function refusedRedirect(cause) {
  try {
    return cause?.cause?.message === "unexpected redirect";
  } catch {
    return false;
  }
}

/** `message.headers.get(name)`, or undefined; values over the header limit are ignored. */
export function header(message, name) {
  const value = message.headers.get(name);
  return typeof value === "string" && value.length <= LIMITS.maxHeaderUnits ? value : undefined;
}

/** `Retry-After` (seconds, or an HTTP date) in ms from now; NaN when absent or unreadable. */
function retryAfterMs(value) {
  if (value === undefined) return NaN;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : NaN;
}

/**
 * Reads a Request's or Response's body into `got`, chunk by chunk, stopping as soon as it exceeds
 * `limit`: false when it did. Chunk by chunk, so that when the connection breaks mid-answer the
 * bytes that arrived are kept (the start of a create's answer names its task).
 */
export async function readBody(message, limit, got) {
  let getReader;
  let stream;
  try {
    stream = message.body; // the caller's object (a proxy's request): reads that throw count as no stream
    getReader = stream?.getReader;
  } catch {}
  const reader = typeof getReader === "function" ? getReader.call(stream) : undefined;
  if (!reader) {
    // No stream (a body-less answer, or a fetch polyfill): take it whole.
    const buffer = await message.arrayBuffer();
    const bytes = bytesOf(buffer);
    if (!bytes) throw new TypeError("arrayBuffer() did not give bytes");
    got.parts.push(bytes.length > limit ? bytes.subarray(0, limit) : bytes);
    got.length = Math.min(bytes.length, limit);
    return bytes.length <= limit;
  }
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return true;
    const bytes = bytesOf(value);
    if (!bytes) throw new TypeError("a body chunk was not bytes");
    if (got.length + bytes.length > limit) {
      // What still fits is kept, as above: one large chunk may begin with a create's TaskId.
      got.parts.push(bytes.subarray(0, limit - got.length));
      got.length = limit;
      reader.cancel().catch(() => {}); // not awaited: the connection is abandoned either way
      return false;
    }
    got.parts.push(bytes);
    got.length += bytes.length;
  }
}

function bytesOf(value) {
  try {
    if (value instanceof Uint8Array) return value;
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  } catch {}
  return undefined;
}

/** The bytes collected so far, as one array. */
export function joined({ parts, length }) {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A failure, in the words the call's machine reads: Node (undici) names the step in `cause.code`. */
function failed(cause, got) {
  let message;
  let code = "";
  try {
    message = typeof cause?.message === "string" ? cause.message : String(cause);
    const inner = cause?.cause;
    if (typeof inner?.code === "string") code = inner.code;
    if (typeof inner?.message === "string" && inner.message) message += ` (${inner.message})`;
  } catch {
    message = "fetch failed";
  }
  const stage = got.answered ? 2 : 1;
  return { kind: FAILED, message: message || "fetch failed", code, stage, received: joined(got), cause };
}

/** Sleeps `ms`, unless `signal` aborts first (then rejects with its reason); leaves nothing behind. */
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const early = abortedReason(signal);
    if (early) return reject(early.reason);
    let onAbort;
    const timer = setTimeout(() => {
      if (onAbort) unlisten(signal, onAbort);
      resolve();
    }, Math.min(Math.max(Math.ceil(ms), 0), MAX_TIMER_MS));
    if (signal) {
      onAbort = () => {
        clearTimeout(timer);
        reject(abortedReason(signal)?.reason);
      };
      try {
        signal.addEventListener("abort", onAbort, { once: true });
      } catch (e) {
        clearTimeout(timer);
        reject(e);
      }
    }
  });
}
