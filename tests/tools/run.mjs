// The package as a new user meets it: the packed tarball installed once into one throwaway project
// (tests/out/tools/app), then driven by the tools people already have, each from the repository's
// node_modules (pinned in package.json): the type linters (arethetypeswrong, publint), TypeScript
// (5.4, 5.9, 7) under node16 as ESM and as CommonJS and under bundler resolution, Vite 5 and 8 (build
// and dev server), webpack 5, esbuild (ESM and its default IIFE), wrangler (deploy --dry-run and
// dev) and node:http through mps-aigc/node-http. Every page is driven in headless Chromium to DONE
// against the local mock; every server listens on 127.0.0.1 and nothing is sent anywhere else.
// Independent tools run two at a time (the machine has two cores). Each tool reports how many
// checks it ran; one that ran none, or failed one, fails the suite.
//
//   node tests/tools/run.mjs [tool ...]     (default: all; see TOOLS)
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import { createServer as createNetServer } from "node:net";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startMockMps, EXAMPLE_CREDENTIALS } from "../../mock/mps-mock.mjs";
import { CHROMIUM, CHROMIUM_FLAGS } from "../../tools/chromium.mjs";

const root = path.resolve(fileURLToPath(import.meta.url), "../../..");
const here = path.join(root, "tests/tools");
const out = path.join(root, "tests/out/tools");
const app = path.join(out, "app"); // the one consumer project: the tarball installed once
const dist = path.join(out, "dist"); // bundles, outside the app (Vite scans the app's .html files)
const logs = path.join(out, "logs");
const modules = path.join(root, "node_modules");
const PROXY_TOKEN = "proxy-token-for-tests-0123456789";
const KEYS = EXAMPLE_CREDENTIALS;

const TOOLS = ["package-lint", "typescript", "vite", "webpack", "esbuild", "wrangler", "node-http"];
const chosen = process.argv.length > 2 ? process.argv.slice(2) : TOOLS;
for (const name of chosen) if (!TOOLS.includes(name)) throw new Error(`unknown tool ${name}; known: ${TOOLS.join(" ")}`);

// wrangler, kept on 127.0.0.1: no cf.json download, no metrics or error reports, no banner (whose
// update check asks the npm registry), and an npm registry on a closed local port in case anything
// else asks. Its config and logs stay under tests/out.
const WRANGLER_ENV = {
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  CLOUDFLARE_TELEMETRY_DISABLED: "1",
  WRANGLER_HIDE_BANNER: "true",
  npm_config_registry: "http://127.0.0.1:9/",
  WRANGLER_LOG_PATH: path.join(logs, "wrangler"),
  XDG_CONFIG_HOME: path.join(out, "config"),
  NO_COLOR: "1",
};

// ---------------------------------------------------------------------------------------------
// Small helpers: a checklist per tool, commands with time limits, free ports, a static server.

/** A tool's checklist: `check(ok, what)`; `result()` gives { checks, failures, notes }. */
function checklist() {
  const list = { checks: 0, failures: [], notes: [] };
  return {
    check(ok, what) {
      list.checks++;
      if (!ok) list.failures.push(what);
      return ok;
    },
    note(text) {
      list.notes.push(text);
    },
    result: () => list,
  };
}

/** Runs a command with a time limit; resolves with { code, stdout, stderr } (never rejects). */
function run(command, args, { cwd = app, env = {}, timeoutMs = 180_000, log } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => (stderr += String(e)));
    child.on("close", (code) => {
      clearTimeout(timer);
      if (log) writeFileSync(path.join(logs, log), `$ ${command} ${args.join(" ")}\n${stdout}\n${stderr}`);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts a long-running command in its own process group; `stop()` ends the group. */
function start(command, args, { cwd, env = {}, log }) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise((resolve) => child.on("close", resolve));
  return {
    output: () => output,
    exited,
    async stop() {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
      const gone = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!gone) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {}
        await exited;
      }
      if (log) writeFileSync(path.join(logs, log), output);
    },
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers (any status), for at most `timeoutMs`. */
async function waitForServer(url, timeoutMs, alive = () => true) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && alive()) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return true;
    } catch {
      await sleep(250);
    }
  }
  return false;
}

/**
 * Serves `dir` on 127.0.0.1 with real MIME types (application/wasm for streaming compilation).
 * `pages` are HTML pages served from memory (so no .html lands where Vite looks for entries).
 */
function serveStatic(dir, pages = {}) {
  const types = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm" };
  const server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (pages[pathname]) return res.writeHead(200, { "Content-Type": "text/html" }).end(pages[pathname]);
    const file = path.join(dir, pathname);
    if (!file.startsWith(dir + path.sep)) return res.writeHead(403).end();
    try {
      const body = readFileSync(file);
      res.writeHead(200, { "Content-Type": types[path.extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    }
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) }),
    ),
  );
}

/** A fenced code block of the README: the first ```lang block after `heading` (before the next heading). */
const WEBHOOK_SECRET = "webhook-secret-for-tests-0123456789";

