// Which wasm a Node program loads, and when: nothing at import; the client's (small) wasm for a
// client; the proxy's (which has everything) for a proxy, and then for the program's clients too.
// Each case runs in a fresh process, with node:fs's readFileSync counting what is read.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const pkg = fileURLToPath(new URL("../../pkg/", import.meta.url));
const VECTOR_SIGNATURE = "9c50d9bdf456142e477dfacb9cb212196d350fb796f564b2e9220ec7dfeed9d0";

/**
 * Runs `body` (with `lib`, the package, and `reads()`, the wasm files read so far) in a new Node
 * process; `format` "browser" imports the browser entry (with a `prelude` that lets it fetch its wasm).
 */
function run(body, { dir = pkg, format = "esm", prelude = "" } = {}) {
  const entry = path.join(dir, { esm: "node.mjs", cjs: "node.cjs", browser: "browser.mjs" }[format]);
  const script = `
    ${prelude}
    import fs from "node:fs";
    import { syncBuiltinESMExports, createRequire } from "node:module";
    const read = fs.readFileSync;
    const files = [];
    fs.readFileSync = function (file, ...rest) {
      const name = String(file instanceof URL ? file.pathname : file);
      if (name.endsWith(".wasm")) files.push(name.slice(name.lastIndexOf("/") + 1));
      return read.call(this, file, ...rest);
    };
    syncBuiltinESMExports();
    const reads = () => files.join(",");
    const lib = ${format !== "cjs" ? `await import(${JSON.stringify(entry)})` : `createRequire(import.meta.url)(${JSON.stringify(entry)})`};
    const out = {};
    ${body}
    console.log(JSON.stringify(out));
  `;
  return JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }));
}

