// The public API, shared by every entry. Each entry says how its runtime loads the WebAssembly
// (`boot` in loader.js); where that can happen synchronously (Node, Workers, Deno) it has happened
// before the entry's first export is used. In browsers the module is fetched on first use (or by
// `ready()`), so no entry needs a top-level await, which several bundlers refuse.
import { glue, loaded, loadedProxy, proxyGlue, proxyNotReady, ready, standaloneGlue } from "./loader.js";
import { wallMs } from "./clock.js";
import { MpsError } from "./errors.js";
import { bytesOf, describeThrown, isWellFormed, kindOf } from "./support.js";
import { BAD_INPUT_CODES, KIND_SCHEMAS, KINDS, LIMITS } from "./vocab.js";

export { MpsError, TaskFailedError, WaitTimeoutError } from "./errors.js";
export { MpsClient } from "./client.js";
export { createSigningProxy } from "./proxy.js";
export * from "./kinds.js";
export { ready };

/**
 * The task kinds this package knows (video, image, audio), from the Rust tables: their actions and
 * rate limits, their request and result fields, their documented models and versions. Data only,
 * for forms and tools; the methods use the same tables. A copy (what the client reads stays as it
 * is), made where it is used: a bundle that does not import it leaves the schemas out (1 KB gzip).
 */
export const taskKinds = /* @__PURE__ */ describeKinds();

function describeKinds() {
  return KINDS.map((kind, i) => ({ ...kind, ...KIND_SCHEMAS[i] }));
}

/**
 * TC3-HMAC-SHA256: `{ authorization, signature, headers }` for one request.
 *
 * The options are read here, in a few plain property reads, and their values checked and signed in
 * Rust: reading them from Rust one `Reflect.get` at a time cost ten times the signing itself.
 */
export function signTc3(options) {
  const wasm = standaloneGlue("signTc3");
  wasm.checkSignOptions(options); // an object, with only known names
  const o = options;
  // Each option is read by name (not o[name] in a loop, which is slow in V8), inside one guard
  // that knows which one it was reading: a getter or Proxy trap that throws is a clear error.
  let field = "signTc3 options";
  let secretId, secretKey, token, service, host, action, version, timestamp, body, contentType, region, language, flag;
  try {
    field = "secretId"; secretId = required(o.secretId, field);
    field = "secretKey"; secretKey = required(o.secretKey, field);
    field = "token"; token = optional(o.token, field);
    field = "service"; service = optional(o.service, field);
    field = "host"; host = optional(o.host, field);
    field = "action"; action = required(o.action, field);
    field = "version"; version = optional(o.version, field);
    field = "contentType"; contentType = optional(o.contentType, field);
    field = "region"; region = optional(o.region, field);
    field = "language"; language = optional(o.language, field);
    field = "timestamp"; timestamp = o.timestamp ?? undefined;
    field = "signActionHeader"; flag = o.signActionHeader ?? false;
    field = "body"; body = o.body;
  } catch (e) {
    if (e instanceof MpsError) throw e;
    throw bad("InvalidParameter", `${field} could not be read (${describeThrown(e)})`, e);
  }
  if (timestamp === undefined) timestamp = Math.floor(wallMs() / 1000);
  else if (typeof timestamp !== "number") {
    throw bad("InvalidParameter", `timestamp must be whole Unix seconds, got ${kindOf(timestamp)}`);
  }
  if (typeof flag !== "boolean") throw bad("InvalidParameter", `signActionHeader must be true or false, got ${kindOf(flag)}`);
  let text;
  let bytes;
  if (typeof body === "string") text = checkedText(body, "body", LIMITS.maxInputUnits);
  else if (body === undefined || body === null) throw bad("MissingParameter", 'body is required (the exact request body, e.g. "{}")');
  else if (!(bytes = bytesOf(body))) {
    throw bad("InvalidParameter", `body must be a string, a Uint8Array or an ArrayBuffer, got ${kindOf(body)}`);
  } else if (bytes.length > LIMITS.maxInputUnits) throw bad("InvalidParameter", `body is too long: at most ${LIMITS.maxInputUnits} bytes`);
  const packed = wasm.signTc3Values(
    secretId, secretKey, token, service, host, action, version, timestamp, text, bytes, contentType, region, language, flag,
  );
  const parts = packed.split("\n");
  const headers = {};
  for (let i = 2; i < parts.length; i += 2) headers[parts[i]] = parts[i + 1];
  return { authorization: parts[0], signature: parts[1], headers };
}

function bad(code, message, cause) {
  return new MpsError(message, { code }, cause);
}

/** A string that can cross into wasm: not too long (checked before it is copied), valid UTF-16. */
function checkedText(value, name, max) {
  if (value.length > max) throw bad("InvalidParameter", `${name} is too long: at most ${max} characters`);
  if (!isWellFormed(value)) throw bad("InvalidParameter", `${name} contains a lone surrogate (invalid UTF-16)`);
  return value;
}

/** An optional string option: undefined when absent (null counts as absent). */
function optional(value, name) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw bad("InvalidParameter", `${name} must be a string, got ${kindOf(value)}`);
  return checkedText(value, name, LIMITS.maxSignOptionUnits);
}

/** A required string option. */
function required(value, name) {
  if (value === undefined || value === null || value === "") throw bad("MissingParameter", `${name} is required`);
  return optional(value, name);
}

/**
 * A short-lived proxy token for one subject (a signed-in user), for the app's server to hand that
 * user's page: `mintProxyToken({ tokenSecret, subject, ttlSeconds = 900, actions, limits })`.
 */
export function mintProxyToken(options) {
  const proxy = proxyGlue(); // the proxy's wasm: loaded now, if it was not (in a browser, fetched)
  if (!proxy) throw proxyNotReady("mintProxyToken");
  return proxy.mintProxyToken(options, wallMs());
}

/** Whether an error is a refusal of bad input, made before anything was sent. */
export function isBadInput(error) {
  const code = typeof error?.code === "string" ? error.code : "";
  return BAD_INPUT_CODES.some((prefix) => code.startsWith(prefix));
}

/**
 * `text` with each of `secrets` (8 characters or more) replaced by `** REDACTED **`: the redaction
 * the client applies to what servers say, for text of your own (a log line, a CLI's output).
 */
export function redactSecrets(text, secrets) {
  return standaloneGlue("redactSecrets").redactSecrets(String(text), [...secrets].filter((s) => typeof s === "string"));
}

/**
 * The WebAssembly memory's size in bytes (0 before it loads), the client's and the proxy's
 * together where they are two: steady over many calls means no leak.
 */
export function wasmMemoryBytes() {
  if (!loaded) return 0;
  const proxy = loadedProxy();
  return glue.wasmMemoryBytes() + (proxy && proxy !== glue ? proxy.wasmMemoryBytes() : 0);
}
