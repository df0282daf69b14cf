// What Node's two entries (node.mjs, node.cjs) share. Each reads the wasm files from where it is;
// `readClient` and `readProxy` return their bytes.
import { instance } from "./mps_aigc.js";
import { boot, glue } from "./loader.js";
import { platform } from "./transport.js";

/**
 * A wasm is read and compiled synchronously on first use. The client's, unless that first use is a
 * signing proxy (or a minted token): then the proxy's, which has everything and serves the
 * program's clients too. A proxy made after a client loads the proxy's wasm beside it.
 */
export function bootNode(readClient, readProxy) {
  boot(
    instance,
    () => void glue.initSync({ module: readClient() }),
    (_, vacant) => {
      const proxy = vacant ? glue : instance();
      proxy.initSync({ module: readProxy() });
      return proxy;
    },
    { lazy: true },
  );
  // Node's fetch (undici) copies every request, body stream and all, unless redirects are an error:
  // describes ask so (transport.js says how a redirect is still read as it is, by undici's words for
  // it; other runtimes that take these entries, such as Bun, keep "manual").
  if (process.versions.undici) platform.readRedirect = "error";
}
