// Loading state of the WebAssembly, shared by the entries (which load it) and api.js (which needs it).
import { MpsError } from "./errors.js";

let load;
let loading;
export let loaded = false;

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
    },
    (cause) => {
      if (loading === current) loading = undefined; // the next call tries again
      // The cause's message says what was tried (which URL answered what): it belongs in the message.
      throw new MpsError(`could not load the WebAssembly module: ${describe(cause)}`, { code: "ClientNotReady" }, cause);
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

function describe(cause) {
  try {
    return String(cause?.message ?? cause);
  } catch {
    return "unknown";
  }
}
