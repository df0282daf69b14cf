// Small helpers the wasm side imports; not part of the public API.
//
// Anything that touches a caller's value can run the caller's code (a getter, a Proxy trap,
// `instanceof` asking `getPrototypeOf`), and an exception thrown through wasm frames would leave
// the Rust side half-way (a borrow held, a promise never settled). So every such step is either
// here, total (it never throws), or imported with `catch` (it throws, and Rust gets an Err).

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `s` (a string) is valid UTF-16: no lone surrogates. Native where the runtime has it (ES2024). */
export function isWellFormed(s) {
  return typeof s.isWellFormed === "function" ? s.isWellFormed() : !LONE_SURROGATE.test(s);
}

/** What a value is, for error messages: "a string", "an array", "null", ... Never throws. */
export function kindOf(v) {
  if (v === null || v === undefined) return String(v);
  let kind = typeof v;
  try {
    if (Array.isArray(v)) kind = "array";
  } catch {
    // a revoked Proxy: still an object
  }
  return (kind === "array" || kind === "object" ? "an " : "a ") + kind;
}

/** `Array.isArray` (throws for a revoked Proxy: imported with catch). */
export function isArray(v) {
  return Array.isArray(v);
}

/** `Object.keys` (runs the `ownKeys` trap of a Proxy: imported with catch). */
export function keysOf(v) {
  return Object.keys(v);
}

/** The bytes of a Uint8Array, ArrayBuffer or other view, or null for anything else. Never throws. */
export function bytesOf(v) {
  try {
    if (v instanceof Uint8Array) return v;
    if (v instanceof ArrayBuffer) return new Uint8Array(v);
    if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  } catch {
    // a Proxy whose getPrototypeOf throws: not bytes
  }
  return null;
}

/** A short description of something thrown, for an error message. Never throws. */
export function describeThrown(e) {
  let text;
  try {
    text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  } catch {
    text = "an exception";
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
