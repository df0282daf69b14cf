// Node, as an ES module (bundled into one file by the build). The wasm files are named in full, as
// `new URL("./x.wasm", import.meta.url)`, so that bundlers of Node programs that understand it
// (webpack) ship them. esbuild does not: a program it bundles finds them beside the bundle, and one
// it bundles into CommonJS has an empty import.meta, so there the bundle's folder (__dirname) is used.
// node:fs is not imported: importing it builds its ES namespace, whose getters load fs's streams,
// measured at 1.5 ms of the start-up in Node 20 and 3 ms in Node 24. When the wasm is first read,
// process.getBuiltinModule gives it (Node 20.16 and 22.3 on), else require() (Node 18), written so
// that webpack follows it.
import { createRequire } from "node:module";
import { bootNode } from "./node-boot.js";

const fs = () => process.getBuiltinModule?.("node:fs") ?? createRequire(import.meta.url)("node:fs");
const path = () => process.getBuiltinModule?.("node:path") ?? createRequire(import.meta.url)("node:path");
const shipped = {
  "mps_aigc_node_bg.wasm": () => new URL("./mps_aigc_node_bg.wasm", import.meta.url),
  "mps_aigc_proxy_bg.wasm": () => new URL("./mps_aigc_proxy_bg.wasm", import.meta.url),
};

bootNode(
  (name) => {
    try {
      return shipped[name]();
    } catch (e) {
      if (typeof __dirname !== "string") throw e;
      return path().join(__dirname, name); // this file in a program's bundle made CommonJS (esbuild)
    }
  },
  { read: (file) => fs().readFileSync(file), resolve: (file) => path().resolve(file) },
);

export * from "./api.js";
