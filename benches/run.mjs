// Benchmarks against what users would pick instead, each baseline measured side by side in the same
// run and printed as a ratio. Not tests: nothing here fails on a slow machine.
//
//   node benches/run.mjs                 everything (about seven minutes)
//   node benches/run.mjs sign size       only some: sign, size, startup, e2e, cold, wait
//   node benches/run.mjs --smoke         a few iterations of each, to prove they still run (scripts/test)
//
// Needs the package built in pkg/ (scripts/build). The Node figures (start-up, e2e, cold) are measured on
// the Node that runs this and again on Node 24, the current LTS (scripts/setup puts it in
// .cache/node24): this script runs itself there for them and prints both.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash, createHmac, webcrypto } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { NODE24 } from "../tools/node24.mjs";
import { bundleWorker, startWorkerd } from "../tools/workerd.mjs";

const root = path.resolve(fileURLToPath(import.meta.url), "../..");
const smoke = process.argv.includes("--smoke");
const chosen = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const wanted = (name) => chosen.length === 0 || chosen.includes(name);
/** Set when this run is the Node 24 one, made by the main run: it prints its rows as JSON. */
const asChild = process.env.MPS_BENCH_CHILD === "1";
/** "Node 20": which Node a Node figure was measured on. */
const NODE_NAME = `Node ${process.versions.node.split(".")[0]}`;
const out = path.join(root, "target/bench");
mkdirSync(out, { recursive: true });

const lib = await import(path.join(root, "pkg/node.mjs"));
// CommonJS with `exports.default`: the class is one level deeper than an ES default import finds.
const Sign = (await import("tencentcloud-sdk-nodejs-common/tencentcloud/common/sign.js")).default.default;