/** A webhook receiver on 127.0.0.1 that checks each delivery's signature with node:crypto. */
async function webhookReceiver() {
  const { createHmac } = await import("node:crypto");
  const deliveries = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const signed = req.headers["x-mps-signature"] === `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex")}`;
      let record;
      try {
        record = JSON.parse(body.toString("utf8"));
      } catch {}
      const id = req.headers["x-mps-delivery"];
      deliveries.push({ valid: signed && record?.delivery?.id === id, id, record }); // the id, signed in the body
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    deliveries,
    url: `http://127.0.0.1:${server.address().port}/hook`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

function readmeBlock(heading, lang) {
  const readme = readFileSync(path.join(root, "README.md"), "utf8");
  const at = readme.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`README has no "${heading}"`);
  const section = readme.slice(at + heading.length + 2).split(/\n#{2,4} /)[0];
  const block = new RegExp("```" + lang + "\\n([\\s\\S]*?)\\n```").exec(section);
  if (!block) throw new Error(`README's "${heading}" has no ${lang} block`);
  return block[1];
}

// ---------------------------------------------------------------------------------------------
// The browser: one Chromium for every page, a fresh context per page.

let browserPromise;
function browser() {
  browserPromise ??= import("playwright-core").then(({ chromium }) =>
    chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS }),
  );
  return browserPromise;
}

/**
 * Loads `url` and waits for the page's window.__result. Returns it with what the page did besides:
 * uncaught errors, console errors and warnings, and every .wasm response (URL, status, type).
 */
async function visit(url) {
  const context = await (await browser()).newContext();
  const page = await context.newPage();
  const seen = { uncaught: [], console: [], wasm: [] };
  page.on("pageerror", (e) => seen.uncaught.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") seen.console.push(`${m.type()}: ${m.text()}`);
  });
  page.on("response", (r) => {
    if (new URL(r.url()).pathname.endsWith(".wasm")) seen.wasm.push({ url: r.url(), status: r.status(), type: r.headers()["content-type"] ?? "" });
  });
  try {
    await page.goto(url);
    // The result, or soon after an uncaught error (a page that crashed at load never gives one).
    const deadline = Date.now() + 60_000;
    let crashedAt;
    while (Date.now() < deadline && (crashedAt === undefined || Date.now() < crashedAt + 2000)) {
      seen.result = await page.evaluate(() => window.__result);
      if (seen.result !== undefined) break;
      if (seen.uncaught.length) crashedAt ??= Date.now();
      await sleep(100);
    }
    seen.result ??= { error: { message: "the page gave no result" } };
  } catch (e) {
    seen.result = { error: { message: `the page gave no result: ${String(e).split("\n")[0]}` } };
  } finally {
    await context.close();
  }
  return seen;
}

/** The checks of a page that must reach DONE: 6 each. */
function expectDone(check, name, seen, mock, expected) {
  const r = seen.result ?? {};
  check(seen.uncaught.length === 0, `${name}: uncaught errors: ${seen.uncaught.join(" | ")}`);
  check(r.status === "DONE", `${name}: ended with ${JSON.stringify(r)}`);
  check(typeof r.taskId === "string" && mock.tasks.has(r.taskId), `${name}: the mock never made task ${r.taskId}`);
  check(r.signature === expected.signature, `${name}: signTc3 gave ${r.signature}, Node gives ${expected.signature}`);
  check(
    r.proxyAnswer?.status === 401 && r.proxyAnswer.code === "AuthFailure.InvalidAuthorization",
    `${name}: the signing proxy, loaded on demand, answered ${JSON.stringify(r.proxyAnswer)}`,
  );
  const last = seen.wasm.at(-1);
  check(
    // The client's wasm and then the proxy's (more where Vite's dev server makes a first try fail).
    seen.wasm.length >= 2 && last.status === 200 && last.type.startsWith("application/wasm") && seen.console.length === 0,
    `${name}: the wasm was not compiled cleanly from an application/wasm answer: ${JSON.stringify(seen.wasm)} ${seen.console.join(" | ")}`,
  );
}

// ---------------------------------------------------------------------------------------------
// The tools. Each takes the shared context and returns its checklist's result.

