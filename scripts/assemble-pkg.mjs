// Assembles pkg/ from wasm-pack's output (target/wasm-pack) and pkg-template/.
// The wasm-bindgen glue imports its JS snippets from a hashed folder; they move next to it as
// ./errors.js and ./support.js, which the entries import too, so the classes are the same objects.
import * as fs from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { buildSync } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const from = path.join(root, "target/wasm-pack");
const template = path.join(root, "pkg-template");
const out = path.join(root, "pkg");

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out);

// The glue, with its snippet imports pointed at the moved files.
let glue = fs.readFileSync(path.join(from, "mps_aigc.js"), "utf8");
const snippetDir = fs.readdirSync(path.join(from, "snippets"))[0];
// Only the import specifiers change: the imports object keeps the module names the wasm names.
const specifier = new RegExp(`(from\\s*["'])\\./snippets/${snippetDir}/js/`, "g");
glue = glue.replace(specifier, "$1./");
if (/from\s*["']\.\/snippets\//.test(glue)) throw new Error("a snippet import was not rewritten");
fs.writeFileSync(path.join(out, "mps_aigc.js"), glue);
for (const name of ["errors.js", "support.js"]) {
  fs.copyFileSync(path.join(from, "snippets", snippetDir, "js", name), path.join(out, name));
}
fs.copyFileSync(path.join(from, "mps_aigc_bg.wasm"), path.join(out, "mps_aigc_bg.wasm"));

// The template, except the CommonJS source, which is bundled below.
for (const name of fs.readdirSync(template)) {
  if (name === "node-cjs.mjs" || name === "package.json") continue; // bundled or rewritten below
  fs.cpSync(path.join(template, name), path.join(out, name), { recursive: true });
}
fs.chmodSync(path.join(out, "cli.mjs"), 0o755); // the package's bin: npm links it as `mps-aigc`
fs.copyFileSync(path.join(out, "index.d.ts"), path.join(out, "index.d.cts"));

// Node and Deno get one file each, bundled by esbuild: loading the half-dozen modules of the glue
// one by one took longer than compiling the wasm (37 ms against 16 ms from import to the first
// signature). Bundlers and wrangler bundle the other entries themselves. node.cjs is the same
// modules as CommonJS (a second copy of the classes, as with any dual package: don't mix require()
// and import of this package in one program).
const bundle = (source, outfile, format, banner) =>
  buildSync({
    entryPoints: [path.join(out, source)],
    outfile: path.join(out, outfile),
    bundle: true,
    format,
    platform: "node",
    target: "node18",
    external: ["node:*"],
    banner: banner ? { js: banner } : undefined,
    logLevel: "error",
  });
fs.copyFileSync(path.join(template, "node-cjs.mjs"), path.join(out, "node-cjs.mjs"));
bundle("node-cjs.mjs", "node.cjs", "cjs");
fs.rmSync(path.join(out, "node-cjs.mjs"));
fs.renameSync(path.join(out, "node.mjs"), path.join(out, "node-src.mjs"));
bundle("node-src.mjs", "node.mjs", "esm");
fs.rmSync(path.join(out, "node-src.mjs"));

// Deno: the wasm inlined, so that loading needs no --allow-read (Deno compiles it synchronously).
const wasm = fs.readFileSync(path.join(out, "mps_aigc_bg.wasm"));
fs.writeFileSync(
  path.join(out, "deno-src.mjs"),
  `// Deno: the wasm is inlined (base64) so that loading it needs no --allow-read permission.
import { initSync } from "./mps_aigc.js";
import { boot } from "./loader.js";

const bytes = Uint8Array.from(atob("${wasm.toString("base64")}"), (c) => c.charCodeAt(0));
boot(() => void initSync({ module: bytes }));

export * from "./api.js";
`,
);
bundle("deno-src.mjs", "deno.mjs", "esm");
fs.rmSync(path.join(out, "deno-src.mjs"));

// The repository's README is the package's manual too.
fs.copyFileSync(path.join(root, "README.md"), path.join(out, "README.md"));

// package.json, with the crate's version.
const cargo = fs.readFileSync(path.join(root, "Cargo.toml"), "utf8");
const version = /^version = "([^"]+)"/m.exec(cargo)[1];
const manifest = JSON.parse(fs.readFileSync(path.join(template, "package.json"), "utf8"));
manifest.version = version;
fs.writeFileSync(path.join(out, "package.json"), JSON.stringify(manifest, null, 2) + "\n");

// Sizes, as users download them.
const size = (name) => {
  const bytes = fs.readFileSync(path.join(out, name));
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
};
const wasmSize = size("mps_aigc_bg.wasm");
const js = size("node.mjs"); // the bundled Node entry: all the JS a Node program loads
console.log(
  `pkg: wasm ${wasmSize.raw} B (${wasmSize.gzip} B gzip), JS for Node ESM ${js.raw} B (${js.gzip} B gzip), ` +
    `together ${wasmSize.gzip + js.gzip} B gzip`,
);