/** The middle of `values` (the upper one of an even count). */
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** A copy of `values` in a random order (Fisher–Yates). */
function shuffled(values) {
  const out = [...values];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Every figure: what we measured, against what, and the ratio (> 1 means mps-aigc is better). */
const rows = [];
function report(group, figure, ours, baseline, baselineName, { unit, lowerIsBetter = true, goal, paired } = {}) {
  const ratio = paired ?? (lowerIsBetter ? baseline / ours : ours / baseline);
  rows.push({ group, figure, ours, baseline, baselineName, ratio, unit, goal });
}

// -------------------------------------------------------------------------------------------------
// 1. Signing one request, per operation, in Node.

// The shared vector "node-sdk-create": every signer must produce its Authorization before timing.
const vectors = JSON.parse(readFileSync(path.join(root, "tests/vectors/tc3.json"), "utf8")).vectors;
const V = vectors.find((v) => v.input.name === "node-sdk-create");
const BODY = Buffer.from(V.input.body_hex, "hex");
const KEY = { secretId: V.input.secret_id, secretKey: V.input.secret_key };

// Each signer gets its options as a literal, the way callers write them (a spread would cost the
// harness more than some signers).
function oursSign() {
  return lib.signTc3({
    secretId: KEY.secretId,
    secretKey: KEY.secretKey,
    action: V.input.action,
    timestamp: V.input.timestamp,
    region: V.input.region,
    body: V.input.body,
  }).authorization;
}

function sdkSign() {
  return Sign.sign3({
    method: "POST",
    url: `https://${V.input.host}/`,
    payload: BODY,
    timestamp: V.input.timestamp,
    service: "mps",
    secretId: KEY.secretId,
    secretKey: KEY.secretKey,
    multipart: false,
    headers: { "Content-Type": "application/json" },
  });
}

/** TC3 by hand with node:crypto: the day's signing key for `date` (YYYY-MM-DD). */
function dayKeyByHand(date) {
  const hmac = (key, data) => createHmac("sha256", key).update(data).digest();
  return hmac(hmac(hmac(`TC3${KEY.secretKey}`, date), "mps"), "tc3_request");
}

/** TC3 by hand with node:crypto: the Authorization of a request of `payload` to `host`, signed with `key`. */
function authorizationByHand(key, host, timestamp, date, payload) {
  const hash = (data) => createHash("sha256").update(data).digest("hex");
  const canonical = `POST\n/\n\ncontent-type:application/json\nhost:${host}\n\ncontent-type;host\n${hash(payload)}`;
  const toSign = `TC3-HMAC-SHA256\n${timestamp}\n${date}/mps/tc3_request\n${hash(canonical)}`;
  const signature = createHmac("sha256", key).update(toSign).digest("hex");
  return `TC3-HMAC-SHA256 Credential=${KEY.secretId}/${date}/mps/tc3_request, SignedHeaders=content-type;host, Signature=${signature}`;
}

/** TC3 with node:crypto, written the obvious way (the key derived every time, as the SDK does). */
function nodeCryptoSign() {
  const date = new Date(V.input.timestamp * 1000).toISOString().slice(0, 10);
  return authorizationByHand(dayKeyByHand(date), V.input.host, V.input.timestamp, date, BODY);
}

/**
 * The headers of a describe signed with node:crypto, the day's key derived once: what a client
 * written by hand for speed does per request (the e2e floor for any client that signs).
 */
const dayKeys = new Map();
function signedByHand(host, action, payload) {
  const timestamp = Math.floor(Date.now() / 1000);
  const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
  let key = dayKeys.get(date);
  if (!key) dayKeys.set(date, (key = dayKeyByHand(date)));
  return {
    Authorization: authorizationByHand(key, host, timestamp, date, payload),
    "Content-Type": "application/json",
    "X-TC-Action": action,
    "X-TC-Timestamp": String(timestamp),
    "X-TC-Version": "2019-06-12",
  };
}

/** TC3 with WebCrypto, as edge code without node:crypto would write it. */
const subtle = webcrypto.subtle;
const encoder = new TextEncoder();
const hexOf = (buffer) => Buffer.from(buffer).toString("hex");
async function webCryptoSign() {
  const hash = async (data) => hexOf(await subtle.digest("SHA-256", typeof data === "string" ? encoder.encode(data) : data));
  const hmac = async (key, data) => {
    const k = await subtle.importKey("raw", typeof key === "string" ? encoder.encode(key) : key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return subtle.sign("HMAC", k, encoder.encode(data));
  };
  const date = new Date(V.input.timestamp * 1000).toISOString().slice(0, 10);
  const canonical = `POST\n/\n\ncontent-type:application/json\nhost:${V.input.host}\n\ncontent-type;host\n${await hash(BODY)}`;
  const toSign = `TC3-HMAC-SHA256\n${V.input.timestamp}\n${date}/mps/tc3_request\n${await hash(canonical)}`;
  const key = await hmac(await hmac(await hmac(`TC3${KEY.secretKey}`, date), "mps"), "tc3_request");
  const signature = hexOf(await hmac(key, toSign));
  return `TC3-HMAC-SHA256 Credential=${KEY.secretId}/${date}/mps/tc3_request, SignedHeaders=content-type;host, Signature=${signature}`;
}

/** Runs `fn` `n` times; nanoseconds in all. */
async function timed(fn, isAsync, n) {
  const t0 = process.hrtime.bigint();
  if (isAsync) for (let i = 0; i < n; i++) await fn();
  else for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - t0);
}

/**
 * Median nanoseconds per call of each signer. Batches of about `batchMs` alternate between the
 * signers, so that a noisy neighbour (this is a shared VM) slows them all alike.
 */
async function perOp(signers, { batchMs = smoke ? 5 : 100, rounds = smoke ? 2 : 11 } = {}) {
  const sizes = [];
  for (const { fn, isAsync } of signers) {
    await timed(fn, isAsync, 200); // warm up (and JIT)
    let n = 50;
    while ((await timed(fn, isAsync, n)) / 1e6 < batchMs / 4) n *= 2;
    sizes.push(Math.max(1, Math.round((n * batchMs) / ((await timed(fn, isAsync, n)) / 1e6))));
  }
  const samples = signers.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < signers.length; i++) samples[i].push((await timed(signers[i].fn, signers[i].isAsync, sizes[i])) / sizes[i]);
  }
  return samples.map((s) => s.sort((a, b) => a - b)[Math.floor(s.length / 2)]);
}

function nativeBench(extra = {}) {
  const output = execFileSync("cargo", ["bench", "--quiet", "--bench", "sign"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ...(smoke ? { BENCH_QUICK: "1" } : {}), ...extra },
    stdio: ["ignore", "pipe", "ignore"],
  });
  return JSON.parse(output.trim().split("\n").at(-1));
}

async function benchSign() {
  for (const [name, fn] of [["mps-aigc", oursSign], ["official SDK", sdkSign], ["node:crypto", nodeCryptoSign]]) {
    if (fn() !== V.expected.authorization) throw new Error(`${name} does not sign the vector right`);
  }
  if ((await webCryptoSign()) !== V.expected.authorization) throw new Error("WebCrypto does not sign the vector right");

  const [ours, sdk, byHand, web] = await perOp([
    { fn: oursSign },
    { fn: sdkSign },
    { fn: nodeCryptoSign },
    { fn: webCryptoSign, isAsync: true },
  ]);
  // The same Rust natively: with sha2's software SHA-256 (the code the wasm runs) and with the CPU's
  // SHA instructions where it has them (what native code gets for free, and OpenSSL under Node too).
  const soft = nativeBench({ CARGO_TARGET_DIR: path.join(root, "target/bench-soft"), RUSTFLAGS: '--cfg sha2_backend="soft"' });
  const hardware = nativeBench();
  const us = { unit: "µs/op" };
  report("sign", "signTc3 vs the official SDK's Sign.sign3", ours / 1e3, sdk / 1e3, "official SDK", { ...us, goal: "≥ 5×" });
  report("sign", "signTc3 vs node:crypto by hand", ours / 1e3, byHand / 1e3, "node:crypto", us);
  report("sign", "signTc3 vs WebCrypto (crypto.subtle)", ours / 1e3, web / 1e3, "WebCrypto", us);
  report("sign", "signTc3 (wasm) vs the same Rust native, software SHA-256", ours / 1e3, soft.sign_cached_ns / 1e3, "native Rust", {
    ...us,
    goal: "≥ 0.33× (within 3×)",
  });
  report("sign", "signTc3 (wasm) vs the same Rust native, CPU SHA instructions", ours / 1e3, hardware.sign_cached_ns / 1e3, "native Rust + SHA-NI", us);
}

