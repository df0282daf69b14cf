// Tests what users install: `npm pack ./pkg`, the tarball installed into throwaway projects, and the
// same scenario (scenario.mjs) run against the local mock in each runtime: Node ESM, Node CommonJS
// (on the machine's Node and on Node 24), Deno, workerd (Miniflare) and a browser page bundled by
// esbuild in headless Chromium. Plus the typings: a consumer file compiled with
// `tsc --strict --noEmit`. Every runtime reports how many checks it ran; one that ran none, or
// failed one, fails the suite.
//
//   node tests/pkg/run.mjs [runtime ...]     (default: all)
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startMockMps } from "../../mock/mps-mock.mjs";
import { CHROMIUM, CHROMIUM_FLAGS } from "../../tools/chromium.mjs";
import { NODE24 } from "../../tools/node24.mjs";
import { bundleWorker, startWorkerd } from "../../tools/workerd.mjs";
import { vocabCheck } from "./types/vocab-check.mjs";

const root = path.resolve(fileURLToPath(import.meta.url), "../../..");
const out = path.join(root, "tests/out");
const bin = (name) => path.join(root, "node_modules/.bin", name);
const RUNTIMES = ["node-esm", "node-cjs", "node24-esm", "node24-cjs", "deno", "workerd", "browser", "types"];
const chosen = process.argv.length > 2 ? process.argv.slice(2) : RUNTIMES;

// 1. The tarball, exactly as npm would publish it.
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const packed = JSON.parse(execFileSync("npm", ["pack", "./pkg", "--json", "--pack-destination", out], { cwd: root, encoding: "utf8" }));
const tarball = path.join(out, packed[0].filename);
console.log(`packed ${packed[0].filename}: ${packed[0].entryCount} files, ${packed[0].size} bytes`);

/** A throwaway project with the tarball installed and the scenario beside it. */
function project(name, files, type = "module") {
  const dir = path.join(out, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: `consumer-${name}`, private: true, type }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tarball], { cwd: dir, stdio: "pipe" });
  cpSync(path.join(root, "tests/pkg/scenario.mjs"), path.join(dir, "scenario.mjs"));
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}

/** Runs a command with a time limit; resolves with its stdout. */
function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(" ")} exited ${code}\n${stdout}\n${stderr}`));
    });
  });
}

/** The scenario's JSON result: the last line of a program's output. */
const lastJson = (text) => JSON.parse(text.trim().split("\n").at(-1));

const esbuild = async () => (await import("esbuild")).build;

/** The machine's Node, and Node 24 (tools/node24.mjs). */
const NODE = { bin: "node", version: process.version };
const ON_NODE24 = { bin: NODE24, version: /^v24\./ };

/** The Node scenarios, ESM and CommonJS, on `node`, named `prefix`-esm and -cjs: each also checks the version it ran on. */
function nodeRunners(prefix, node) {
  const onNode = (result, entry) => {
    result.checks += 1;
    const right = typeof node.version === "string" ? result.node === node.version : node.version.test(result.node);
    if (!right) result.failures.push(`ran on Node ${result.node}, not ${node.version}`);
    return expectEntry(result, entry);
  };
  return {
    async [`${prefix}-esm`](mock) {
      const dir = project(`${prefix}-esm`, {
        "test.mjs": `import * as lib from "mps-aigc";
import { scenario } from "./scenario.mjs";
const result = await scenario(lib, process.argv[2]);
result.entry = import.meta.resolve("mps-aigc");
result.node = process.version;
console.log(JSON.stringify(result));
`,
      });
      const result = lastJson(await run(node.bin, ["test.mjs", mock.url], { cwd: dir }));
      // The package's bin, as npm installed it: runs, and reports the packed version.
      const version = (await run("npx", ["--no-install", "mps-aigc", "--version"], { cwd: dir })).trim();
      result.checks += 1;
      if (version !== packed[0].version) result.failures.push(`npx mps-aigc --version said ${version}`);
      return onNode(result, /\/node\.mjs$/);
    },

    async [`${prefix}-cjs`](mock) {
      const dir = project(
        `${prefix}-cjs`,
        {
          "test.cjs": `const lib = require("mps-aigc");
