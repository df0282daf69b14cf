// Source of node.cjs (the build bundles it to CommonJS with esbuild): Node via require().
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bootNode } from "./node-boot.js";

bootNode(
  () => readFileSync(join(__dirname, "mps_aigc_bg.wasm")),
  () => readFileSync(join(__dirname, "mps_aigc_proxy_bg.wasm")),
);

export * from "./api.js";