// -------------------------------------------------------------------------------------------------
// 2. Size: what a user downloads.

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

/**
 * What a page loads at start from `source`, bundled and minified as a bundler ships it for the
 * browser: the entry's chunk and the chunks it imports statically. Split as bundlers split it, so
 * that what is imported dynamically (the proxy's glue, with the proxy's wasm) is not counted.
 */
async function bundleSize(name, source) {
  const entry = path.join(out, `${name}.mjs`);
  writeFileSync(entry, source);
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    splitting: true,
    platform: "node", // the official SDK bundles only so; ours is named by its browser entry's path
    format: "esm",
    outdir: path.join(out, `${name}-bundle`),
    write: false,
    metafile: true,
    logLevel: "silent",
    external: ["*.wasm"],
    nodePaths: [path.join(root, "node_modules")],
  });
  const outputs = result.metafile.outputs;
  const start = Object.keys(outputs).find((file) => outputs[file].entryPoint);
  const loaded = new Set();
  const visit = (file) => {
    if (loaded.has(file)) return;
    loaded.add(file);
    for (const { path: next, kind } of outputs[file].imports) if (kind === "import-statement" && outputs[next]) visit(next);
  };
  visit(start);
  const files = result.outputFiles.filter((f) => loaded.has(path.relative(process.cwd(), f.path)));
  if (files.length !== loaded.size) throw new Error(`bench: the bundle's files are not where its metafile says (${[...loaded].join(", ")})`);
  const bytes = Buffer.concat(files.map((f) => Buffer.from(f.contents)));
  return { raw: bytes.length, gzip: gz(bytes) };
}

async function benchSize() {
  // The page's wasm (a client and the standalone functions), which pages load at start; a Node
  // client's (a client alone); the proxy's, which Node loads for a signing proxy or a standalone
  // function (signTc3, the advisers, redactSecrets), and Workers and Deno for everything.
  const wasm = readFileSync(path.join(root, "pkg/mps_aigc_bg.wasm"));
  const nodeWasm = readFileSync(path.join(root, "pkg/mps_aigc_node_bg.wasm"));
  const proxyWasm = readFileSync(path.join(root, "pkg/mps_aigc_proxy_bg.wasm"));
  // All a Node client loads: its wasm and the one bundled entry file, as shipped.
  const nodeEntry = readFileSync(path.join(root, "pkg/node.mjs"));
  const node = { raw: nodeWasm.length + nodeEntry.length, gzip: gz(nodeWasm) + gz(nodeEntry) };
  // All a page loads: the wasm and our JS as a bundler ships it for the browser (minified).
  const js = await bundleSize("ours", `export { MpsClient, signTc3 } from ${JSON.stringify(path.join(root, "pkg/browser.mjs"))};`);
  const browser = { raw: wasm.length + js.raw, gzip: gz(wasm) + js.gzip };
  const sdk = await bundleSize("sdk", `export { mps } from "tencentcloud-sdk-nodejs-mps";`);
  const aws = await bundleSize("aws4fetch", `export { AwsClient } from "aws4fetch";`);
  const kb = { unit: "KB gzip" };
  const goal = "≤ 60 KB (stretch 30)";
  report("size", `Node ESM all in: wasm + node.mjs, gzip (raw: ${(node.raw / 1024).toFixed(0)} KB)`, node.gzip / 1024, sdk.gzip / 1024, "official SDK", { ...kb, goal });
  report("size", `browser all in: wasm + bundled JS, gzip (raw: ${(browser.raw / 1024).toFixed(0)} KB)`, browser.gzip / 1024, sdk.gzip / 1024, "official SDK", { ...kb, goal });
  report("size", "browser all in vs aws4fetch (signing + fetch only)", browser.gzip / 1024, aws.gzip / 1024, "aws4fetch", kb);
  report("size", "a page's wasm alone, gzip (raw: " + (wasm.length / 1024).toFixed(0) + " KB)", gz(wasm) / 1024, sdk.gzip / 1024, "official SDK", kb);
  report("size", "a Node client's wasm alone, gzip (raw: " + (nodeWasm.length / 1024).toFixed(0) + " KB)", gz(nodeWasm) / 1024, sdk.gzip / 1024, "official SDK", kb);
  const withProxy = node.gzip + gz(proxyWasm);
  report("size", `a Node client that also makes a signing proxy or calls signTc3: both wasm + node.mjs, gzip (raw: ${((node.raw + proxyWasm.length) / 1024).toFixed(0)} KB)`, withProxy / 1024, sdk.gzip / 1024, "official SDK", kb);
  report("size", "the proxy's wasm alone (what Workers and Deno load), gzip (raw: " + (proxyWasm.length / 1024).toFixed(0) + " KB)", gz(proxyWasm) / 1024, sdk.gzip / 1024, "official SDK", kb);
  // webpack warns about any asset over 244 KiB (performance.maxAssetSize), so each wasm must stay under.
  report("size", "the largest wasm raw vs webpack's asset size warning", Math.max(wasm.length, nodeWasm.length, proxyWasm.length) / 1024, 244, "webpack's 244 KiB", { unit: "KiB", goal: "< 244 KiB" });
  report("size", "JS for a browser, minified + gzip (raw: " + (js.raw / 1024).toFixed(0) + " KB)", js.gzip / 1024, sdk.gzip / 1024, "official SDK", kb);
  report("size", "JS for Node (node.mjs), gzip (raw: " + (nodeEntry.length / 1024).toFixed(0) + " KB)", gz(nodeEntry) / 1024, sdk.gzip / 1024, "official SDK", kb);
}

