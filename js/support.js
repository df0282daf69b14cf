// Small helpers the wasm side imports; not part of the public API.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `s` is valid UTF-16 (no lone surrogates); native where the runtime has it (ES2024). */
export function isWellFormed(s) {
  return typeof s.isWellFormed === "function" ? s.isWellFormed() : !LONE_SURROGATE.test(s);
}

/** What a value is, for error messages: "a string", "an array", "null", ... */
export function kindOf(v) {
  if (v === null || v === undefined) return String(v);
  const kind = Array.isArray(v) ? "array" : typeof v;
  return (kind === "array" || kind === "object" ? "an " : "a ") + kind;
}
