// Loading state of the WebAssembly, shared by the entries (which load it) and api.js (which needs it).
import { MpsError } from "./errors.js";

let load;
let loading;
export let loaded = false;

/** Entries call this once with their loader; a loader that returns nothing has finished. */
export function boot(loader) {
  load = loader;
  const result = loader();
  if (result === undefined) {
    loaded = true;
    return;
  }
  loading = Promise.resolve(result).then(
    () => { loaded = true; },
    (cause) => {
      loading = undefined; // the next call tries again
      throw new MpsError("could not load the WebAssembly module", { code: "ClientNotReady" }, cause);
    },
  );
  loading.catch(() => {}); // a failed preload is reported by the call that needed it
}

/** Resolves once the WebAssembly is loaded (at once in Node, Workers and Deno). */
export function ready() {
  if (loaded) return Promise.resolve();
  if (!loading) boot(load);
  return loading;
}
