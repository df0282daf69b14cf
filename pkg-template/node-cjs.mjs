// Source of node.cjs (the build bundles it to CommonJS with esbuild): Node via require(). As in
// node.mjs, the wasm is loaded on first use.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { instance } from "./mps_aigc.js";
import { boot, glue } from "./loader.js";
import { platform } from "./transport.js";

boot(
  () => void glue.initSync({ module: readFileSync(join(__dirname, "mps_aigc_bg.wasm")) }),
  (_, vacant) => {
    const proxy = vacant ? glue : instance();
    proxy.initSync({ module: readFileSync(join(__dirname, "mps_aigc_proxy_bg.wasm")) });
    return proxy;
  },
  { lazy: true },
);

// Node's fetch (undici) copies every request, body stream and all, unless redirects are an error:
// describes ask so (transport.js says how a redirect is still read as it is, by undici's words for
// it; other runtimes that take this entry, such as Bun, keep "manual").
if (process.versions.undici) platform.readRedirect = "error";

export * from "./api.js";
