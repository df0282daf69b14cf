// A Node program bundled into one file (esbuild, webpack), as programs deployed to serverless
// platforms often are: the package's JavaScript goes into the bundle, and the wasm files must be
// found. webpack ships them itself (it follows `new URL("./x.wasm", import.meta.url)`); esbuild
// does not, so they are copied beside the bundle or named with ready(path). Each program runs in its
// own process, makes a client that creates and describes a task on the mock, and a signing proxy
// that forwards a create to it: both wasm files are needed. Nothing leaves 127.0.0.1.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { KEYS, startMockMps } from "./helpers.mjs";

const pkg = fileURLToPath(new URL("../../pkg/", import.meta.url));
const TOKEN = "bundled-test-token-EXAMPLE-0123456789";
const CLIENT = "mps_aigc_node_bg.wasm";
const PROXY = "mps_aigc_proxy_bg.wasm";

// The program, as an ES module; the CommonJS one is the same with require() and no top-level await.
const PROGRAM = (importLine) => `${importLine}
const KEYS = ${JSON.stringify(KEYS)};
const out = {};
const { MOCK, WASM, HREF, CHDIR } = process.env;
(async () => {
  if (WASM || HREF) await ready(HREF ? { href: HREF } : WASM).catch((e) => { out.ready = e.code + ": " + e.message; });
  if (CHDIR) process.chdir(CHDIR);
  const client = new MpsClient({ ...KEYS, endpoint: MOCK, region: "ap-guangzhou", maxRetries: 0 });
  try {
    const { TaskId } = await client.create({ Prompt: "bundled" });
    out.status = (await client.describe(TaskId)).Status;
  } catch (e) {
    out.client = e.code + ": " + e.message;
  }
  let proxy;
  try {
    proxy = createSigningProxy({ ...KEYS, region: "ap-guangzhou", upstream: MOCK, proxyTokens: [${JSON.stringify(TOKEN)}] });
  } catch (e) {
    out.proxy = "throws " + e.code + ": " + e.message;
    return console.log(JSON.stringify(out));
  }
  const answer = await proxy(new Request("http://proxy.test/", { method: "POST", body: '{"Prompt":"bundled"}',
    headers: { Authorization: "Bearer ${TOKEN}", "X-TC-Action": "CreateAigcVideoTask", "Content-Type": "application/json" } }));
  const json = await answer.json();
  out.proxy = answer.status === 200 && typeof json.Response.TaskId === "string" ? "created" : answer.status + " " + JSON.stringify(json.Response.Error);
  console.log(JSON.stringify(out));
})();
`;

