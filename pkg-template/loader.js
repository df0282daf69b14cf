// Loading state of the WebAssembly, shared by the entries (which load it) and the modules that
// need it. There are two instances of the glue: the client's, `glue`, and the signing proxy's,
// which `proxyGlue()` gives. Browsers load the client's small wasm at once and the proxy's only
// when a proxy is made (or a token minted). Node loads either on first use: a program whose first
// use is a proxy, or a standalone function (signTc3, an adviser, redactSecrets, which a Node
// client's wasm lacks), loads only the proxy's wasm (which has everything, and then serves its
// clients too). Workers and Deno load the proxy's wasm once, at start, and it serves both. Which
// glue drives the client's instance is the entry's choice (pages: the client build's own, which is
// smaller; elsewhere the proxy build's, which drives every wasm file), so this module imports none.
import { MpsError } from "./errors.js";

/**
 * The client's instance of the glue: the exports of the client's wasm, or of the proxy's where that
 * one serves both (Workers, Deno, a Node program whose first use needed the proxy's). Empty until the
 * entry's boot() fills it, which every entry does as it is imported.
 */
export const glue = {};

let load;
let loadProxy;
let lazy = false;
/** Where the client's wasm lacks the standalone functions (Node): what gives the instance with them. */
let standaloneElsewhere;
let loading;
export let loaded = false;
/** Why the last load failed (the MpsError, whose cause is what went wrong), until one succeeds. */
let failure;

/**
 * Entries call this once, as they are imported, with the `instance` factory of the glue that drives
 * the client's instance (the client build's or the proxy build's) and their loaders. `loader` loads
 * the client's wasm into `glue`:
 * `loader(source)` returns nothing when it has finished (Node, Workers, Deno), or a promise
 * (browsers). `source` is what ready() was given, if anything. It starts at once, or with
 * `{ lazy: true }` (a synchronous loader) on first use. `{ standalone(what) }`: the client's wasm has
 * none of the standalone functions, and this gives the instance that has them (see standaloneGlue). `proxyLoader(source, vacant)`, called when
 * the proxy's instance is first needed, returns it (an instance of the glue, loaded), or a promise
 * of it; `vacant` says that `glue` has no wasm yet (lazy entries only), and may be the one loaded.
 */
export function boot(instance, loader, proxyLoader, options) {
  Object.assign(glue, instance());
  load = loader;
  loadProxy = proxyLoader;
  lazy = options?.lazy === true;
  standaloneElsewhere = options?.standalone;
  if (!lazy) attempt();
}

/**
 * For entries that load the proxy's wasm (which has everything) at start, for clients and proxies
 * alike: `module` is that wasm (a compiled module, or its bytes).
 */
export function bootWhole(instance, module) {
  boot(
    instance,
    () => void glue.initSync({ module }),
    () => glue,
  );
}

/** Whether the client's wasm is loaded: loaded now if the entry loads it on first use (Node). */
export function have() {
  if (!loaded && lazy && !loading) attempt();
  return loaded;
}

let proxy;
let proxyLoading;
let proxyFailure;
let lastSource;

/**
 * The proxy's instance of the glue if it is loaded or can be loaded at once (everywhere but in
 * browsers), else undefined: then it is loading, and readyProxy() resolves with it.
 */
export function proxyGlue() {
  if (proxy || (!loaded && !lazy)) return proxy;
  readyProxy().catch(() => {}); // a failure is reported by readyProxy() to whoever waits
  return proxy;
}

/**
 * The instance of the glue that has the standalone functions, for `what` (one of them): the
 * client's, or where its wasm has a client alone (Node) the one the entry gives (the proxy's).
 * Throws ClientNotReady when it cannot be had now.
 */
export function standaloneGlue(what) {
  if (standaloneElsewhere) return standaloneElsewhere(what);
  if (!have()) throw notReady(what);
  return glue;
}

/**
 * The error for `what` when the proxy's wasm loads synchronously (Node) and could not be loaded:
 * then nothing will load it on its own, and the call that needed it says why at once.
 */
export function proxyFailedNow(what) {
  return lazy && !proxy && !proxyLoading && proxyFailure ? proxyNotReady(what) : undefined;
}

/** The proxy's instance of the glue if it is loaded, without loading it. */
export function loadedProxy() {
  return proxy;
}

/** Resolves with the proxy's instance of the glue, once the client's and then the proxy's wasm are loaded. */
export function readyProxy() {
  if (proxy) return Promise.resolve(proxy);
  if (proxyLoading) return proxyLoading;
  const vacant = lazy && !loaded && !loading; // the proxy's wasm may serve as the client's too
  if (!loaded && !vacant) return ready().then(readyProxy);
  let result;
  try {
    result = loadProxy(lastSource, vacant);
  } catch (cause) {
    return Promise.reject(proxyFailed(cause));
  }
  if (!(result instanceof Promise)) {
    proxy = result;
    if (proxy === glue) loaded = true;
    return Promise.resolve(proxy);
  }
  const current = result.then(
    (loadedProxy) => (proxy = loadedProxy),
    (cause) => {
      if (proxyLoading === current) proxyLoading = undefined; // the next call tries again
      throw proxyFailed(cause);
    },
  );
  proxyLoading = current;
  return current;
}

function proxyFailed(cause) {
  proxyFailure = new MpsError(`could not load the signing proxy's WebAssembly: ${describe(cause)}`, { code: "ClientNotReady" }, cause);
  return proxyFailure;
}

/**
 * The error for `what`, called synchronously while proxyGlue() has nothing to give; `needs` names
 * what it needs, if not the signing proxy's WebAssembly.
 */
export function proxyNotReady(what, needs = "the signing proxy's WebAssembly") {
  if (proxyFailure && !proxyLoading) {
    return new MpsError(`${what} needs ${needs}, which could not be loaded (${describe(proxyFailure.cause)})`, {
      code: "ClientNotReady",
    }, proxyFailure);
  }
  if (!loaded && !lazy) return notReady(what);
  return new MpsError(`${what} needs ${needs}, which is loading now (in a browser it is fetched on first use): try again once it has loaded`, {
    code: "ClientNotReady",
  });
}

function attempt(source) {
  if (source !== undefined) lastSource = source;
  else if (lazy) source = lastSource; // Node: where ready(path) last said, if it did
  let result;
  try {
    result = load(source);
  } catch (cause) {
    // A synchronous loader (Node, Workers, Deno) that failed: reported by the call that needed it.
    const failed = Promise.reject(failedLoad(cause));
    failed.catch(() => {});
    return failed;
  }
  if (result === undefined) {
    loaded = true;
    failure = undefined;
    return Promise.resolve();
  }
  const current = Promise.resolve(result).then(
    () => {
      loaded = true;
      failure = undefined;
    },
    (cause) => {
      if (loading === current) loading = undefined; // the next call tries again
      throw failedLoad(cause);
    },
  );
  current.catch(() => {}); // a failed preload is reported by the call that needed it
  loading = current;
  return current;
}

/** Records why a load failed; the error to report. */
function failedLoad(cause) {
  // The cause's message says what was tried (which URL answered what): it belongs in the message.
  failure = new MpsError(`could not load the WebAssembly module: ${describe(cause)}`, { code: "ClientNotReady" }, cause);
  return failure;
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
    ? `${what} needs the WebAssembly, which could not be loaded (${describe(failure.cause)}): ready(url) tries again`
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
