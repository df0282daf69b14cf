// Loading state of the WebAssembly, shared by the entries (which load it) and api.js (which needs it).
import { MpsError } from "./errors.js";

let load;
let loading;
export let loaded = false;
/** Why the last load failed (the MpsError, and what went wrong), until one succeeds. */
let failure;
let failureReason;

/**
 * Entries call this once with their loader, which starts at once: `load(source)` returns nothing
 * when it has finished (Node, Workers, Deno), or a promise (browsers). `source` is what ready()
 * was given, if anything.
 */
export function boot(loader) {
  load = loader;
  attempt();
}

function attempt(source) {
  const result = load(source);
  if (result === undefined) {
    loaded = true;
    return Promise.resolve();
  }
  const current = Promise.resolve(result).then(
    () => {
      loaded = true;
      failure = undefined;
    },
    (cause) => {
      if (loading === current) loading = undefined; // the next call tries again
      // The cause's message says what was tried (which URL answered what): it belongs in the message.
      failureReason = describe(cause);
      failure = new MpsError(`could not load the WebAssembly module: ${failureReason}`, { code: "ClientNotReady" }, cause);
      throw failure;
    },
  );
  current.catch(() => {}); // a failed preload is reported by the call that needed it
  loading = current;
  return current;
}

/**
 * Resolves once the WebAssembly is loaded (at once in Node, Workers and Deno). With `wasm` (the
 * .wasm's URL, for browser bundles that cannot know it), a load that failed or fails is retried
 * from there.
 */
export function ready(wasm) {
  if (loaded) return Promise.resolve();
  if (wasm === undefined) return loading ?? attempt();
  if (!loading) return attempt(wasm);
  return loading.then(
    () => {},
    () => ready(wasm),
  );
}

/**
 * The error for `what`, called synchronously before the WebAssembly is loaded: that it is still
 * loading, or why it could not be loaded.
 */
export function notReady(what) {
  const message = failure
    ? `${what} needs the WebAssembly, which could not be loaded (${failureReason}): ready(url) tries again`
    : `${what} needs the WebAssembly, which is still loading: await ready() first`;
  return new MpsError(message, { code: "ClientNotReady" }, failure);
}

function describe(cause) {
  try {
    return String(cause?.message ?? cause);
  } catch {
    return "unknown";
  }
}
