// Assembles pkg/ from wasm-bindgen's output (target/bindgen, and target/bindgen-client for the
// client's wasm; see scripts/build), pkg-template/ and the vocabulary the Rust crate prints
// (examples/vocabulary.rs). The wasm-bindgen glue imports its JS snippets
// (src/wasm/js/) from a hashed folder; they move next to it as ./errors.js and ./support.js, which
// the rest of the package imports too, so the error classes are the same objects everywhere.
import * as fs from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { execFileSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { buildSync } from "esbuild";
import { namesOf, renameGlue, renameWasm, shortNames } from "./wasm-names.mjs";

const root = path.resolve(import.meta.dirname, "..");
const from = path.join(root, "target/bindgen");
const template = path.join(root, "pkg-template");
const out = path.join(root, "pkg");

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out);

// wasm-bindgen's glue of each build, with its snippet imports pointed at the moved files (the two
// builds' snippets are the same files).
function readGlue(from) {
  const glue = fs.readFileSync(path.join(from, "mps_aigc.js"), "utf8");
  const snippetDir = fs.readdirSync(path.join(from, "snippets"))[0];
  // Only the import specifiers change: the imports object keeps the module names the wasm names.
  const specifier = new RegExp(`(from\\s*["'])\\./snippets/${snippetDir}/src/wasm/js/`, "g");
  const rewritten = glue.replace(specifier, "$1./");
  if (/from\s*["']\.\/snippets\//.test(rewritten)) throw new Error("a snippet import was not rewritten");
  return { glue: rewritten, snippets: path.join(from, "snippets", snippetDir, "src/wasm/js") };
}
const proxyBuild = readGlue(from);
const clientBuild = readGlue(path.join(root, "target/bindgen-client"));
for (const name of fs.readdirSync(proxyBuild.snippets)) {
  const text = fs.readFileSync(path.join(proxyBuild.snippets, name));
  if (!text.equals(fs.readFileSync(path.join(clientBuild.snippets, name)))) throw new Error(`the two builds' ${name} differ`);
  fs.writeFileSync(path.join(out, name), text);
}

// Three wasm files, and two glues. The proxy's (mps_aigc_proxy_bg.wasm) has everything; the page's
// (mps_aigc_bg.wasm, what a page loads) a client and the standalone functions (signTc3, the
// advisers, redactSecrets), without the signing proxy's exports; a Node client's
// (mps_aigc_node_bg.wasm) a client alone: Node loads the proxy's wasm, synchronously, when a program
// first calls a standalone function. The proxy build's glue (mps_aigc.js) drives all three, so that
// Node, Workers and Deno carry one glue: the others need a subset of what it provides. Checked
// here, so that a build where that stops being true fails now, not in a test. Pages load the client
// build's own glue (mps_aigc_client.js, 1 KB gzip smaller), and the proxy's only with the proxy's
// wasm.
const proxyWasm = fs.readFileSync(path.join(from, "mps_aigc_bg.wasm"));
const clientWasm = fs.readFileSync(path.join(root, "target/bindgen-client/mps_aigc_bg.wasm"));
const nodeWasm = fs.readFileSync(path.join(root, "target/bindgen-node/mps_aigc_bg.wasm"));
// Each module's imports (`module.name (kind)`) and export names, compiled once.
const shape = (bytes) => {
  const module = new WebAssembly.Module(bytes);
  return {
    imports: new Set(WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name} (${i.kind})`)),
    exports: new Set(WebAssembly.Module.exports(module).map((e) => e.name)),
  };
};
const [proxyShape, clientShape, nodeShape] = [proxyWasm, clientWasm, nodeWasm].map(shape);
// What only the proxy's wasm exports: its classes (Proxy, Caller, Quotas, as wasm-bindgen names
// their methods) and functions. What only a page's has beside a Node client's: exactly these.
const PROXY_ONLY = /^(__wbg_(proxy|caller|quotas)_free|(proxy|caller|quotas)_\w+|mintProxyToken|hmacSha256Hex|pollDelayMs)$/;
// (__externref_drop_slice: only redactSecrets passes an array of JavaScript values.)
const STANDALONE = ["advise", "checkSignOptions", "redactSecrets", "signTc3Values", "__externref_drop_slice"];
const unlike = (a, b) => [...a].filter((name) => !b.has(name));
for (const [which, { imports, exports }] of [
  ["the client's wasm", clientShape],
  ["the Node client's wasm", nodeShape],
]) {
  const unprovided = unlike(imports, proxyShape.imports);
  const missing = unlike(proxyShape.exports, exports).filter((name) => !PROXY_ONLY.test(name) && !STANDALONE.includes(name));
  const extra = unlike(exports, proxyShape.exports);
  if (unprovided.length || missing.length || extra.length) {
    throw new Error(
      `${which} does not fit the proxy build's glue: imports ${unprovided.join(", ") || "none"} missing, ` +
        `exports ${missing.join(", ") || "none"} missing, ${extra.join(", ") || "none"} unknown to it`,
    );
  }
}
const standaloneOnly = unlike(clientShape.exports, nodeShape.exports).sort();
if (standaloneOnly.join() !== [...STANDALONE].sort().join()) {
  throw new Error(`a page's wasm should have exactly ${STANDALONE.join(", ")} beside a Node client's; it has ${standaloneOnly.join(", ") || "nothing"}`);
}
// The standalone functions are reached through standaloneGlue() (a Node client's instance lacks
// them), never through `glue` directly.
for (const name of fs.readdirSync(template).filter((f) => /\.m?js$/.test(f))) {
  const direct = /\bglue\.(advise|checkSignOptions|redactSecrets|signTc3Values)\b/.exec(fs.readFileSync(path.join(template, name), "utf8"));
  if (direct) throw new Error(`pkg-template/${name} calls ${direct[0]}: use standaloneGlue()`);
}
// The names the wasm and the glue call each other by, shortened in both (scripts/wasm-names.mjs).
const short = shortNames([proxyWasm, clientWasm, nodeWasm]);
fs.writeFileSync(path.join(out, "mps_aigc_bg.wasm"), renameWasm(clientWasm, short));
fs.writeFileSync(path.join(out, "mps_aigc_node_bg.wasm"), renameWasm(nodeWasm, short));
const shippedProxyWasm = renameWasm(proxyWasm, short);
// Node's loader tells a client's wasm that has the standalone functions by this export's name.
const placeholder = '"@SIGN_EXPORT@"';
const nodeBoot = fs.readFileSync(path.join(template, "node-boot.js"), "utf8");
if (!nodeBoot.includes(placeholder)) throw new Error("node-boot.js lacks the signTc3 export's placeholder");
const nodeBootText = nodeBoot.replace(placeholder, JSON.stringify(short.exports.get("signTc3Values")));
fs.writeFileSync(path.join(out, "mps_aigc_proxy_bg.wasm"), shippedProxyWasm);
fs.writeFileSync(path.join(out, "mps_aigc.js"), instances(renameGlue(proxyBuild.glue, short), "the build with the proxy's exports"));
fs.writeFileSync(
  path.join(out, "mps_aigc_client.js"),
  instances(renameGlue(clientBuild.glue, namesOf(short, clientWasm)), "the client's build; it drives only the client's wasm"),
);

/**
 * The glue as a factory, `instance()`: wasm-bindgen's module holds one WebAssembly instance in its
 * own variables, and a program with a client and a proxy may need two (the client's wasm, and the
 * proxy's, loaded when a proxy is made). Its exports become the properties of what `instance()`
 * returns; `init` is its default export, the asynchronous loader.
 */
function instances(text, which) {
  const lines = text.split("\n").filter((line) => !line.startsWith("/* @ts-self-types"));
  const imports = lines.filter((line) => line.startsWith("import "));
  const exported = [];
  let body = lines.filter((line) => !line.startsWith("import ")).join("\n");
  body = body.replace(/^export (class|function) (\w+)/gm, (_, kind, name) => {
    exported.push(name);
    return `${kind} ${name}`;
  });
  // The entries always say which wasm to load; a default path would be one more URL for bundlers to
  // find (and ship) and for wrangler to keep.
  const fallback = "module_or_path = new URL('mps_aigc_bg.wasm', import.meta.url);";
  if (!body.includes(fallback)) throw new Error("the glue's default wasm URL is not where it was: see instances() in scripts/assemble-pkg.mjs");
  body = body.replace(fallback, 'throw new Error("init: the entry names the wasm to load");');
  const ending = "export { initSync, __wbg_init as default };";
  if (!body.includes(ending)) throw new Error("the glue's exports are not where they were: see instances() in scripts/assemble-pkg.mjs");
  body = body.replace(ending, "");
  if (/^export /m.test(body)) throw new Error("the glue exports something instances() does not know");
  return (
    `// wasm-bindgen's glue (from ${which}), as a factory: see scripts/assemble-pkg.mjs.\n` +
    imports.join("\n") +
    "\n\n/** A new instance of the glue, with no WebAssembly until its initSync or init loads one. */\n" +
    "export function instance() {\n" +
    body +
    `\nreturn { ${exported.join(", ")}, initSync, init: __wbg_init };\n}\n`
  );
}

// The template, except package.json (rewritten below) and the entries that are bundled below.
const BUNDLED = { "node.mjs": "esm", "node-cjs.mjs": "cjs", "deno.mjs": "esm" };
for (const name of fs.readdirSync(template)) {
  if (name === "package.json" || BUNDLED[name]) continue;
  fs.cpSync(path.join(template, name), path.join(out, name), { recursive: true });
}
fs.writeFileSync(path.join(out, "node-boot.js"), nodeBootText);
fs.chmodSync(path.join(out, "cli.mjs"), 0o755); // the package's bin: npm links it as `mps-aigc`
// The typings again as .d.cts, for require(): the same declarations, read by TypeScript as CommonJS
// (a .d.ts in a "type": "module" package is an ES module, which a CommonJS file cannot require).
for (const name of ["index", "node-http"]) fs.copyFileSync(path.join(out, `${name}.d.ts`), path.join(out, `${name}.d.cts`));
// mps-aigc/cloudflare's typings import the main ones: as CommonJS, the CommonJS ones.
fs.writeFileSync(
  path.join(out, "cloudflare.d.cts"),
  fs.readFileSync(path.join(out, "cloudflare.d.ts"), "utf8").replaceAll('from "./index.js"', 'from "./index.cjs"'),
);

// The vocabulary, from the Rust crate: every name the JavaScript shares with it. And from it, one
// adviser export per task kind (named exports must be written out).
const vocab = execFileSync("cargo", ["run", "--quiet", "--example", "vocabulary"], { cwd: root, encoding: "utf8" });
fs.writeFileSync(path.join(out, "vocab.js"), vocab);
const { KINDS } = await import(pathToFileURL(path.join(out, "vocab.js")).href);
fs.writeFileSync(
  path.join(out, "kinds.js"),
  "// Generated by scripts/assemble-pkg.mjs from the vocabulary: one adviser per task kind.\n" +
    'import { adviser } from "./advice.js";\n\n' +
    KINDS.map((k, i) => `export const adviseAigc${k.noun}Task = adviser(${i});\n`).join(""),
);

// Node and Deno get one file each, bundled by esbuild: loading the dozen modules one by one took
// longer than compiling the wasm. Bundlers and wrangler bundle the other entries themselves.
// Minified (13 KB less raw glue to read, 6 KB less gzip), keeping the names of classes and
// functions, which `console.log(client)` and stack traces show.
// node.cjs is the same modules as CommonJS (a second copy of the classes, as with any dual
// package: don't mix require() and import of this package in one program). Deno's entry carries
// the proxy's wasm inline (base64), so that loading it needs no --allow-read; it serves clients too.
fs.writeFileSync(path.join(out, "wasm-base64.js"), `export default "${shippedProxyWasm.toString("base64")}";\n`);
const outputs = { "node.mjs": "node.mjs", "node-cjs.mjs": "node.cjs", "deno.mjs": "deno.mjs" };
for (const [source, format] of Object.entries(BUNDLED)) {
  // The entry imports its neighbours in pkg/: bundle a copy of it from there.
  const entry = path.join(out, `entry-${source}`);
  fs.copyFileSync(path.join(template, source), entry);
  buildSync({
    entryPoints: [entry],
    outfile: path.join(out, outputs[source]),
    bundle: true,
    format,
    platform: "node",
    target: "node18",
    external: ["node:*"],
    minify: true,
    keepNames: true,
    logLevel: "error",
  });
  fs.rmSync(entry);
}
fs.rmSync(path.join(out, "wasm-base64.js"));
// mps-aigc/node-http ships as it is written (ESM) and as CommonJS; it imports only node:http.
buildSync({
  entryPoints: [path.join(out, "node-http.mjs")],
  outfile: path.join(out, "node-http.cjs"),
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node18",
  external: ["node:*"],
  logLevel: "error",
});

// mps-aigc/cloudflare outside workerd, for require(): the same stand-in, as CommonJS.
buildSync({
  entryPoints: [path.join(out, "cloudflare-elsewhere.mjs")],
  outfile: path.join(out, "cloudflare-elsewhere.cjs"),
  format: "cjs",
  platform: "neutral",
  logLevel: "error",
});

// The repository's README is the package's manual too.
fs.copyFileSync(path.join(root, "README.md"), path.join(out, "README.md"));

// package.json, with the crate's version.
const cargo = fs.readFileSync(path.join(root, "Cargo.toml"), "utf8");
const version = /^version = "([^"]+)"/m.exec(cargo)[1];
const manifest = JSON.parse(fs.readFileSync(path.join(template, "package.json"), "utf8"));
manifest.version = version;
manifest.files = fs.readdirSync(out).sort(); // everything built, and nothing else
fs.writeFileSync(path.join(out, "package.json"), JSON.stringify(manifest, null, 2) + "\n");

// Sizes, as users download them.
const size = (name) => {
  const bytes = fs.readFileSync(path.join(out, name));
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
};
const wasmSize = size("mps_aigc_bg.wasm");
const nodeSize = size("mps_aigc_node_bg.wasm");
const proxySize = size("mps_aigc_proxy_bg.wasm");
const js = size("node.mjs"); // the bundled Node entry: all the JS a Node program loads
console.log(
  `pkg: a page's wasm ${wasmSize.raw} B (${wasmSize.gzip} B gzip); a Node client's ${nodeSize.raw} B (${nodeSize.gzip} B gzip), ` +
    `JS for Node ESM ${js.raw} B (${js.gzip} B gzip), together ${nodeSize.gzip + js.gzip} B gzip; ` +
    `the proxy's wasm ${proxySize.raw} B (${proxySize.gzip} B gzip)`,
);