import("./scenario.mjs").then(async ({ scenario }) => {
  const result = await scenario(lib, process.argv[2]);
  result.entry = require.resolve("mps-aigc");
  result.node = process.version;
  console.log(JSON.stringify(result));
});
`,
        },
        "commonjs",
      );
      const result = lastJson(await run(node.bin, ["test.cjs", mock.url], { cwd: dir }));
      return onNode(result, /\/node\.cjs$/);
    },
  };
}

const runners = {
  ...nodeRunners("node", NODE),
  ...nodeRunners("node24", ON_NODE24),

  async deno(mock) {
    const dir = project("deno", {
      "test.mjs": `import * as lib from "mps-aigc";
import { scenario } from "./scenario.mjs";
const result = await scenario(lib, Deno.args[0]);
result.entry = import.meta.resolve("mps-aigc");
result.deno = Deno.version.deno;
console.log(JSON.stringify(result));
`,
    });
    // Only loopback is reachable, and nothing may be read from disk at run time: the Deno entry
    // carries its wasm inline, so --allow-read is not needed.
    const env = { ...process.env, DENO_NO_UPDATE_CHECK: "1", DENO_DIR: path.join(out, "deno-cache") };
    const stdout = await run(bin("deno"), ["run", "--no-prompt", "--no-lock", "--allow-net=127.0.0.1", "test.mjs", mock.url], {
      cwd: dir,
      env,
    });
    return expectEntry(lastJson(stdout), /deno\.mjs$/);
  },

  async workerd(mock) {
    const dir = project("workerd", {
      "worker.mjs": `import * as lib from "mps-aigc";
import { scenario } from "./scenario.mjs";
export default {
  async fetch(request, env) {
    return Response.json(await scenario(lib, env.MOCK_URL));
  },
};
`,
    });
    // Bundled the way wrangler does it, from the installed package (no alias: the exports map decides).
    const { script, metafile } = await bundleWorker({
      entry: path.join(dir, "worker.mjs"),
      outDir: path.join(dir, "dist"),
      wasm: path.join(dir, "node_modules/mps-aigc/mps_aigc_proxy_bg.wasm"),
    });
    const worker = await startWorkerd({ script, env: { MOCK_URL: mock.url } });
    try {
      const response = await worker.mf.dispatchFetch("http://localhost/");
      const result = await response.json();
      result.entry = Object.keys(metafile.inputs).find((f) => f.includes("node_modules/mps-aigc/") && f.endsWith(".mjs"));
      return expectEntry(result, /workerd\.mjs$/);
    } finally {
      await worker.dispose();
    }
  },

  async browser(mock) {
    const dir = project("browser", {
      "page.mjs": `import * as lib from "mps-aigc";
