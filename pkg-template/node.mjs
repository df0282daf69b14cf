// Node, as an ES module: the wasm is read and compiled synchronously at import.
import { readFileSync } from "node:fs";
import { initSync } from "./mps_aigc.js";
import { boot } from "./loader.js";

boot(() => void initSync({ module: readFileSync(new URL("./mps_aigc_bg.wasm", import.meta.url)) }));

export * from "./api.js";