// -------------------------------------------------------------------------------------------------
// 3. Start-up: from import to the first signature, in a fresh process (Node) or isolate (workerd).

function nodeStartup(importAndSign) {
  // Timed with process.hrtime: the first read of the global `performance` loads Node's perf_hooks
  // (1 to 2 ms), which would then be done before t0 for whatever is measured.
  const script = `const t0 = process.hrtime.bigint(); ${importAndSign}; console.log(Number(process.hrtime.bigint() - t0) / 1e6);`;
  const runs = [];
  for (let i = 0; i < (smoke ? 1 : 9); i++) {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
    runs.push(Number(r.stdout.trim()));
  }
  runs.sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)];
}

/**
 * Cold starts of each worker in `workers` ({ name: source }), in alternating rounds (so that a
 * machine busy with something else slows all of them alike): the median of each, in ms.
 */
async function workerdStartups(workers) {
  // workerd stops its clocks while a script runs (a Spectre mitigation), so the time is taken from
  // outside: spawning the runtime with this worker and getting its first answer.
  const scripts = {};
  for (const [name, worker] of Object.entries(workers)) {
    const dir = path.join(out, `workerd-${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "src.mjs"), worker);
    const { script } = await bundleWorker({
      entry: path.join(dir, "src.mjs"),
      outDir: dir,
      alias: { "mps-aigc": path.join(root, "pkg/workerd.mjs") },
    });
    scripts[name] = script;
  }
  const runs = Object.fromEntries(Object.keys(workers).map((name) => [name, []]));
  for (let i = 0; i < (smoke ? 1 : 9); i++) {
    for (const [name, script] of Object.entries(scripts)) {
      const t0 = performance.now();
      const { mf, dispose } = await startWorkerd({ script });
      const text = await (await mf.dispatchFetch("http://localhost/")).text();
      runs[name].push(performance.now() - t0);
      await dispose();
      if (!text.startsWith("TC3-HMAC-SHA256")) throw new Error(`the ${name} worker answered ${text}`);
    }
  }
  return Object.fromEntries(Object.entries(runs).map(([name, xs]) => [name, median(xs)]));
}

async function benchStartup() {
  const args = JSON.stringify({ ...KEY, action: V.input.action, timestamp: V.input.timestamp, body: V.input.body });
  // signTc3 runs on the proxy's wasm in Node (a Node client's has a client alone); a client's
  // first request is signed on the client's.
  const ours = nodeStartup(`const m = await import(${JSON.stringify(path.join(root, "pkg/node.mjs"))}); m.signTc3(${args});`);
  // (The answer is a plain object: Node loads its fetch, undici, on first use of Response, 20 ms or more.)
  const answer = JSON.stringify(JSON.stringify({ Response: { RequestId: "r", Status: "WAIT", TaskId: "t" } }));
  const fetch = `async () => ({ status: 200, headers: { get: () => null }, arrayBuffer: async () => new TextEncoder().encode(${answer}).buffer })`;
  const client = nodeStartup(
    `const m = await import(${JSON.stringify(path.join(root, "pkg/node.mjs"))});` +
      ` await new m.MpsClient({ ...${JSON.stringify(KEY)}, fetch: ${fetch} }).describe("t");`,
  );
  const sdk = nodeStartup(
    `await import("tencentcloud-sdk-nodejs-mps"); const S = (await import("tencentcloud-sdk-nodejs-common/tencentcloud/common/sign.js")).default.default;` +
      ` S.sign3({ method: "POST", url: "https://mps.tencentcloudapi.com/", payload: "{}", timestamp: 1, service: "mps", secretId: "a", secretKey: "b", multipart: false, headers: { "Content-Type": "application/json" } });`,
  );
  report("startup", `${NODE_NAME}: import to first signature`, ours, sdk, "official SDK", { unit: "ms", goal: "≤ 10 ms" });
  report("startup", `${NODE_NAME}: import to a client's first describe (signed; a fetch that answers at once)`, client, sdk, "official SDK (to first signature)", { unit: "ms" });
  // A proxy server's start: the proxy's wasm (which has everything) instead of the client's.
  const proxy = nodeStartup(
    `const m = await import(${JSON.stringify(path.join(root, "pkg/node.mjs"))});` +
      ` m.createSigningProxy({ ...${JSON.stringify(KEY)}, proxyTokens: ["bench-proxy-token-EXAMPLE-0123456789"] });`,
  );
  report("startup", `${NODE_NAME}: import to a signing proxy made`, proxy, sdk, "official SDK (to first signature)", { unit: "ms" });
  if (asChild) return; // workerd is the same runtime whichever Node starts it
  const sign = `return new Response(signTc3(${args}).authorization)`;
  const { withUs, empty } = await workerdStartups({
    withUs: `import { signTc3 } from "mps-aigc"; export default { fetch() { ${sign}; } };`,
    empty: `export default { fetch() { return new Response("TC3-HMAC-SHA256"); } };`,
  });
  report("startup", `workerd: cold start to first signature, minus an empty worker's (${empty.toFixed(0)} ms)`, Math.max(0, withUs - empty), empty, "empty worker", {
    unit: "ms",
    goal: "≤ 25 ms",
  });
}

// -------------------------------------------------------------------------------------------------
// 4. End to end against the local mock (in its own process, so that its work is not counted):
// describes per second, latency, and the CPU time this process spends per describe.

function startMockProcess(options) {
  const child = spawn(process.execPath, ["--input-type=module", "-e", `
    import { startMockMps } from ${JSON.stringify(path.join(root, "mock/mps-mock.mjs"))};
    const mock = await startMockMps(${JSON.stringify(options)});
    console.log(mock.url);
  `], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve) => child.stdout.once("data", (d) => resolve({ url: d.toString().trim(), stop: () => child.kill() })));
}

/**
 * `total` describes by `callers` concurrent loops: per second, every latency, and the CPU time of
 * this process per describe (user + system, every thread: `process.cpuUsage`, not wall time).
 */
async function load(callers, total, describe) {
  const latencies = [];
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next++ < total) {
        const s = performance.now();
        await describe();
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: total / seconds, cpuUs: (cpu.user + cpu.system) / total, latencies };
}

