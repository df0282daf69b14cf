// The public API over the wasm-bindgen glue, shared by every entry. Each entry says how its runtime
// loads the WebAssembly (`boot` in loader.js); where that can happen synchronously (Node, Workers, Deno) it has
// happened before the entry's first export is used, and everything below is a direct call. In
// browsers the module is fetched on first use (or by `ready()`), so no entry needs a top-level
// await, which several bundlers refuse.

import * as glue from "./mps_aigc.js";
import { MpsError } from "./errors.js";
import { loaded, ready } from "./loader.js";

export { MpsError, TaskFailedError, WaitTimeoutError } from "./errors.js";

export { ready };

function loadedOrThrow(what) {
  if (!loaded) {
    throw new MpsError(`${what} needs the WebAssembly, which is still loading: await ready() first`, {
      code: "ClientNotReady",
    });
  }
}

/** TC3-HMAC-SHA256: `{ authorization, signature, headers }` for one request. */
export function signTc3(options) {
  loadedOrThrow("signTc3");
  return glue.signTc3(options);
}

/** Model-specific advice for a CreateAigcVideoTask request: `[{ field, message }]`. */
export function adviseAigcVideoTask(request) {
  loadedOrThrow("adviseAigcVideoTask");
  return glue.adviseAigcVideoTask(request);
}

/**
 * A signing proxy: `(request) => Promise<Response>`, usable as `export default { fetch }` in a
 * Worker. It never rejects: every failure is a Tencent-shaped error response.
 */
export function createSigningProxy(options) {
  let proxy = loaded ? new glue.SigningProxy(options) : undefined; // bad options throw here
  return async (request) => {
    if (!proxy) {
      await ready();
      proxy = new glue.SigningProxy(options);
    }
    return proxy.fetch(request);
  };
}

/** A client for MPS AIGC video tasks. */
export class MpsClient {
  #client;
  #pending;

  constructor(options) {
    if (loaded) this.#client = new glue.MpsClient(options);
    else {
      this.#pending = ready().then(() => (this.#client = new glue.MpsClient(options)));
      this.#pending.catch(() => {}); // reported by the first method call
    }
  }

  #run(method, args) {
    if (this.#client) return this.#client[method](...args);
    return this.#pending.then((client) => client[method](...args));
  }

  createAigcVideoTask(request, options) { return this.#run("createAigcVideoTask", [request, options]); }
  describeAigcVideoTask(taskId, options) { return this.#run("describeAigcVideoTask", [taskId, options]); }
  waitAigcVideoTask(taskId, options) { return this.#run("waitAigcVideoTask", [taskId, options]); }
  create(request, options) { return this.#run("create", [request, options]); }
  describe(taskId, options) { return this.#run("describe", [taskId, options]); }
  wait(taskId, options) { return this.#run("wait", [taskId, options]); }
  call(action, payload, options) { return this.#run("call", [action, payload, options]); }

  toJSON() { return this.#client ? this.#client.toJSON() : { loading: true }; }
  toString() { return this.#client ? this.#client.toString() : "MpsClient(loading)"; }
}