import { scenario } from "./scenario.mjs";
const mock = new URLSearchParams(location.search).get("mock");
const keys = { secretId: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", secretKey: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE" };
// Before the wasm has arrived: the sync calls say so; a client made now works once it has.
async function beforeReady(lib, check) {
  try {
    lib.signTc3({ ...keys, action: "DescribeAigcVideoTask", body: "{}" });
    check(false, "signTc3 before ready() throws");
  } catch (e) {
    check(e instanceof lib.MpsError && e.code === "ClientNotReady", "signTc3 before ready() says ClientNotReady");
  }
  const early = new lib.MpsClient({ ...keys, endpoint: mock });
  const created = await early.create({ Prompt: "made before the wasm loaded" });
  check(typeof created.TaskId === "string", "a client made before ready() works");
}
scenario(lib, mock, { beforeReady }).then(
  (result) => (window.__result = result),
  (error) => (window.__result = { checks: 0, failures: [String(error)] }),
);
`,
      "index.html": `<!doctype html><meta charset="utf-8"><title>mps-aigc browser test</title><script type="module" src="./dist/page.js"></script>`,
    });
    const build = await esbuild();
    const meta = await build({
      entryPoints: [path.join(dir, "page.mjs")],
      outfile: path.join(dir, "dist/page.js"),
      bundle: true,
      format: "esm",
      platform: "browser",
      metafile: true,
      logLevel: "error",
    });
    // esbuild leaves new URL("./mps_aigc_bg.wasm", import.meta.url) alone: ship the files beside the bundle.
    for (const wasm of ["mps_aigc_bg.wasm", "mps_aigc_proxy_bg.wasm"]) {
      cpSync(path.join(dir, "node_modules/mps-aigc", wasm), path.join(dir, "dist", wasm));
    }
    const server = await serveStatic(dir);
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    try {
      const page = await browser.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`${server.url}/index.html?mock=${encodeURIComponent(mock.url)}`);
      await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 60_000 });
      const result = await page.evaluate(() => window.__result);
      result.failures.push(...errors);
      result.entry = Object.keys(meta.metafile.inputs).find((f) => f.includes("node_modules/mps-aigc/") && f.endsWith(".mjs"));
      // The page fetched the client's wasm at start, and the proxy's once, for the proxy it made.
      const wasms = server.requested.filter((p) => p.endsWith(".wasm"));
      result.checks++;
      if (wasms.join() !== "/dist/mps_aigc_bg.wasm,/dist/mps_aigc_proxy_bg.wasm") result.failures.push(`wasm requests: ${wasms.join(", ")}`);
      return expectEntry(result, /browser\.mjs$/);
    } finally {
      await browser.close();
      server.close();
    }
  },

  async types() {
    const dir = project("types", {
      "tsconfig.json": JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: "es2022",
          lib: ["es2022"],
          module: "nodenext",
          moduleResolution: "nodenext",
          types: [],
          skipLibCheck: false,
        },
        files: ["consumer.ts", "vocab-check.ts"],
      }),
    });
    cpSync(path.join(root, "tests/pkg/types/consumer.ts"), path.join(dir, "consumer.ts"));
    // The typings against the Rust vocabulary: every field, option, model and method name.
    const vocab = await import(pathToFileURL(path.join(dir, "node_modules/mps-aigc/vocab.js")).href);
    const { source: check, checks: vocabChecks } = vocabCheck(vocab);
    writeFileSync(path.join(dir, "vocab-check.ts"), check);
    await run(bin("tsc"), ["-p", dir], { cwd: dir });
    // Each @ts-expect-error is a check that must hold (tsc fails if one of them is not an error).
    const source = readFileSync(path.join(dir, "consumer.ts"), "utf8");
    const expectations = source.match(/@ts-expect-error/g).length;
    return { checks: 1 + expectations + vocabChecks, failures: [], entry: "index.d.ts" };
  },
};

function expectEntry(result, pattern) {
  if (!pattern.test(result.entry ?? "")) result.failures.push(`resolved ${result.entry}, expected ${pattern}`);
  result.checks += 1;
  return result;
}

/** Serves `dir` on 127.0.0.1 (the .wasm with its MIME type, for streaming compilation). */
function serveStatic(dir) {
  const types = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm" };
  const requested = [];
  const server = createServer((req, res) => {
    requested.push(new URL(req.url, "http://x").pathname);
    const file = path.join(dir, decodeURIComponent(new URL(req.url, "http://x").pathname));
    if (!file.startsWith(dir)) return res.writeHead(403).end();
    try {
      const body = readFileSync(file);
      res.writeHead(200, { "Content-Type": types[path.extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${server.address().port}`, requested, close: () => server.close() })),
  );
}

// 2. Every runtime against one mock.
const mock = await startMockMps({ task: { waitMs: 50, runMs: 150 }, limits: false });
let failed = false;
const summary = [];
for (const name of chosen) {
  let result;
  try {
    result = await runners[name](mock);
  } catch (e) {
    result = { checks: 0, failures: [String(e.stack ?? e)] };
  }
  const ok = result.failures.length === 0 && result.checks > 0;
  failed ||= !ok;
  const on = result.deno ? ` (Deno ${result.deno})` : result.node ? ` (Node ${result.node})` : "";
  summary.push(`${ok ? "ok" : "FAILED"} ${name}: ${result.checks} checks${on}`);
  for (const f of result.failures) summary.push(`   - ${f}`);
}
await mock.close();
console.log(summary.join("\n"));
const total = summary.filter((l) => l.startsWith("ok")).length;
console.log(`# runtimes ${chosen.length}\n# passed ${total}`);
process.exit(failed ? 1 : 0);
