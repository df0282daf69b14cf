// Node, as an ES module: the client's wasm is read and compiled synchronously at import; the signing
// proxy's (which has the proxy's exports too) likewise, when the first proxy is made or token minted.
import { readFileSync } from "node:fs";
import { instance } from "./mps_aigc.js";
import { boot, glue } from "./loader.js";
import { platform } from "./transport.js";

boot(
  () => void glue.initSync({ module: readFileSync(new URL("./mps_aigc_bg.wasm", import.meta.url)) }),
  () => {
    const proxy = instance();
    proxy.initSync({ module: readFileSync(new URL("./mps_aigc_proxy_bg.wasm", import.meta.url)) });
    return proxy;
  },
);

// Node's fetch (undici) copies every request, body stream and all, unless redirects are an error:
// describes ask so (transport.js says how a redirect is still read as it is, by undici's words for
// it; other runtimes that take this entry, such as Bun, keep "manual").
if (process.versions.undici) platform.readRedirect = "error";

export * from "./api.js";