async function benchE2e() {
  const mock = await startMockProcess({ limits: false, task: { waitMs: 0, runMs: 0 } });
  try {
    const ours = new lib.MpsClient({ ...KEY, endpoint: mock.url, rateLimit: false, maxRetries: 0 });
    const tencentcloud = (await import("tencentcloud-sdk-nodejs-mps")).default;
    const sdk = new tencentcloud.mps.v20190612.Client({
      credential: KEY,
      region: "ap-guangzhou",
      profile: { httpProfile: { endpoint: mock.url.replace("http://", ""), protocol: "http://" } },
    });
    const { TaskId } = await ours.create({ Prompt: "bench" });
    // The floor for any client built on the platform's fetch: the same signed describe (signed once
    // up front, valid for minutes), sent with fetch alone, so the mock does the same work. Twice:
    // as users write it, and with redirect: "error", with which Node's fetch does not copy the
    // request before sending it (what mps-aigc's describes ask for in Node).
    const body = JSON.stringify({ TaskId });
    const host = new URL(mock.url).host;
    const { headers } = lib.signTc3({ ...KEY, action: "DescribeAigcVideoTask", host, body });
    // The bare fetch, and the least a client that signs does: that fetch with each request signed
    // afresh (node:crypto, the day's key derived once) and its JSON answer read. What the latter
    // costs over the former no client that signs can avoid.
    // (`redirect: "follow"` is fetch's default: said or not, the same request.)
    const bare = (redirect = "follow") => async () => {
      const r = await fetch(mock.url, { method: "POST", headers, body, redirect });
      await r.arrayBuffer();
    };
    const signed = (redirect = "follow") => async () => {
      const payload = JSON.stringify({ TaskId });
      const r = await fetch(mock.url, { method: "POST", headers: signedByHand(host, "DescribeAigcVideoTask", payload), body: payload, redirect });
      const { Response } = await r.json();
      if (typeof Response?.Status !== "string") throw new Error("the mock's answer has no Status");
    };
    const clients = {
      ours: () => ours.describe(TaskId),
      sdk: () => sdk.DescribeAigcVideoTask({ TaskId }),
      fetch: bare(),
      uncopied: bare("error"),
      // The bare fetch again, under another name: how far apart two runs of the same client land
      // in this bench (its noise), to read every other ratio against.
      fetchAgain: bare(),
      // A fetch bounded in time, as users bound one: what any client that can time a request out
      // pays on top of a bare fetch (Node's fetch follows any signal it is given with a listener,
      // a WeakRef and a FinalizationRegistry entry; mps-aigc gives each attempt one).
      bounded: async () => {
        const r = await fetch(mock.url, { method: "POST", headers, body, signal: AbortSignal.timeout(30_000) });
        await r.arrayBuffer();
      },
      least: signed(),
      // The same, without the request copy (as mps-aigc's describes ask in Node): the least CPU a
      // client that signs can spend on the platform's fetch.
      leastUncopied: signed("error"),
    };
    // Rounds of every client, each round in a new random order, since this VM's speed drifts by
    // tens of percent within a run and a fixed order favours some places in it. Each ratio is the
    // median of the rounds' own ratios (two clients of one round ran seconds apart), which the
    // drift between rounds reaches less: on the development machine a client against itself
    // lands within about a tenth that way, and up to a fifth as a ratio of two medians (the
    // "noise" row shows it for each run). The first thousands of calls still pay for JIT
    // compilation, so a warm-up round comes first.
    const [rounds, perRound] = smoke ? [1, 40] : [11, 1000];
    for (const callers of [1, 32]) {
      const runs = Object.fromEntries(Object.keys(clients).map((name) => [name, []]));
      for (const fn of Object.values(clients)) await load(callers, smoke ? 20 : 1000, fn); // warm: connections, JIT
      for (let r = 0; r < rounds; r++) for (const name of shuffled(Object.keys(clients))) runs[name].push(await load(callers, perRound, clients[name]));
      const [a, b, f, f2, u, t, l, lu] = [runs.ours, runs.sdk, runs.fetch, runs.fetchAgain, runs.uncopied, runs.bounded, runs.least, runs.leastUncopied].map((rs) => ({
        rounds: rs,
        perSecond: median(rs.map((x) => x.perSecond)),
        cpuUs: median(rs.map((x) => x.cpuUs)),
        latency: median(rs.flatMap((x) => x.latencies)),
      }));
      // The median over rounds of x's figure over y's, the better-is-higher way round.
      const cpu = (x, y) => ({ unit: "µs", paired: median(x.rounds.map((round, i) => y.rounds[i].cpuUs / round.cpuUs)) });
      const rate = (x, y) => ({ unit: "req/s", lowerIsBetter: false, paired: median(x.rounds.map((round, i) => round.perSecond / y.rounds[i].perSecond)) });
      const who = `${callers} concurrent caller${callers > 1 ? "s" : ""}`;
      report(`e2e, ${NODE_NAME}`, `CPU per describe, ${who}`, a.cpuUs, b.cpuUs, "official SDK", { ...cpu(a, b), goal: "≥ 1×" });
      report(`e2e, ${NODE_NAME}`, `CPU per describe vs bare fetch, ${who}`, a.cpuUs, f.cpuUs, "global fetch alone", cpu(a, f));
      report(`e2e, ${NODE_NAME}`, `CPU per describe vs bare fetch without the request copy, ${who}`, a.cpuUs, u.cpuUs, 'fetch, redirect: "error"', cpu(a, u));
      report(`e2e, ${NODE_NAME}`, `describes per second, ${who}`, a.perSecond, b.perSecond, "official SDK", rate(a, b));
      report(`e2e, ${NODE_NAME}`, `describes per second vs bare fetch, ${who}`, a.perSecond, f.perSecond, "global fetch alone", { ...rate(a, f), goal: "≥ 0.9×" });
      report(`e2e, ${NODE_NAME}`, `the bench's noise: bare fetch's describes per second vs its own, ${who}`, f2.perSecond, f.perSecond, "global fetch alone", rate(f2, f));
      report(`e2e, ${NODE_NAME}`, `describes per second vs a fetch bounded in time, ${who}`, a.perSecond, t.perSecond, "fetch, AbortSignal.timeout", rate(a, t));
      report(`e2e, ${NODE_NAME}`, `CPU per describe vs the least a signing client does, ${who}`, a.cpuUs, l.cpuUs, "fetch, signed by hand, JSON read", cpu(a, l));
      report(`e2e, ${NODE_NAME}`, `describes per second vs the least a signing client does, ${who}`, a.perSecond, l.perSecond, "fetch, signed by hand, JSON read", rate(a, l));
      report(`e2e, ${NODE_NAME}`, `the least a signing client does (fetch, signed by hand, JSON read): describes per second vs bare fetch, ${who}`, l.perSecond, f.perSecond, "global fetch alone", rate(l, f));
      report(`e2e, ${NODE_NAME}`, `the least a signing client does, without the request copy: CPU per describe vs the official SDK, ${who}`, lu.cpuUs, b.cpuUs, "official SDK", cpu(lu, b));
      report(`e2e, ${NODE_NAME}`, `median latency, ${who}`, a.latency, b.latency, "official SDK", { unit: "ms" });
    }
  } finally {
    mock.stop();
  }
}

