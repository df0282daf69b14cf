// Deno: the wasm is inlined (base64, written beside this file by the build) so that loading it needs
// no --allow-read permission; Deno compiles it synchronously.
import { initSync } from "./mps_aigc.js";
import { boot } from "./loader.js";
import wasmBase64 from "./wasm-base64.js";

boot(() => void initSync({ module: Uint8Array.from(atob(wasmBase64), (c) => c.charCodeAt(0)) }));

export * from "./api.js";
