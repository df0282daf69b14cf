// Vercel-style edge runtimes (`edge-light`): `?module` imports a compiled WebAssembly.Module.
import module from "./mps_aigc_bg.wasm?module";
import { initSync } from "./mps_aigc.js";
import { boot } from "./loader.js";

boot(() => void initSync({ module }));

export * from "./api.js";