// -------------------------------------------------------------------------------------------------
// 4b. Why a describe's own work costs more under load than in a loop: the same calls timed back to
// back (the CPU's caches and branch predictors hold their code and data) and after 1 ms of other
// work, as when undici, the kernel and other callers run between the steps of a describe: a timer
// (the process sleeps, as it does while waiting for the network), or a sweep through 32 MB of
// memory (the caches refilled with other data). Baselines: Node's own steps at the end of a bare
// `fetch` (reading a `Response` body, `JSON.parse`) and a signature, each timed the same way.
// CPU time (`process.cpuUsage`) around each call only, not the 1 ms before it.

async function benchCold() {
  const text = '{"Response":{"RequestId":"0f5c5e6a-2b7e-4c4e-9d0e-3a1b2c3d4e5f","Status":"WAIT","TaskId":"1234-abc"}}';
  const client = new lib.MpsClient({ ...KEY, endpoint: "http://127.0.0.1:9/", rateLimit: false, maxRetries: 0, fetch: async () => new Response(text) });
  const body = JSON.stringify({ TaskId: "1234-abc" });
  const work = {
    describe: () => client.describe("1234-abc"),
    read: async () => JSON.parse(await new Response(text).text()),
    sign: () => lib.signTc3({ ...KEY, action: "DescribeAigcVideoTask", host: "127.0.0.1", body }),
  };
  const memory = new Uint32Array(8 << 20);
  let at = 0;
  const before = {
    "back to back": undefined,
    "after 1 ms asleep": () => new Promise((resolve) => setTimeout(resolve, 1)),
    "after sweeping 32 MB": () => {
      const t = performance.now();
      while (performance.now() - t < 1) {
        for (let i = 0; i < 4096; i++) {
          memory[at] += 1;
          at = (at + 16) % memory.length; // a cache line each
        }
      }
    },
  };
  const [rounds, perRound] = smoke ? [1, 20] : [7, 1000];
  const costs = {};
  for (let r = 0; r <= rounds; r++) {
    for (const [when, first] of Object.entries(before)) {
      for (const [what, fn] of Object.entries(work)) {
        let us = 0;
        for (let i = 0; i < perRound; i++) {
          await first?.();
          const cpu0 = process.cpuUsage();
          await fn();
          const cpu = process.cpuUsage(cpu0);
          us += cpu.user + cpu.system;
        }
        if (r > 0) (costs[`${what} ${when}`] ??= []).push(us / perRound); // round 0 warms up
      }
    }
  }
  const cost = (what, when) => median(costs[`${what} ${when}`]);
  for (const when of Object.keys(before).slice(1)) {
    report(`cold, ${NODE_NAME}`, `CPU of a describe (fetch answering at once) ${when} vs back to back`, cost("describe", when), cost("describe", "back to back"), "the same, back to back", { unit: "µs" });
    report(`cold, ${NODE_NAME}`, `CPU of reading an answer (Response.text, JSON.parse) ${when} vs back to back`, cost("read", when), cost("read", "back to back"), "the same, back to back", { unit: "µs" });
    report(`cold, ${NODE_NAME}`, `CPU of signTc3 ${when} vs back to back`, cost("sign", when), cost("sign", "back to back"), "the same, back to back", { unit: "µs" });
  }
}

