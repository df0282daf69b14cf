// Cloudflare Workers (workerd): compiling wasm from bytes is forbidden there, so the module comes
// from an import, which the runtime (or wrangler) compiles. Instantiating at import is allowed.
// The proxy's wasm (which has everything) serves clients and proxies alike: one module to compile
// at start, where two would cost more than the client's smaller one saves.
import module from "./mps_aigc_proxy_bg.wasm";
import { bootWhole } from "./loader.js";
import { instance } from "./mps_aigc.js";

bootWhole(instance, module);

export * from "./api.js";
