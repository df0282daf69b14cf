// Vercel-style edge runtimes (`edge-light`): `?module` imports a compiled WebAssembly.Module. As in
// workerd, the proxy's wasm (which has everything) serves clients and proxies alike.
import module from "./mps_aigc_proxy_bg.wasm?module";
import { bootWhole } from "./loader.js";
import { instance } from "./mps_aigc.js";

bootWhole(instance, module);

export * from "./api.js";