// -------------------------------------------------------------------------------------------------
// 5. Waiting: polls per finished task, and how long after DONE the promise resolves, with the
// default settings, against the loop users write with the official SDK (describe every 2 s).

async function benchWait() {
  const { startMockMps } = await import(path.join(root, "mock/mps-mock.mjs"));
  const scale = smoke ? 0.02 : 1; // smoke: the same shape in a fiftieth of the time
  // Durations that do not line up with anyone's polling interval (a 2-s loop would look perfect on
  // tasks of exactly 10 s).
  const durations = [4.3, 7.9, 12.7, 18.1, 23.6, 29.3, 36.5, 45.2].map((s) => s * 1000 * scale);
  const mock = await startMockMps({ limits: false });
  try {
    const client = new lib.MpsClient({ ...KEY, endpoint: mock.url });
    const tencentcloud = (await import("tencentcloud-sdk-nodejs-mps")).default;
    const sdk = new tencentcloud.mps.v20190612.Client({
      credential: KEY,
      profile: { httpProfile: { endpoint: mock.url.replace("http://", ""), protocol: "http://" } },
    });
    const run = async (waitFor) => {
      const before = mock.calls("DescribeAigcVideoTask").length;
      const results = await Promise.all(
        durations.map(async (ms) => {
          mock.nextTask({ waitMs: Math.min(1000 * scale, ms / 2), runMs: ms - Math.min(1000 * scale, ms / 2) });
          const { TaskId } = await client.create({ Prompt: "bench" });
          const task = mock.tasks.get(TaskId);
          await waitFor(TaskId);
          return Date.now() - (task.createdAt + task.waitMs + task.runMs); // resolved after DONE by
        }),
      );
      const polls = (mock.calls("DescribeAigcVideoTask").length - before) / durations.length;
      return { polls, delay: results.reduce((a, b) => a + b, 0) / results.length };
    };
    const options = smoke ? { intervalMs: 2000 * scale, maxIntervalMs: 10_000 * scale } : {};
    const ours = await run((id) => client.wait(id, options));
    const naive = await run(async (id) => {
      for (;;) {
        const r = await sdk.DescribeAigcVideoTask({ TaskId: id });
        if (r.Status === "DONE" || r.Status === "FAIL") return r;
        await new Promise((resolve) => setTimeout(resolve, 2000 * scale));
      }
    });
    const label = `8 tasks of 4 to 45 s`;
    report("wait", `polls per task (${label})`, ours.polls, naive.polls, "2-s loop, official SDK", { unit: "polls" });
    report("wait", `delay from DONE to resolved (${label})`, ours.delay / 1000, naive.delay / 1000, "2-s loop, official SDK", { unit: "s" });
  } finally {
    await mock.close();
  }
}

