// What Node's two entries (node.mjs, node.cjs) share: where the wasm files are read from, and when.
import { instance } from "./mps_aigc.js";
import { boot, glue } from "./loader.js";
import { platform } from "./transport.js";

const CLIENT = "mps_aigc_bg.wasm";
const PROXY = "mps_aigc_proxy_bg.wasm";

/**
 * A wasm is read and compiled synchronously on first use. The client's, unless that first use is a
 * signing proxy (or a minted token): then the proxy's, which has everything and serves the
 * program's clients too. A proxy made after a client loads the proxy's wasm beside it.
 *
 * `shipped(name)` is where the entry finds the wasm file `name` (beside itself): a path or a file
 * URL. `readFile` reads one. `ready(path)` (a path or a `file:` URL) names another place for the
 * client's wasm, and the proxy's is then read beside it: for a program bundled into one file.
 */
export function bootNode(shipped, readFile) {
  const read = (source, name) => {
    const file = source === undefined ? shipped(name) : beside(source, name);
    try {
      return readFile(file);
    } catch (e) {
      if (e?.code !== "ENOENT") throw e;
      // Most likely a program bundled into one file that did not ship the wasm: what to do.
      throw new Error(`${e.message}; a bundled program needs ${CLIENT} and ${PROXY} beside it, or ready(path)`, { cause: e });
    }
  };
  boot(
    instance,
    (source) => void glue.initSync({ module: read(source, CLIENT) }),
    (source, vacant) => {
      const proxy = vacant ? glue : instance();
      proxy.initSync({ module: read(source, PROXY) });
      return proxy;
    },
    { lazy: true },
  );
  // Node's fetch (undici) copies every request, body stream and all, unless redirects are an error:
  // describes ask so (transport.js says how a redirect is still read as it is, by undici's words for
  // it; other runtimes that take these entries, such as Bun, keep "manual").
  if (process.versions.undici) platform.readRedirect = "error";
}

/** Where the wasm `name` is when ready() was given `source`, the client's: there, and the proxy's beside it. */
function beside(source, name) {
  // A path (a drive letter is no URL scheme), or a URL.
  if (typeof source === "string" && !/^[a-z][a-z\d+.-]+:/i.test(source)) return name === CLIENT ? source : source.replace(/[^/\\]*$/, name);
  const url = new URL(source);
  if (url.protocol !== "file:") throw new TypeError(`ready(path): ${url} is not a path or a file: URL`);
  return name === CLIENT ? url : new URL(name, url);
}