let dir;
let mock;
before(async () => {
  mock = await startMockMps({ task: { waitMs: 60_000, runMs: 0 } }); // a task stays WAIT: one answer to expect
  dir = mkdtempSync(path.join(tmpdir(), "mps-aigc-bundled-"));
  cpSync(pkg, path.join(dir, "node_modules/mps-aigc"), { recursive: true });
  writeFileSync(path.join(dir, "app.mjs"), PROGRAM('import { MpsClient, createSigningProxy, ready } from "mps-aigc";'));
  writeFileSync(path.join(dir, "app.cjs"), PROGRAM('const { MpsClient, createSigningProxy, ready } = require("mps-aigc");'));
});
after(async () => {
  await mock?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Bundles `source` with esbuild into `out` (a folder of its own); returns the bundle's path. */
async function esbuild(source, format, out) {
  const outfile = path.join(dir, out, format === "esm" ? "app.mjs" : "app.cjs");
  const result = await build({ entryPoints: [path.join(dir, source)], outfile, bundle: true, platform: "node", format, logLevel: "silent" });
  return { file: outfile, warnings: result.warnings.map((w) => w.text) };
}

/** Runs a bundle in a fresh Node (in `cwd`); `env` adds to its environment. Returns what the program printed. */
async function run(file, env = {}, cwd = undefined) {
  const { stdout } = await promisify(execFile)(process.execPath, [file], {
    cwd,
    env: { ...process.env, MOCK: mock.url, ...env },
    timeout: 30_000,
  });
  return JSON.parse(stdout);
}

const copyWasm = (file) => {
  for (const name of [CLIENT, PROXY]) cpSync(path.join(pkg, name), path.join(path.dirname(file), name));
};

const BUNDLES = [
  ["an ES module", "app.mjs", "esm"],
  ["CommonJS made from an ES module (import.meta is empty there)", "app.mjs", "cjs"],
  ["CommonJS made from CommonJS", "app.cjs", "cjs"],
];

for (const [what, source, format] of BUNDLES) {
  test(`esbuild, ${what}: with the wasm files copied beside the bundle, a client and a proxy work`, async () => {
    const { file, warnings } = await esbuild(source, format, `copied-${format}-${source}`);
    // esbuild says itself that import.meta is empty in CommonJS; nothing else.
    assert.ok(warnings.every((w) => /import\.meta/.test(w)), warnings.join(" | "));
    copyWasm(file);
    assert.deepEqual(await run(file), { status: "WAIT", proxy: "created" });
  });

  test(`esbuild, ${what}: without them, the calls say which file is missing and what to do; ready(path) then loads both`, async () => {
    const { file } = await esbuild(source, format, `bare-${format}-${source}`);
    const missing = await run(file);
    const advice = `; a bundled program needs ${CLIENT} and ${PROXY} beside it, or ready\\(path\\)`;
    const at = (name) => escape(path.join(path.dirname(file), name));
    assert.match(missing.client, new RegExp(`^ClientNotReady: could not load the WebAssembly module: not found: ${at(CLIENT)}${advice}$`));
    // The proxy's wasm is read as the proxy is made: that call says what is missing, not the proxy's callers.
    assert.match(
      missing.proxy,
      new RegExp(`^throws ClientNotReady: createSigningProxy needs the signing proxy's WebAssembly, which could not be loaded \\(not found: ${at(PROXY)}${advice}\\)$`),
    );
    // The package's own wasm, by path: the proxy's is read beside it.
    assert.deepEqual(await run(file, { WASM: path.join(pkg, CLIENT) }), { status: "WAIT", proxy: "created" });
  });
}

test("ready(path) takes a file: URL too, and a client wasm of another name; the proxy's is read beside it by its own name", async () => {
  const { file } = await esbuild("app.mjs", "esm", "renamed");
  const assets = path.join(dir, "renamed", "assets");
  mkdirSync(assets);
  cpSync(path.join(pkg, CLIENT), path.join(assets, "client.wasm"));
  cpSync(path.join(pkg, PROXY), path.join(assets, PROXY));
  assert.deepEqual(await run(file, { WASM: pathToFileURL(path.join(assets, "client.wasm")).href }), { status: "WAIT", proxy: "created" });
  // Only the proxy's wasm missing: the client works, the proxy names both places it looked.
  rmSync(path.join(assets, PROXY));
  const out = await run(file, { WASM: path.join(assets, "client.wasm") });
  assert.equal(out.status, "WAIT");
  assert.match(out.proxy, new RegExp(`^throws ClientNotReady: .*not found: ${escape(path.join(assets, PROXY))}, nor ${escape(path.join(dir, "renamed", PROXY))};`));
});

test("ready(url) with a URL that is not a file: is refused by its scheme (it may hold a secret), and nothing is fetched", async () => {
  const { file } = await esbuild("app.mjs", "esm", "http-url");
  const before = mock.requests.length;
  const out = await run(file, { WASM: `${mock.url.replace("http://", "http://user:hunter2-EXAMPLE@")}/${CLIENT}?sig=EXAMPLE` });
  const refused = "ready\\(path\\): an http: URL is not a path or a file: URL";
  assert.match(out.ready, new RegExp(`^ClientNotReady: could not load the WebAssembly module: ${refused}$`));
  assert.match(out.proxy, new RegExp(`^throws ClientNotReady: .*${refused}`), "the proxy's wasm is looked for beside the URL given");
  assert.doesNotMatch(JSON.stringify(out), /hunter2|sig=/);
  assert.equal(mock.requests.length, before, "nothing was sent: not the wasm's URL, not a create");
});

test("a place ready() named that lacks the files is tried first, then the bundle's own folder: a failed override is not the end", async () => {
  const { file } = await esbuild("app.mjs", "esm", "override");
  copyWasm(file);
  const elsewhere = path.join(dir, "override", "nowhere", CLIENT);
  const out = await run(file, { WASM: elsewhere });
  assert.deepEqual(out, { status: "WAIT", proxy: "created" }, "ready() resolved from the bundle's folder, and the proxy too");
});

test("ready({ href }) and a relative path, made absolute when ready() is called (a later chdir does not move it)", async () => {
  const { file } = await esbuild("app.mjs", "esm", "relative");
  const assets = path.join(dir, "relative", "assets");
  mkdirSync(assets);
  for (const name of [CLIENT, PROXY]) cpSync(path.join(pkg, name), path.join(assets, name));
  assert.deepEqual(await run(file, { HREF: pathToFileURL(path.join(assets, CLIENT)).href }), { status: "WAIT", proxy: "created" });
  const out = await run(file, { WASM: `assets/${CLIENT}`, CHDIR: tmpdir() }, path.join(dir, "relative"));
  assert.deepEqual(out, { status: "WAIT", proxy: "created" });
});

test("ready() given a folder: the error names it", async () => {
  const { file } = await esbuild("app.mjs", "esm", "folder");
  const out = await run(file, { WASM: path.join(dir, "folder") });
  assert.match(out.ready, new RegExp(`^ClientNotReady: could not load the WebAssembly module: ${escape(path.join(dir, "folder"))} could not be read \\(EISDIR`));
});

test("webpack (target node, CommonJS and ES module output) ships both wasm files itself", async () => {
  const { default: webpack } = await import("webpack");
  for (const esm of [false, true]) {
    const out = path.join(dir, esm ? "webpack-esm" : "webpack-cjs");
    const filename = esm ? "app.mjs" : "app.cjs";
    const config = {
      mode: "production",
      target: "node",
      context: dir,
      entry: "./app.mjs",
      output: esm ? { path: out, filename, module: true, chunkFormat: "module" } : { path: out, filename },
      experiments: esm ? { outputModule: true } : undefined,
    };
    const stats = await new Promise((resolve, reject) => webpack(config, (err, s) => (err ? reject(err) : resolve(s))));
    assert.ok(!stats.hasErrors(), stats.toString("errors-only"));
    assert.equal(readdirSync(out).filter((f) => f.endsWith(".wasm")).length, 2, "webpack emitted both wasm files");
    assert.deepEqual(await run(path.join(out, filename)), { status: "WAIT", proxy: "created" }, esm ? "ES module output" : "CommonJS output");
  }
});

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
