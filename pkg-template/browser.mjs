// Browsers and bundlers: the wasm is fetched on first use (or by `await ready()`), from next to this
// file; bundlers that understand `new URL(..., import.meta.url)` (Vite, webpack) ship it as an asset.
import init from "./mps_aigc.js";
import { boot } from "./loader.js";

boot(() => init({ module_or_path: new URL("./mps_aigc_bg.wasm", import.meta.url) }));

export * from "./api.js";