// -------------------------------------------------------------------------------------------------

const benches = { sign: benchSign, size: benchSize, startup: benchStartup, e2e: benchE2e, cold: benchCold, wait: benchWait };
let ran = 0;
for (const [name, fn] of Object.entries(benches)) {
  if (!wanted(name)) continue;
  process.stderr.write(`bench: ${name}...\n`);
  await fn();
  ran++;
}

// The Node figures again on Node 24.
if (!asChild && (wanted("startup") || wanted("e2e") || wanted("cold"))) {
  if (!existsSync(NODE24)) throw new Error(`no Node 24 at ${NODE24}: scripts/setup installs it`);
  process.stderr.write("bench: startup, e2e and cold on Node 24...\n");
  const args = [fileURLToPath(import.meta.url), ...(smoke ? ["--smoke"] : []), ...["startup", "e2e", "cold"].filter(wanted)];
  const child = spawnSync(NODE24, args, { cwd: root, encoding: "utf8", env: { ...process.env, MPS_BENCH_CHILD: "1" }, stdio: ["ignore", "pipe", "inherit"] });
  if (child.status !== 0) throw new Error(`the Node 24 run failed (exit ${child.status})`);
  const line = child.stdout.split("\n").find((l) => l.startsWith("#rows "));
  if (!line) throw new Error(`the Node 24 run printed no rows:\n${child.stdout}`);
  const more = JSON.parse(line.slice("#rows ".length));
  rows.push(...more.rows);
  ran += more.ran;
}
if (asChild) {
  console.log(`#rows ${JSON.stringify({ rows, ran })}`);
  process.exit(0);
}

const fmt = (n) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const lines = [
  "| benchmark | mps-aigc | baseline | ratio | goal |",
  "|---|---|---|---|---|",
  ...rows.map(
    (r) =>
      `| ${r.group}: ${r.figure} | ${fmt(r.ours)} ${r.unit} | ${fmt(r.baseline)} ${r.unit} (${r.baselineName}) | ${fmt(r.ratio)}× | ${r.goal ?? ""} |`,
  ),
];
console.log(lines.join("\n"));
console.log(
  `\nratio > 1 means mps-aigc is better (faster, smaller, fewer polls); an e2e ratio is the median of its rounds' own ratios, not the ratio of the two medians shown; node ${process.version} (and Node 24 where a row says so), ${smoke ? "SMOKE RUN (numbers meaningless)" : "full run"}`,
);
console.log(`# benchmarks ${ran}`);
