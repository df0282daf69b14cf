// Source of node.cjs (the build bundles it to CommonJS with esbuild): Node via require(). The wasm
// files are read from beside it (or beside a program's bundle that took it in).
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { bootNode } from "./node-boot.js";

bootNode((name) => join(__dirname, name), { read: readFileSync, resolve });

export * from "./api.js";
