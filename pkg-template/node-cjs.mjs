// Source of node.cjs (the build bundles it to CommonJS with esbuild): Node via require().
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { initSync } from "./mps_aigc.js";
import { boot } from "./loader.js";
import { platform } from "./transport.js";

boot(() => void initSync({ module: readFileSync(join(__dirname, "mps_aigc_bg.wasm")) }));

// Node's fetch copies every request, body stream and all, unless redirects are an error: describes
// ask so (transport.js says how a redirect is still read as it is).
platform.readRedirect = "error";

export * from "./api.js";
