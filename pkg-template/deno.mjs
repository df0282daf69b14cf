// Deno: the wasm is inlined (base64, written beside this file by the build) so that loading it needs
// no --allow-read permission; Deno compiles it synchronously. It is the proxy's wasm (which has
// everything), serving clients and proxies alike: one module inline rather than two.
import { bootWhole } from "./loader.js";
import { instance } from "./mps_aigc.js";
import wasmBase64 from "./wasm-base64.js";

bootWhole(instance, Uint8Array.from(atob(wasmBase64), (c) => c.charCodeAt(0)));

export * from "./api.js";
