// Caller values into JSON text for the Rust side, refusing with an error that names the field what
// JSON cannot carry: NaN (JSON.stringify would send null), functions and symbols (dropped), BigInt,
// lone surrogates (replaced), cyclic objects, and more text than any request holds (wasm memory
// never shrinks). The caller's object is read once, with every read guarded: a getter or a Proxy
// trap that throws becomes an InvalidParameter naming the field, never an exception from deep inside.
import { MpsError } from "./errors.js";
import { describeThrown, isWellFormed, kindOf } from "./support.js";
import { LIMITS } from "./vocab.js";

/** `value` as JSON text; `root` names it in errors ("" for a request, whose fields are named on their own). */
export function jsonText(value, root) {
  return JSON.stringify(plain(value, root, 0, { units: LIMITS.maxInputUnits }));
}

const name = (path) => path || "request";
const bad = (path, problem, cause) =>
  new MpsError(`${name(path)} ${problem}`, { code: "InvalidParameter" }, cause);
const unreadable = (path, e) => bad(path, `could not be read (${describeThrown(e)})`, e);
const tooLarge = (path) => bad(path, `is too large: inputs are limited to ${LIMITS.maxInputUnits} characters in all`);

function read(object, key, path) {
  try {
    return object[key];
  } catch (e) {
    throw unreadable(path, e);
  }
}

function text(value, path, budget) {
  if (value.length > budget.units) throw tooLarge(path);
  budget.units -= value.length;
  if (!isWellFormed(value)) throw bad(path, "contains a lone surrogate (invalid UTF-16)");
  return value;
}

function plain(value, path, depth, budget) {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "boolean":
      return value;
    case "number":
      if (Number.isFinite(value)) return value;
      throw bad(path, "must be a finite number");
    case "string":
      return text(value, path, budget);
    case "object":
      break;
    default:
      throw bad(path, `must be JSON data, got ${kindOf(value)}`);
  }
  if (depth >= LIMITS.maxDepth) {
    // The path of a cyclic object repeats itself: show its start only.
    const shown = [...path].length > 60 ? `${[...path].slice(0, 60).join("")}...` : path;
    throw bad(shown, `nests deeper than ${LIMITS.maxDepth} levels (is the object cyclic?)`);
  }
  let array;
  try {
    array = Array.isArray(value);
  } catch (e) {
    throw unreadable(path, e); // a revoked Proxy
  }
  if (array) {
    const length = read(value, "length", path);
    if (length > budget.units) throw tooLarge(path);
    const out = [];
    for (let i = 0; i < length; i++) {
      const item = `${name(path)}[${i}]`;
      out.push(plain(read(value, i, item), item, depth + 1, budget));
    }
    return out;
  }
  // Objects with toJSON (Date, for one) become what JSON.stringify would make of them.
  const toJSON = read(value, "toJSON", path);
  if (typeof toJSON === "function") {
    let replaced;
    try {
      replaced = toJSON.call(value);
    } catch (e) {
      throw unreadable(path, e);
    }
    return plain(replaced, path, depth + 1, budget);
  }
  let keys;
  try {
    keys = Object.keys(value);
  } catch (e) {
    throw unreadable(path, e);
  }
  if (keys.length > budget.units) throw tooLarge(path);
  const out = Object.create(null); // "__proto__" is a key like any other
  for (const key of keys) {
    text(key, path, budget);
    const field = path ? `${path}.${key}` : key;
    out[key] = plain(read(value, key, field), field, depth + 1, budget);
  }
  return out;
}
