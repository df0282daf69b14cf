// Source of node.cjs (the build bundles it to CommonJS with esbuild): Node via require().
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { initSync } from "./mps_aigc.js";
import { boot } from "./loader.js";

boot(() => void initSync({ module: readFileSync(join(__dirname, "mps_aigc_bg.wasm")) }));

export * from "./api.js";