const tools = {
  /** arethetypeswrong and publint on the tarball itself: no findings. */
  async "package-lint"({ tarball }) {
    const { check, note, result } = checklist();
    // The .wasm subpath is an asset for bundlers (and `import module from` in Workers), not a
    // module with types: attw would report that it has none, which is true and intended.
    const attw = await run(path.join(modules, ".bin/attw"), [tarball, "--format", "json", "--exclude-entrypoints", "./mps_aigc_bg.wasm", "./mps_aigc_node_bg.wasm", "./mps_aigc_proxy_bg.wasm"], {
      log: "attw.log",
    });
    let analysis;
    try {
      analysis = JSON.parse(attw.stdout).analysis;
    } catch {
      check(false, `attw printed no JSON (exit ${attw.code}): ${attw.stderr.slice(0, 400)}`);
    }
    if (analysis) {
      const entries = Object.keys(analysis.entrypoints).filter((e) => e !== "./package.json");
      check(entries.includes(".") && entries.includes("./node-http"), `attw saw the entry points ${entries.join(", ")}`);
      // Each entry point, in each resolution mode, finds typings; CommonJS ones find CommonJS typings.
      for (const entry of entries) {
        for (const [mode, { resolution }] of Object.entries(analysis.entrypoints[entry].resolutions)) {
          const file = resolution?.fileName ?? "(none)";
          const want = mode === "node16-cjs" ? /\.d\.cts$/ : /\.d\.(c|m)?ts$/;
          check(want.test(file), `attw: ${entry} under ${mode} resolves to ${file}`);
        }
      }
      check(analysis.problems.length === 0 && attw.code === 0, `attw found: ${JSON.stringify(analysis.problems)}`);
      note(`attw: ${entries.join(", ")} × ${Object.keys(analysis.entrypoints["."].resolutions).join(", ")}`);
    }
    const publint = await run(path.join(modules, ".bin/publint"), ["run", tarball, "--strict", "--level", "suggestion"], { log: "publint.log" });
    const findings = (publint.stdout + publint.stderr).split("\n").filter((l) => /^\s*\d+\. /.test(l));
    check(publint.code === 0 && findings.length === 0, `publint (exit ${publint.code}): ${findings.join(" | ") || publint.stderr}`);
    return result();
  },

  /** consumer.ts and main.ts compiled by each TypeScript in each mode; TS 7's node16 programs run. */
  async typescript({ mock }) {
    const { check, note, result } = checklist();
    const versions = [
      ["5.4", path.join(modules, "typescript-5.4/bin/tsc")],
      ["5.9", path.join(modules, "typescript-5.9/bin/tsc")],
      ["7", path.join(modules, ".bin/tsc")],
    ];
    // skipLibCheck off: the package's typings are checked by each version (TypeScript's own lib
    // files are not: skipDefaultLibCheck halves the time).
    const checked = { strict: true, skipLibCheck: false, skipDefaultLibCheck: true, target: "es2022" };
    const node16 = { ...checked, module: "node16", moduleResolution: "node16", lib: ["es2022"], types: ["node"] };
    const modes = {
      "node16-esm": { type: "module", compilerOptions: node16, files: ["consumer.ts", "main.ts"] },
      "node16-cjs": { type: "commonjs", compilerOptions: node16, files: ["consumer.ts", "main.ts"] },
      // A browser project: the DOM's fetch, no Node types.
      bundler: {
        type: "module",
        compilerOptions: { ...checked, module: "esnext", moduleResolution: "bundler", lib: ["es2022", "dom"], types: [], noEmit: true },
        files: ["consumer.ts"],
      },
    };
    for (const [mode, { type, compilerOptions, files }] of Object.entries(modes)) {
      const dir = path.join(app, "ts", mode);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type }));
      writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, files }, null, 2));
      for (const file of files) cpSync(path.join(here, file), path.join(dir, file));
    }
    const reported = [];
    for (const [version, tsc] of versions) {
      for (const [mode, { compilerOptions }] of Object.entries(modes)) {
        const dir = path.join(app, "ts", mode);
        const outDir = `out-${version}`;
        const args = ["-p", path.join(dir, "tsconfig.json"), ...(compilerOptions.noEmit ? [] : ["--outDir", path.join(dir, outDir)])];
        const { code, stdout, stderr } = await run("node", [tsc, ...args], { cwd: dir, log: `tsc-${version}-${mode}.log` });
        const errors = (stdout + stderr).split("\n").filter((l) => /error TS\d+/.test(l));
        check(code === 0, `TypeScript ${version} ${mode} (exit ${code}): ${errors.slice(0, 4).join(" | ") || stderr.slice(0, 300)}`);
        // The program TypeScript 7 emitted (the others emit the same): to DONE directly, through
        // serve() and through toNodeListener(), as an ES module and as CommonJS.
        if (code !== 0 || compilerOptions.noEmit || version !== "7") continue;
        const ran = await run("node", [path.join(dir, outDir, "main.js"), mock.url], { cwd: dir, log: `tsc-${version}-${mode}-run.log`, timeoutMs: 60_000 });
        let lines = [];
        try {
          lines = JSON.parse(ran.stdout.trim().split("\n").at(-1));
        } catch {}
        for (const way of ["direct", "proxy", "listener"]) {
          const line = lines.find((l) => l.startsWith(`${way}: `)) ?? "";
          check(/^\w+: DONE after .*DONE with a video$/.test(line), `TypeScript ${version} ${mode}, run ${way}: ${line || ran.stderr.slice(0, 400)}`);
        }
      }
      reported.push(version);
    }
    const expectations = readFileSync(path.join(here, "consumer.ts"), "utf8").match(/@ts-expect-error/g).length;
    note(`TypeScript ${reported.join(", ")} × ${Object.keys(modes).join(", ")}, each with ${expectations} expected errors; TS 7's node16 programs run`);
    return result();
  },

  /** Vite 5 (the oldest supported major) and 8 (the newest): dev server and build + preview, no configuration. */
  async vite({ mock, expected }) {
    const { check, note, result } = checklist();
    for (const major of [5, 8]) {
      const vite = await import(`vite${major}`);
      const messages = [];
      const logger = {
        hasWarned: false,
        info: () => {},
        warn: (m) => messages.push(`warn: ${m}`),
        warnOnce: (m) => messages.push(`warn: ${m}`),
        error: (m) => messages.push(`error: ${m}`),
        clearScreen: () => {},
        hasErrorLogged: () => false,
      };
      // No configuration beyond where to listen and where to build: what a new project has.
      const base = { root: app, configFile: false, customLogger: logger, logLevel: "warn", clearScreen: false };

      // The dev server, with a fresh dependency optimizer cache.
      rmSync(path.join(app, "node_modules/.vite"), { recursive: true, force: true });
      const server = await vite.createServer({ ...base, server: { host: "127.0.0.1", port: await freePort(), strictPort: true } });
      await server.listen();
      try {
        const url = server.resolvedUrls.local[0];
        const seen = await visit(`${url}?mock=${encodeURIComponent(mock.url)}`);
        expectDone(check, `Vite ${major} dev`, seen, mock, expected);
        writeFileSync(path.join(logs, `vite${major}-dev.log`), JSON.stringify({ ...seen, messages }, null, 2));
      } finally {
        await server.close();
      }

      // A production build, served by `vite preview`.
      const outDir = path.join(dist, `vite${major}`);
      await vite.build({ ...base, build: { outDir, emptyOutDir: true } });
      const assets = readdirSync(path.join(outDir, "assets"));
      check(assets.some((f) => f.endsWith(".wasm")), `Vite ${major} build emitted no .wasm: ${assets.join(", ")}`);
      const preview = await vite.preview({ ...base, build: { outDir }, preview: { host: "127.0.0.1", port: await freePort(), strictPort: true } });
      try {
        const url = preview.resolvedUrls.local[0];
        const seen = await visit(`${url}?mock=${encodeURIComponent(mock.url)}`);
        expectDone(check, `Vite ${major} build`, seen, mock, expected);
      } finally {
        await new Promise((resolve) => preview.httpServer.close(resolve));
      }
      const warnings = messages.filter((m) => /mps-aigc|mps_aigc|wasm/i.test(m));
      check(warnings.length === 0, `Vite ${major} warned about the package: ${warnings.join(" | ")}`);
      writeFileSync(path.join(logs, `vite${major}.log`), messages.join("\n"));
      note(`Vite ${vite.version}`);
    }

    // Where the dev server cannot serve the package's folder either (a monorepo whose packages are
    // hoisted above the web app's root), Vite 5 to 7 dev cannot work unconfigured: the error must
    // name the one line that fixes it, and that line must fix it.
    const vite = await import("vite5");
    const web = path.join(app, "monorepo-web");
    mkdirSync(web, { recursive: true });
    writeFileSync(path.join(web, "package.json"), JSON.stringify({ name: "web", private: true, type: "module" }));
    writeFileSync(path.join(web, "index.html"), page("./main.mjs"));
    cpSync(path.join(here, "page.mjs"), path.join(web, "main.mjs"));
    const manifest = JSON.parse(readFileSync(path.join(app, "package.json"), "utf8"));
    writeFileSync(path.join(app, "package.json"), JSON.stringify({ ...manifest, workspaces: ["monorepo-web"] }));
    for (const optimizeDeps of [undefined, { exclude: ["mps-aigc"] }]) {
      rmSync(path.join(web, "node_modules"), { recursive: true, force: true });
      const label = `Vite 5 dev in a monorepo${optimizeDeps ? ", with the fix" : ""}`;
      const server = await vite.createServer({
        root: web,
        configFile: false,
        logLevel: "silent",
        clearScreen: false,
        optimizeDeps,
        server: { host: "127.0.0.1", port: await freePort(), strictPort: true },
      });
      await server.listen();
      try {
        const seen = await visit(`${server.resolvedUrls.local[0]}?mock=${encodeURIComponent(mock.url)}`);
        if (optimizeDeps) {
          expectDone(check, label, seen, mock, expected);
        } else {
          const error = seen.result?.error ?? {};
          check(seen.uncaught.length === 0, `${label}: uncaught errors: ${seen.uncaught.join(" | ")}`);
          check(error.code === "ClientNotReady", `${label}: expected ClientNotReady, got ${JSON.stringify(seen.result)}`);
          check(error.message?.includes('optimizeDeps: { exclude: ["mps-aigc"] }'), `${label}: the message does not name the fix: ${error.message}`);
        }
      } finally {
        await server.close();
      }
    }
    return result();
  },

  /** webpack 5 through its Node API, production mode, no configuration of assets. */
  async webpack({ mock, expected }) {
    const { check, note, result } = checklist();
    const { default: webpack } = await import("webpack");
    const outDir = path.join(dist, "webpack");
    rmSync(outDir, { recursive: true, force: true });
    const stats = await new Promise((resolve, reject) => {
      const compiler = webpack({ mode: "production", context: app, entry: "./main.mjs", output: { path: outDir, filename: "page.js" }, devtool: false });
      compiler.run((error, stats) => compiler.close(() => (error ? reject(error) : resolve(stats))));
    });
    const info = stats.toJson({ all: false, errors: true, warnings: true, assets: true });
    writeFileSync(path.join(logs, "webpack.log"), stats.toString({ colors: false }));
    check(!stats.hasErrors(), `webpack: ${info.errors.map((e) => e.message).join(" | ")}`);
    const warnings = info.warnings.map((w) => w.message).filter((m) => /mps-aigc|mps_aigc|wasm|import\.meta/i.test(m));
    check(warnings.length === 0, `webpack warned about the package: ${warnings.join(" | ")}`);
    check(info.assets.some((a) => a.name.endsWith(".wasm")), `webpack emitted no .wasm: ${info.assets.map((a) => a.name).join(", ")}`);
    const bundle = readFileSync(path.join(outDir, "page.js"), "utf8");
    check(!bundle.includes(root), "webpack's bundle holds a path of the build machine");
    const server = await serveStatic(outDir, { "/index.html": page("./page.js") });
    try {
      expectDone(check, "webpack", await visit(`${server.url}/index.html?mock=${encodeURIComponent(mock.url)}`), mock, expected);
    } finally {
      await server.close();
    }
    note(`webpack ${webpack.version}`);
    return result();
  },

  /**
   * esbuild as ESM, and in its default format for browsers (an IIFE, where import.meta is empty):
   * with the .wasm beside the script, inline with ready(url), and without the .wasm (a catchable
   * ClientNotReady that says what was tried and what to do, never a crash at load).
   */
  async esbuild({ mock, expected }) {
    const { check, note, result } = checklist();
    const { build, version } = await import("esbuild");
    const wasm = path.join(app, "node_modules/mps-aigc/mps_aigc_bg.wasm");
    const proxyWasm = path.join(app, "node_modules/mps-aigc/mps_aigc_proxy_bg.wasm");
    const outDir = path.join(dist, "esbuild");
    rmSync(outDir, { recursive: true, force: true });
    const built = {};
    for (const format of ["esm", undefined]) {
      const name = format ?? "iife";
      const { warnings } = await build({
        entryPoints: [path.join(app, "main.mjs")],
        outfile: path.join(outDir, name, "page.js"),
        bundle: true,
        format,
        platform: "browser",
        logLevel: "silent",
      });
      built[name] = warnings.map((w) => w.text);
    }
    // esbuild says itself that import.meta is empty in an IIFE; nothing else.
    check(built.esm.length === 0, `esbuild (ESM) warned: ${built.esm.join(" | ")}`);
    check(built.iife.every((w) => /import\.meta/.test(w)), `esbuild (IIFE) warned: ${built.iife.join(" | ")}`);
    for (const dir of ["esm", "iife"]) {
      cpSync(wasm, path.join(outDir, dir, "mps_aigc_bg.wasm"));
      cpSync(proxyWasm, path.join(outDir, dir, "mps_aigc_proxy_bg.wasm"));
    }
    cpSync(path.join(outDir, "iife/page.js"), path.join(outDir, "iife-missing/page.js"));
    const inline = readFileSync(path.join(outDir, "iife/page.js"), "utf8").replaceAll("</script", "<\\/script");
    const server = await serveStatic(outDir, {
      "/esm/index.html": page("./page.js"),
      "/iife/index.html": page("./page.js", "classic"),
      "/iife-missing/index.html": page("./page.js", "classic"),
      "/iife-inline/index.html": `<!doctype html><meta charset="utf-8"><title>mps-aigc</title><link rel="icon" href="data:,"><script>${inline}</script>`,
    });
    const at = (dir, extra = "") => `${server.url}/${dir}/index.html?mock=${encodeURIComponent(mock.url)}${extra}`;
    try {
      expectDone(check, "esbuild ESM", await visit(at("esm")), mock, expected);
      expectDone(check, "esbuild IIFE", await visit(at("iife")), mock, expected);
      expectDone(check, "esbuild IIFE inline, ready(url)", await visit(at("iife-inline", "&wasm=/iife/mps_aigc_bg.wasm")), mock, expected);
      for (const [dir, says] of [
        ["iife-missing", /\/iife-missing\/mps_aigc_bg\.wasm.*404/],
        ["iife-inline", /import\.meta\.url.*ready\(/],
      ]) {
        const seen = await visit(at(dir));
        const error = seen.result?.error ?? {};
        check(seen.uncaught.length === 0, `esbuild ${dir}: uncaught errors: ${seen.uncaught.join(" | ")}`);
        check(error.isMpsError && error.code === "ClientNotReady", `esbuild ${dir}: expected ClientNotReady, got ${JSON.stringify(seen.result)}`);
        check(says.test(error.message ?? ""), `esbuild ${dir}: the message does not say ${says}: ${error.message}`);
        if (dir === "iife-missing") {
          const sync = seen.result?.sync ?? "";
          check(/^signTc3 needs the WebAssembly, which could not be loaded \(.*404.*\): ready\(url\) tries again$/.test(sync), `esbuild ${dir}: signTc3 after the failed load said: ${sync}`);
        }
      }
    } finally {
      await server.close();
    }
    note(`esbuild ${version}`);
    return result();
  },

  /**
   * wrangler 4: deploy --dry-run bundles the README's Worker, the proxy Worker and the README's
   * coordinator Worker (mps-aigc/cloudflare, a Durable Object and R2); dev serves them.
   */
  async wrangler({ mock }) {
    const { check, note, result } = checklist();
    const wrangler = path.join(modules, "wrangler/bin/wrangler.js");
    const hooks = await webhookReceiver();
    const workers = {
      // The README's Worker, as printed there (with MPS_ENDPOINT pointing at the mock).
      readme: {
        files: {
          "index.mjs": readmeBlock("### Cloudflare Workers", "js"),
          "wrangler.toml": 'name = "readme-worker"\nmain = "index.mjs"\ncompatibility_date = "2025-09-01"\n',
        },
        devVars: { TENCENTCLOUD_SECRET_ID: KEYS.secretId, TENCENTCLOUD_SECRET_KEY: KEYS.secretKey, MPS_ENDPOINT: mock.url },
        async exercise(url) {
          const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
          const body = await response.json().catch(() => ({}));
          return [[response.status === 200 && mock.tasks.has(body.TaskId), `answered ${response.status} ${JSON.stringify(body)}`]];
        },
      },
      // The signing proxy, exactly as www/ ships it, configured the README's way (.dev.vars).
      proxy: {
        files: {
          "worker.mjs": readFileSync(path.join(root, "www/worker.mjs"), "utf8"),
          "wrangler.toml": readFileSync(path.join(root, "www/wrangler.toml"), "utf8"),
        },
        devVars: { TENCENTCLOUD_SECRET_ID: KEYS.secretId, TENCENTCLOUD_SECRET_KEY: KEYS.secretKey, PROXY_TOKENS: PROXY_TOKEN, MPS_UPSTREAM: mock.url },
        async exercise(url) {
          const { MpsClient } = await installed();
          const client = new MpsClient({ endpoint: url, proxyToken: PROXY_TOKEN });
          const { TaskId } = await client.create({ Prompt: "a cat, through wrangler dev" });
          const done = await client.wait(TaskId, { intervalMs: 100, timeoutMs: 30_000 });
          return [[done.Status === "DONE", `the task ended ${done.Status}`]];
        },
      },
      // "Cloudflare at scale", as printed: its wrangler.toml (Durable Object, migration, R2) and Worker.
      scale: {
        files: {
          "worker.mjs": readmeBlock("### Setting it up", "js"),
          "wrangler.toml": readmeBlock("### Setting it up", "toml"),
        },
        devVars: {
          TENCENTCLOUD_SECRET_ID: KEYS.secretId,
          TENCENTCLOUD_SECRET_KEY: KEYS.secretKey,
          MPS_ENDPOINT: mock.url,
          WEBHOOK_URL: hooks.url,
          WEBHOOK_SECRET: WEBHOOK_SECRET,
        },
        async exercise(url) {
          const submitted = await fetch(`${url}videos`, { method: "POST", body: JSON.stringify({ id: "readme-1", prompt: "a cat, durably" }) });
          const record = await submitted.json().catch(() => ({}));
          const checks = [[submitted.status === 202 && record.status === "PENDING", `POST /videos answered ${submitted.status} ${JSON.stringify(record)}`]];
          let last;
          for (let i = 0; i < 300 && !(last?.status === "DONE" && last.stored?.length); i++) {
            await new Promise((r) => setTimeout(r, 100));
            last = await (await fetch(`${url}videos/readme-1`)).json().catch(() => undefined);
          }
          checks.push([last?.status === "DONE" && last.stored?.[0] === "aigc/video-readme-1/1.mp4", `the durable task ended ${JSON.stringify(last)}`]);
          for (let i = 0; i < 100 && !hooks.deliveries.some((d) => d.valid); i++) await new Promise((r) => setTimeout(r, 100));
          const delivery = hooks.deliveries.find((d) => d.valid);
          checks.push([delivery?.record?.status === "DONE" && delivery.record.key === "video-readme-1", `the webhook: ${JSON.stringify(hooks.deliveries)}`]);
          const described = await fetch(`${url}describe?taskId=${last?.TaskId}`);
          const result = await described.json().catch(() => ({}));
          checks.push([described.status === 200 && result.Status === "DONE", `a client with coordinator described: ${described.status} ${JSON.stringify(result)}`]);
          return checks;
        },
      },
    };
    for (const [name, worker] of Object.entries(workers)) {
      const dir = path.join(app, `worker-${name}`);
      mkdirSync(dir, { recursive: true });
      for (const [file, text] of Object.entries(worker.files)) writeFileSync(path.join(dir, file), text);
      writeFileSync(path.join(dir, ".dev.vars"), Object.entries(worker.devVars).map(([k, v]) => `${k}="${v}"`).join("\n") + "\n");

      const outDir = path.join(dist, `wrangler-${name}`);
      const dry = await run("node", [wrangler, "deploy", "--dry-run", "--outdir", outDir], { cwd: dir, env: WRANGLER_ENV, log: `wrangler-${name}-dry-run.log` });
      check(dry.code === 0, `wrangler deploy --dry-run (${name}) exited ${dry.code}: ${(dry.stdout + dry.stderr).slice(-600)}`);
      if (dry.code === 0) {
        const files = readdirSync(outDir);
        const wasm = files.find((f) => f.endsWith(".wasm"));
        const script = readFileSync(path.join(outDir, files.find((f) => f.endsWith(".js"))), "utf8");
        check(wasm !== undefined && script.includes(wasm), `wrangler (${name}) did not attach the .wasm as a module: ${files.join(", ")}`);
        check(!/node:fs|readFileSync|import\.meta\.url/.test(script), `wrangler (${name}) bundled an entry other than workerd's`);
      }

      const port = await freePort();
      const dev = start("node", [wrangler, "dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(await freePort()), "--show-interactive-dev-session=false"], {
        cwd: dir,
        env: WRANGLER_ENV,
        log: `wrangler-${name}-dev.log`,
      });
      let exited = false;
      dev.exited.then(() => (exited = true));
      try {
        const url = `http://127.0.0.1:${port}/`;
        const up = await waitForServer(url, 90_000, () => !exited);
        check(up, `wrangler dev (${name}) did not start: ${dev.output().slice(-600)}`);
        if (up) for (const [ok, what] of await worker.exercise(url)) check(ok, `wrangler dev (${name}): ${what}`);
      } catch (e) {
        check(false, `wrangler dev (${name}): ${e.stack ?? e}`);
      } finally {
        await dev.stop();
      }
    }
    await hooks.close();
    note(`wrangler ${JSON.parse(readFileSync(path.join(modules, "wrangler/package.json"), "utf8")).version}`);
    return result();
  },

  /** The proxy served from plain Node: the README's one line, then the adapter under abuse. */
  async "node-http"({ mock }) {
    const { check, note, result } = checklist();
    const dir = path.join(app, "node-proxy");
    mkdirSync(dir, { recursive: true });
    cpSync(path.join(root, "www/worker.mjs"), path.join(dir, "worker.mjs"));
    writeFileSync(path.join(dir, ".dev.vars"), `TENCENTCLOUD_SECRET_ID=${KEYS.secretId}\nTENCENTCLOUD_SECRET_KEY=${KEYS.secretKey}\nPROXY_TOKENS=${PROXY_TOKEN}\nMPS_UPSTREAM=${mock.url}\n`);
    // The line as the README prints it, on a free port instead of 8787.
    const line = readmeBlock("#### Local development", "sh").split("\n").find((l) => l.startsWith("node --env-file=.dev.vars"));
    check(line !== undefined, "the README's Local development has no `node --env-file=.dev.vars` line");
    const port = await freePort();
    const withPort = line?.replace(/serve\(\(request\) => worker\.fetch\(request, process\.env\)\)/, `serve((request) => worker.fetch(request, process.env), { port: ${port} })`);
    check(withPort !== line, `the README's line is not the one this test knows: ${line}`);
    if (withPort && withPort !== line) {
      const server = start("sh", ["-c", withPort], { cwd: dir, log: "node-http-readme.log" });
      let exited = false;
      server.exited.then(() => (exited = true));
      try {
        const url = `http://127.0.0.1:${port}/`;
        check(await waitForServer(url, 30_000, () => !exited), `the README's line did not serve: ${server.output()}`);
        const { MpsClient } = await installed();
        const client = new MpsClient({ endpoint: url, proxyToken: PROXY_TOKEN });
        const { TaskId } = await client.create({ Prompt: "a cat, through node:http" });
        const done = await client.wait(TaskId, { intervalMs: 100, timeoutMs: 30_000 });
        check(done.Status === "DONE" && mock.tasks.has(TaskId.split("~")[0]), `through the Node server the task ended ${done.Status}`);
        // A body far over the proxy's limit, streamed without a length: refused, and the server lives.
        const big = await post(url, { chunks: 64, chunkBytes: 64 * 1024, headers: BIG_HEADERS });
        check(big.status === 413 || big.reset, `a 4 MiB streamed body got ${JSON.stringify(big)}`);
        const after = await client.describe(TaskId);
        check(after.Status === "DONE" && !exited, "the Node server did not survive a 4 MiB body");
      } finally {
        await server.stop();
      }
      check(!/Gu5t9x|proxy-token-for-tests/.test(server.output()), "the Node server printed a secret");
    }

    // The adapter's own promises, in this process: a misconfigured proxy names the Worker's variables;
    // a handler that throws, answers nothing or streams forever never takes the server down.
    const { toNodeListener } = await import(pathToFileURL(path.join(app, "node_modules/mps-aigc/node-http.mjs")).href);
    const worker = (await import(pathToFileURL(path.join(dir, "worker.mjs")).href)).default;
    const misconfigured = await listen(toNodeListener((request) => worker.fetch(request, { MPS_UPSTREAM: mock.url })));
    try {
      const r = await fetch(misconfigured.url, { method: "POST", headers: { "X-TC-Action": "DescribeAigcVideoTask" }, body: "{}" });
      const body = await r.json();
      const message = body.Response?.Error?.Message ?? "";
      check(r.status === 500 && /TENCENTCLOUD_SECRET_ID/.test(message) && /TENCENTCLOUD_SECRET_KEY/.test(message), `misconfigured: ${r.status} ${message}`);
      check(/\.dev\.vars/.test(message) && /wrangler secret put/.test(message), `the misconfiguration message does not say where variables go: ${message}`);
    } finally {
      await misconfigured.close();
    }
    // The same proxy in this process, to see how much of a refused 4 MiB body left the socket:
    // about the proxy's limit (64 KiB) and Node's read-ahead, not the whole body.
    const env = { TENCENTCLOUD_SECRET_ID: KEYS.secretId, TENCENTCLOUD_SECRET_KEY: KEYS.secretKey, PROXY_TOKENS: PROXY_TOKEN, MPS_UPSTREAM: mock.url };
    const proxied = toNodeListener((request) => worker.fetch(request, env));
    const read = [];
    const measured = await listen((req, res) => {
      req.socket.once("close", () => read.push(req.socket.bytesRead));
      proxied(req, res);
    });
    try {
      const big = await post(measured.url, { chunks: 64, chunkBytes: 64 * 1024, headers: BIG_HEADERS });
      for (let i = 0; i < 50 && read.length === 0; i++) await sleep(100); // the connection closes a second after the answer
      check(big.status === 413 || big.reset, `in process, a 4 MiB streamed body got ${JSON.stringify(big)}`);
      check(read.length === 1 && read[0] < 512 * 1024, `the server read ${read} bytes of a refused 4 MiB body`);
      note(`${Math.round(read[0] / 1024)} KiB read of a refused 4 MiB body`);
    } finally {
      await measured.close();
    }

    const handlers = {
      throws: () => {
        throw new Error("boom with a secret Gu5t9xGARNpq86cd98joQYCN3EXAMPLE");
      },
      "not a response": async () => ({ status: "nope" }),
      "endless body": () =>
        new Response(new ReadableStream({ pull: (c) => sleep(5).then(() => c.enqueue(new Uint8Array(1024))) }), { status: 200 }),
      "echoes its body": async (request) => new Response(await request.text(), { status: 201, headers: { "X-Method": request.method } }),
      "ignores its body": () => sleep(300).then(() => new Response("not read")),
    };
    const listeners = Object.fromEntries(Object.entries(handlers).map(([k, h]) => [k, toNodeListener(h)]));
    const readWhenAnswered = {};
    const server = await listen((req, res) => {
      const name = decodeURIComponent(new URL(req.url, "http://x").pathname.slice(1));
      res.once("finish", () => (readWhenAnswered[name] = req.socket.bytesRead));
      listeners[name](req, res);
    });
    try {
      const thrown = await fetch(`${server.url}/throws`);
      const text = await thrown.text();
      check(thrown.status === 500 && !text.includes("Gu5t9x"), `a throwing handler gave ${thrown.status} ${text}`);
      const odd = await fetch(`${server.url}/not%20a%20response`);
      check(odd.status === 500, `a handler answering no Response gave ${odd.status}`);
      const endless = await fetch(`${server.url}/endless%20body`);
      const reader = endless.body.getReader();
      await reader.read();
      await reader.cancel(); // the client goes away mid-answer
      const echoed = await fetch(`${server.url}/echoes%20its%20body`, { method: "PUT", body: "héllo" });
      check(
        echoed.status === 201 && (await echoed.text()) === "héllo" && echoed.headers.get("x-method") === "PUT",
        `the echo handler gave ${echoed.status}`,
      );
      // 4 MiB sent to a handler that never reads it: the server reads only what Node reads ahead.
      const ignored = await post(`${server.url}/ignores%20its%20body`, { chunks: 64, chunkBytes: 64 * 1024, headers: {} });
      const read = readWhenAnswered["ignores its body"];
      check((ignored.status === 200 || ignored.reset) && read < 512 * 1024, `a handler that read nothing of 4 MiB: ${JSON.stringify(ignored)}, ${read} bytes read`);
      note(`${Math.round(read / 1024)} KiB read of 4 MiB nobody read`);
    } finally {
      await server.close();
    }
    note("the README's line, and toNodeListener");
    return result();
  },
};