/** `check(dir)` with `dir` a copy of the package lacking the file `missing`. */
function withoutFile(missing, check) {
  const dir = mkdtempSync(path.join(tmpdir(), "mps-aigc-loading-"));
  try {
    cpSync(pkg, dir, { recursive: true });
    rmSync(path.join(dir, missing));
    check(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const KEYS = `{ secretId: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", secretKey: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE" }`;
const SIGN = `lib.signTc3({ ...${KEYS}, action: "DescribeAigcVideoTask", region: "ap-guangzhou", timestamp: 1767222000,
  body: '{"TaskId":"4-AigcVideo-c3b145ec764****55b699e63be17d"}' }).signature`;
const PROXY = `lib.createSigningProxy({ ...${KEYS}, proxyTokens: ["loading-test-token-EXAMPLE-0123456789"] })`;

// A client's first use of the wasm: a describe through a fetch that answers at once.
const DESCRIBE = `await new lib.MpsClient({ ...${KEYS}, fetch: async () => new Response('{"Response":{"RequestId":"r","Status":"WAIT","TaskId":"t"}}') })
  .describe("t").then((r) => r.Status, (e) => e.code + ": " + e.message)`;

for (const format of ["esm", "cjs"]) {
  test(`${format}: importing reads no wasm; a client reads the Node client's, and signTc3 or a proxy after it the proxy's`, () => {
    const out = run(
      `out.atImport = reads();
       out.status = ${DESCRIBE};
       out.afterClient = reads();
       out.signature = ${SIGN};
       out.afterSign = reads();
       ${PROXY};
       out.token = typeof lib.mintProxyToken({ tokenSecret: "loading-test-secret-EXAMPLE-0123456789", subject: "u" });
       out.atEnd = reads();`,
      { format },
    );
    assert.deepEqual(out, {
      atImport: "",
      status: "WAIT",
      afterClient: "mps_aigc_node_bg.wasm",
      signature: VECTOR_SIGNATURE,
      afterSign: "mps_aigc_node_bg.wasm,mps_aigc_proxy_bg.wasm",
      token: "string",
      atEnd: "mps_aigc_node_bg.wasm,mps_aigc_proxy_bg.wasm",
    });
  });

  test(`${format}: a program whose first use is a proxy reads only the proxy's wasm, which serves its clients too`, () => {
    const out = run(
      `${PROXY};
       out.afterProxy = reads();
       out.signature = ${SIGN};
       out.status = ${DESCRIBE};
       out.atEnd = reads();`,
      { format },
    );
    assert.deepEqual(out, { afterProxy: "mps_aigc_proxy_bg.wasm", signature: VECTOR_SIGNATURE, status: "WAIT", atEnd: "mps_aigc_proxy_bg.wasm" });
  });
}

test("a program whose first use is a standalone function (signTc3, an adviser, redactSecrets) reads only the proxy's wasm, which serves its clients too", () => {
  for (const first of [SIGN, `lib.adviseAigcVideoTask({ Prompt: "x" })`, `lib.redactSecrets("x", [])`]) {
    const out = run(
      `${first};
       out.afterFirst = reads();
       out.advice = lib.adviseAigcVideoTask({ Prompt: "x", ModelName: "Kling", Duration: 99 }).map((a) => a.field).join();
       out.redacted = lib.redactSecrets("key: Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", ["Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"]);
       out.signature = ${SIGN};
       out.status = ${DESCRIBE};
       out.atEnd = reads();`,
    );
    assert.deepEqual(out, {
      afterFirst: "mps_aigc_proxy_bg.wasm",
      advice: "Duration",
      redacted: "key: ** REDACTED **",
      signature: VECTOR_SIGNATURE,
      status: "WAIT",
      atEnd: "mps_aigc_proxy_bg.wasm",
    }, first);
  }
});

test("esm: without process.getBuiltinModule (Node 18, Node 20 before 20.16) the wasm is read through require()", () => {
  const out = run(
    `out.getBuiltinModule = typeof process.getBuiltinModule;
     out.atImport = reads();
     out.status = ${DESCRIBE};
     out.afterClient = reads();
     ${PROXY};
     out.atEnd = reads();`,
    { prelude: "delete process.getBuiltinModule;" },
  );
  assert.deepEqual(out, {
    getBuiltinModule: "undefined",
    atImport: "",
    status: "WAIT",
    afterClient: "mps_aigc_node_bg.wasm",
    atEnd: "mps_aigc_node_bg.wasm,mps_aigc_proxy_bg.wasm",
  });
});

test("esm: the entry does not import node:fs as an ES module (its namespace costs 1.5 to 3 ms of start-up)", () => {
  // A program's first import of node:fs as an ES module is what builds that namespace; the entry
  // must leave it unbuilt. Checked by where the entry's code asks for node:fs: nowhere but through
  // getBuiltinModule or require.
  const text = readFileSync(path.join(pkg, "node.mjs"), "utf8");
  assert.doesNotMatch(text, /from\s*["']node:fs["']|import\(\s*["']node:fs["']\s*\)/);
  assert.match(text, /getBuiltinModule/);
});

test("import and a signature leave Node's perf_hooks unloaded: the clock is chosen on first use (reading the global performance loads them, 1 to 2 ms)", () => {
  for (const format of ["esm", "cjs"]) {
    const loaded = `process.moduleLoadList.includes("NativeModule perf_hooks")`;
    const out = run(`out.atStart = ${loaded}; out.signature = ${SIGN}; out.afterSigning = ${loaded};`, { format });
    assert.deepEqual(out, { atStart: false, signature: VECTOR_SIGNATURE, afterSigning: false }, format);
  }
});

test("a proxy's wasm that is missing is reported by the call that needed it, naming the file, even as the first use", () => {
  withoutFile("mps_aigc_proxy_bg.wasm", (dir) => {
    const out = run(
      `try { lib.mintProxyToken({ tokenSecret: "loading-test-secret-EXAMPLE-0123456789", subject: "u" }); } catch (e) { out.code = e.code; out.message = e.message; }
       try { ${SIGN}; } catch (e) { out.signCode = e.code; out.signMessage = e.message; }
       out.status = ${DESCRIBE};`,
      { dir },
    );
    assert.equal(out.code, "ClientNotReady");
    assert.match(out.message, /^mintProxyToken needs the signing proxy's WebAssembly, which could not be loaded \(not found: .*mps_aigc_proxy_bg\.wasm;/);
    assert.equal(out.signCode, "ClientNotReady");
    assert.match(out.signMessage, /^signTc3 needs mps_aigc_proxy_bg\.wasm, on which it runs in Node, which could not be loaded \(not found: \/\S*\/mps_aigc_proxy_bg\.wasm; a bundled/);
    assert.equal(out.status, "WAIT", "the client's wasm still loads");
  });
});

test("ready(path) of a page's wasm (as bundles shipped before Node clients had their own) serves signTc3 and redactSecrets too: one file read", () => {
  withoutFile("mps_aigc_proxy_bg.wasm", (dir) => {
    const out = run(
      `await lib.ready(${JSON.stringify(path.join(dir, "mps_aigc_bg.wasm"))});
       out.signature = ${SIGN};
       out.redacted = lib.redactSecrets("key: Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", ["Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"]);
       out.advice = lib.adviseAigcVideoTask({ Prompt: "x", ModelName: "Kling", Duration: 99 }).map((a) => a.field).join();
       out.status = ${DESCRIBE};
       out.reads = reads();`,
      { dir },
    );
    assert.deepEqual(out, { signature: VECTOR_SIGNATURE, redacted: "key: ** REDACTED **", advice: "Duration", status: "WAIT", reads: "mps_aigc_bg.wasm" });
  });
});

test("a wasm file that is missing is reported by the call that needed it, naming the file; the other still loads", () => {
  withoutFile("mps_aigc_node_bg.wasm", (dir) => {
    const out = run(
      `out.status = ${DESCRIBE};
       out.again = await new lib.MpsClient(${KEYS}).describe("4-AigcVideo-x").catch((e) => e.code);
       out.signature = ${SIGN};
       out.proxy = typeof ${PROXY};`,
      { dir },
    );
    assert.match(out.status, /^ClientNotReady: could not load the WebAssembly module: not found: .*mps_aigc_node_bg\.wasm;/);
    assert.equal(out.again, "ClientNotReady");
    assert.equal(out.signature, VECTOR_SIGNATURE, "signTc3 runs on the proxy's wasm");
    assert.equal(out.proxy, "function");
  });
});

// The browser entry fetches its wasm: here from disk, a little late, as over a network; the proxy's
// wasm fails to arrive `globalThis.proxyWasmFailures` times first.
const FETCH_FROM_DISK = `
  import { readFileSync } from "node:fs";
  import { fileURLToPath } from "node:url";
  globalThis.fetch = async (url) => {
    const file = new URL(String(url));
    if (file.protocol !== "file:") throw new Error("no network here");
    await new Promise((resolve) => setTimeout(resolve, 30));
    if (file.pathname.endsWith("_proxy_bg.wasm") && globalThis.proxyWasmFailures-- > 0) throw new Error("connection reset");
    return new Response(readFileSync(fileURLToPath(file)), { headers: { "Content-Type": "application/wasm" } });
  };`;
const COLD_PROXY = `
  await lib.ready(); // the client's wasm: the proxy's is fetched when the first request needs it
  let upstream = 0;
  const proxy = lib.createSigningProxy({ ...${KEYS}, upstream: "http://127.0.0.1:9", proxyTokens: ["loading-test-token-EXAMPLE-0123456789"],
    limits: { createsPerMinute: 1, createsPerDay: 1 },
    fetch: async () => new Response(JSON.stringify({ Response: { TaskId: "t-" + ++upstream, RequestId: "r" } })) });
  const send = () => proxy(new Request("http://p/", { method: "POST", body: '{"Prompt":"x"}',
    headers: { Authorization: "Bearer loading-test-token-EXAMPLE-0123456789", "X-TC-Action": "CreateAigcVideoTask" } })).then((r) => r.status);`;

test("browser entry: requests that arrive while the proxy's wasm loads share one proxy, and so one quota", () => {
  const out = run(`${COLD_PROXY}
    out.statuses = await Promise.all(Array.from({ length: 6 }, send));
    out.upstream = upstream;`, { format: "browser", prelude: FETCH_FROM_DISK });
  assert.deepEqual(out.statuses.sort(), [200, 429, 429, 429, 429, 429], "a limit of 1 a day");
  assert.equal(out.upstream, 1);
});

test("browser entry: when the proxy's wasm fails to load, the requests waiting get a 500 and a later one loads it again", () => {
  const out = run(`globalThis.proxyWasmFailures = 1; ${COLD_PROXY}
    out.first = await Promise.all(Array.from({ length: 3 }, send));
    out.later = await Promise.all(Array.from({ length: 2 }, send));
    out.upstream = upstream;`, { format: "browser", prelude: FETCH_FROM_DISK });
  assert.deepEqual(out.first, [500, 500, 500]);
  assert.deepEqual(out.later.sort(), [200, 429]);
  assert.equal(out.upstream, 1);
});
