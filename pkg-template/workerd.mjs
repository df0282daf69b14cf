// Cloudflare Workers (workerd): compiling wasm from bytes is forbidden there, so the module comes
// from an import, which the runtime (or wrangler) compiles. Instantiating at import is allowed.
import module from "./mps_aigc_bg.wasm";
import { initSync } from "./mps_aigc.js";
import { boot } from "./loader.js";

boot(() => void initSync({ module }));

export * from "./api.js";