/** An HTML page that loads `script` as a module (or a classic script). */
function page(script, kind = "module") {
  const type = kind === "module" ? ' type="module"' : "";
  return `<!doctype html><meta charset="utf-8"><title>mps-aigc</title><link rel="icon" href="data:,"><script${type} src="${script}"></script>`;
}

/** The installed package's Node entry, as the app would import it. */
function installed() {
  return import(pathToFileURL(path.join(app, "node_modules/mps-aigc/node.mjs")).href);
}

/** A node:http server on 127.0.0.1 with `listener`. */
function listen(listener) {
  const server = createServer(listener);
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () =>
          new Promise((resolve) => {
            server.close(resolve);
            server.closeAllConnections(); // keep-alive connections would hold close() open
          }),
      }),
    ),
  );
}

const BIG_HEADERS = { Authorization: `Bearer ${PROXY_TOKEN}`, "X-TC-Action": "DescribeAigcVideoTask" };

/** POSTs `chunks` chunks of `chunkBytes` (chunked, no length); resolves with what came back and how much was sent. */
function post(url, { chunks, chunkBytes, headers }) {
  return new Promise((resolve) => {
    let sentBytes = 0;
    let settled = false;
    const finish = (value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...value, sentBytes });
    };
    const timer = setTimeout(() => {
      req.destroy();
      finish({ timedOut: true });
    }, 20_000);
    const req = httpRequest(url, { method: "POST", headers }, (res) => {
      res.resume();
      res.on("end", () => finish({ status: res.statusCode }));
      res.on("error", () => finish({ status: res.statusCode }));
    });
    req.on("error", (e) => finish({ reset: e.code ?? String(e) }));
    const chunk = Buffer.alloc(chunkBytes, 0x20);
    let left = chunks;
    const write = () => {
      while (left > 0 && !settled) {
        left--;
        sentBytes += chunkBytes;
        if (!req.write(chunk)) return req.once("drain", write);
      }
      if (left === 0 && !settled) req.end();
    };
    write();
  });
}

