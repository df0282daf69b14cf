// Node, as an ES module (bundled into one file by the build). The wasm files are named in full, as
// `new URL("./x.wasm", import.meta.url)`, so that bundlers of Node programs ship them.
// node:fs is not imported: importing it builds its ES namespace, whose getters load fs's streams,
// measured at 1.5 ms of the start-up in Node 20 and 3 ms in Node 24. When the wasm is first read,
// process.getBuiltinModule gives it (Node 20.16 and 22.3 on), else require() (Node 18).
import { createRequire } from "node:module";
import { bootNode } from "./node-boot.js";

const fs = () => process.getBuiltinModule?.("node:fs") ?? createRequire(import.meta.url)("node:fs");

bootNode(
  () => fs().readFileSync(new URL("./mps_aigc_bg.wasm", import.meta.url)),
  () => fs().readFileSync(new URL("./mps_aigc_proxy_bg.wasm", import.meta.url)),
);

export * from "./api.js";
