// Node, as an ES module (bundled into one file by the build). The wasm files are named in full, as
// `new URL("./x.wasm", import.meta.url)`, so that bundlers of Node programs ship them.
import { readFileSync } from "node:fs";
import { bootNode } from "./node-boot.js";

bootNode(
  () => readFileSync(new URL("./mps_aigc_bg.wasm", import.meta.url)),
  () => readFileSync(new URL("./mps_aigc_proxy_bg.wasm", import.meta.url)),
);

export * from "./api.js";