// ---------------------------------------------------------------------------------------------
// The run: the tarball, the one install, the mock, then the tools two at a time.

const started = Date.now();
rmSync(out, { recursive: true, force: true });
for (const dir of [app, dist, logs]) mkdirSync(dir, { recursive: true });
const packed = JSON.parse(execFileSync("npm", ["pack", "./pkg", "--json", "--pack-destination", out], { cwd: root, encoding: "utf8" }));
const tarball = path.join(out, packed[0].filename);
writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "tools-consumer", private: true, type: "module" }));
execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tarball], { cwd: app, stdio: "pipe" });
cpSync(path.join(here, "page.mjs"), path.join(app, "main.mjs"));
writeFileSync(path.join(app, "index.html"), page("./main.mjs"));
console.log(`installed ${packed[0].filename} into ${path.relative(root, app)} (${Date.now() - started} ms)`);

const mock = await startMockMps({ task: { waitMs: 50, runMs: 150 }, limits: false });
const { signTc3 } = await installed();
const expected = { signature: signTc3({ ...KEYS, action: "DescribeAigcVideoTask", body: "{}", timestamp: 1767222000 }).signature };
const context = { tarball, mock, expected };

const results = {};
const LONGEST_FIRST = ["typescript", "vite", "wrangler", "esbuild", "webpack", "package-lint", "node-http"];
const queue = LONGEST_FIRST.filter((name) => chosen.includes(name));
async function worker() {
  for (let name = queue.shift(); name; name = queue.shift()) {
    const t0 = Date.now();
    try {
      results[name] = await tools[name](context);
    } catch (e) {
      results[name] = { checks: 0, failures: [String(e.stack ?? e)], notes: [] };
    }
    results[name].ms = Date.now() - t0;
  }
}
await Promise.all([worker(), worker()]); // two cores: two tools at a time
if (browserPromise) await (await browserPromise).close();
await mock.close();

let failed = false;
for (const name of chosen) {
  const { checks, failures, notes, ms } = results[name];
  const ok = failures.length === 0 && checks > 0;
  failed ||= !ok;
  console.log(`${ok ? "ok" : "FAILED"} ${name}: ${checks} checks (${(ms / 1000).toFixed(1)} s; ${notes.join("; ")})`);
  for (const f of failures) console.log(`   - ${f}`);
}
const total = chosen.reduce((n, name) => n + results[name].checks, 0);
console.log(`# tools ${chosen.length}\n# checks ${total}\n# seconds ${((Date.now() - started) / 1000).toFixed(1)}`);
if (existsSync(logs)) console.log(`logs in ${path.relative(root, logs)}`);
process.exit(failed ? 1 : 0);
