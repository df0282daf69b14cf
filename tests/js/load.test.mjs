// Load and memory soak:
//
// - MPS_LOAD_WAITS (default 1000) concurrent waits against one mock, from one client with the
//   default rate limits: every wait ends DONE, the mock never sees more than 50 describes in any
//   second and never has to throttle. About 25 seconds at the default size.
// - Memory stays flat over MPS_SOAK_CALLS (default 100000) calls: describes, creates, waits,
//   signatures, advice, validation failures and aborted calls through an in-memory fetch; and over
//   MPS_SOAK_CLIENTS (default 10000) clients made, used once and dropped (wasm-bindgen frees them
//   through a FinalizationRegistry after GC). After a warm-up of a tenth of the work the wasm
//   memory may grow by one 64 KiB page at most and the JS heap (after GC) by a few MB.
//
// The heap is measured after `global.gc()`, which needs `--expose-gc`; node:test runs this file in
// a process without it, so the soak then runs in a child `node --expose-gc` running this same file
// with MPS_SOAK_CHILD set, which prints its figures as one JSON line.
//
// For a long soak: MPS_SOAK_CALLS=2000000 MPS_SOAK_CLIENTS=200000 MPS_LOAD_WAITS=5000 node --test tests/js/load.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { lib, KEYS, startMockMps, clientFor } from "./helpers.mjs";

const { MpsClient, MpsError, signTc3, adviseAigcVideoTask, wasmMemoryBytes } = lib;
const CREATE = "CreateAigcVideoTask";
const DESCRIBE = "DescribeAigcVideoTask";
const WAITS = Number(process.env.MPS_LOAD_WAITS ?? 1000);
const SOAK_CALLS = Number(process.env.MPS_SOAK_CALLS ?? 100_000);
const SOAK_CLIENTS = Number(process.env.MPS_SOAK_CLIENTS ?? 10_000);
/** Growth allowed after the warm-up. */
const WASM_PAGE = 64 * 1024;
const HEAP_SLACK = Number(process.env.MPS_SOAK_HEAP_SLACK ?? 4 * 1024 * 1024);
const MiB = (n) => `${(n / 1048576).toFixed(2)} MiB`;

// ---------------------------------------------------------------------------------------------
// The soak itself (in this process when gc() is available, else in a child).

const vector = JSON.parse(readFileSync(new URL("../vectors/tc3.json", import.meta.url), "utf8")).vectors[0];
const signOptions = {
  secretId: vector.input.secret_id,
  secretKey: vector.input.secret_key,
  service: vector.input.service,
  host: vector.input.host,
  action: vector.input.action,
  version: vector.input.version,
  timestamp: vector.input.timestamp,
  body: vector.input.body,
};

const DESCRIBED = JSON.stringify({
  Response: { Status: "DONE", VideoUrls: ["https://video.example/v.mp4"], Resolution: "1920x1080", Message: "", RequestId: "r-describe" },
});
const CREATED = JSON.stringify({ Response: { TaskId: "4-AigcVideo-soak", RequestId: "r-create" } });

/**
 * An in-memory fetch: answers every create and describe at once, except a describe of the task
 * "hang", which answers only by rejecting when its request is aborted (as fetch does).
 */
function fakeFetch(url, init) {
  if (init.headers["X-TC-Action"] === CREATE) return Promise.resolve(new Response(CREATED));
  if (new TextDecoder().decode(init.body).includes('"hang"')) {
    return new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(init.signal.reason), { once: true }));
  }
  return Promise.resolve(new Response(DESCRIBED));
}

const fakeClient = () =>
  new MpsClient({ ...KEYS, endpoint: "http://127.0.0.1:9", region: "ap-guangzhou", fetch: fakeFetch, rateLimit: false });

/** One call of the mix, by its number; resolves when it has ended (as expected, or it throws). */
async function oneCall(client, i) {
  switch (i % 10) {
    case 0:
    case 1:
    case 2: {
      const r = await client.describe("4-AigcVideo-soak");
      if (r.Status !== "DONE") throw new Error(`describe gave ${r.Status}`);
      return;
    }
    case 3: {
      const r = await client.create({ ModelName: "Kling", Prompt: `a cat, take ${i}`, Duration: 5, ExtraParameters: { Resolution: "1080P" } });
      if (r.TaskId !== "4-AigcVideo-soak") throw new Error(`create gave ${r.TaskId}`);
      return;
    }
    case 4: {
      const r = await client.wait("4-AigcVideo-soak", { intervalMs: 10 });
      if (r.Status !== "DONE") throw new Error(`wait gave ${r.Status}`);
      return;
    }
    case 5:
      if (signTc3(signOptions).signature !== vector.expected.signature) throw new Error("wrong signature");
      return;
    case 6:
      if (adviseAigcVideoTask({ ModelName: "Kling", Prompt: "x", Duration: 7 }).length !== 1) throw new Error("wrong advice");
      return;
    case 7: {
      // A validation failure: no Prompt and no image.
      const e = await client.create({ ModelName: "Kling" }).then(() => null, (error) => error);
      if (!(e instanceof MpsError) || e.code !== "MissingParameter") throw new Error(`validation gave ${e}`);
      return;
    }
    case 8: {
      // Aborted before it starts.
      const reason = new Error("cancelled before");
      const e = await client.describe("4-AigcVideo-soak", { signal: AbortSignal.abort(reason) }).then(() => null, (error) => error);
      if (e !== reason) throw new Error(`an aborted call gave ${e}`);
      return;
    }
    case 9: {
      // Aborted while its request is in flight (the fake fetch holds it until then).
      const controller = new AbortController();
      const pending = client.describe("hang", { signal: controller.signal }).then(() => null, (error) => error);
      await new Promise((resolve) => setImmediate(resolve));
      controller.abort("cancelled in flight");
      const e = await pending;
      if (e !== "cancelled in flight") throw new Error(`an abort in flight gave ${e}`);
      return;
    }
  }
}

/** Collects garbage until the heap settles, letting FinalizationRegistry callbacks run between. */
async function settle() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  globalThis.gc();
}

/**
 * Runs `total` units of `work(from, to)`: a tenth as a warm-up (at least `minWarmUp`, rounded up to
 * a multiple of `cycle`, the units between two garbage collections), then the rest, measured.
 */
async function soak(total, work, { minWarmUp = 1, cycle = 1 } = {}) {
  const warmUp = Math.min(total - 1, Math.ceil(Math.max(minWarmUp, total / 10) / cycle) * cycle);
  await work(0, warmUp);
  await settle();
  const before = { wasm: wasmMemoryBytes(), heap: process.memoryUsage().heapUsed };
  const started = performance.now();
  await work(warmUp, total);
  const seconds = (performance.now() - started) / 1000;
  await settle();
  const after = { wasm: wasmMemoryBytes(), heap: process.memoryUsage().heapUsed };
  return { units: total, warmUp, measured: total - warmUp, seconds, before, after };
}

/** The calls soak: `SOAK_CALLS` calls from one client, 50 at a time. */
function soakCalls() {
  const client = fakeClient();
  return soak(SOAK_CALLS, async (from, to) => {
    for (let i = from; i < to; i += 50) {
      const batch = [];
      for (let j = i; j < Math.min(i + 50, to); j++) batch.push(oneCall(client, j));
      await Promise.all(batch);
    }
  });
}

/**
 * The clients soak: `SOAK_CLIENTS` clients, each made, used for one call and dropped, 100 at a time,
 * with a garbage collection every 500 (so that the wasm memory holds at most 500 dead clients
 * waiting for their FinalizationRegistry callbacks; the warm-up covers two such cycles).
 */
function soakClients() {
  const cycle = 500;
  return soak(
    SOAK_CLIENTS,
    async (from, to) => {
      for (let i = from; i < to; i += 100) {
        const batch = [];
        for (let j = i; j < Math.min(i + 100, to); j++) batch.push(oneCall(fakeClient(), j % 5 === 0 ? 4 : j));
        await Promise.all(batch);
        if ((i + 100) % cycle === 0) await settle();
      }
    },
    { minWarmUp: 2 * cycle, cycle },
  );
}

const SOAKS = { calls: soakCalls, clients: soakClients };

/** Runs a soak here when gc() is available, else in a child `node --expose-gc`. */
function runSoak(kind) {
  if (typeof globalThis.gc === "function") return SOAKS[kind]();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--expose-gc", fileURLToPath(import.meta.url)],
      { env: { ...process.env, MPS_SOAK_CHILD: kind }, maxBuffer: 1 << 20, timeout: 20 * 60_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`the ${kind} soak failed: ${error.message}\n${stderr}`));
        const line = stdout.split("\n").find((l) => l.startsWith("{"));
        if (!line) return reject(new Error(`the ${kind} soak printed no figures:\n${stdout}\n${stderr}`));
        resolve(JSON.parse(line));
      },
    );
  });
}

function checkFlat(kind, r) {
  const wasmGrowth = r.after.wasm - r.before.wasm;
  const heapGrowth = r.after.heap - r.before.heap;
  console.log(
    `${kind} soak: ${r.units} (${r.warmUp} warm-up + ${r.measured} measured) in ${r.seconds.toFixed(1)} s ` +
      `(${Math.round(r.measured / r.seconds)}/s); wasm memory ${r.before.wasm} -> ${r.after.wasm} bytes (${wasmGrowth >= 0 ? "+" : ""}${wasmGrowth}); ` +
      `JS heap ${MiB(r.before.heap)} -> ${MiB(r.after.heap)} (${heapGrowth >= 0 ? "+" : ""}${MiB(heapGrowth)})`,
  );
  assert.ok(wasmGrowth <= WASM_PAGE, `the wasm memory grew by ${wasmGrowth} bytes over ${r.measured} ${kind}`);
  assert.ok(heapGrowth <= HEAP_SLACK, `the JS heap grew by ${MiB(heapGrowth)} over ${r.measured} ${kind}`);
}

// ---------------------------------------------------------------------------------------------

if (process.env.MPS_SOAK_CHILD) {
  // The child: one soak, its figures as one JSON line.
  const result = await SOAKS[process.env.MPS_SOAK_CHILD]();
  console.log(JSON.stringify(result));
} else {
  test(`${WAITS} concurrent waits against one mock stay within 50 describes a second, and all end DONE`, { timeout: Math.max(120_000, WAITS * 200) }, async () => {
    const mock = await startMockMps(); // the real limits: 10 creates and 50 describes per second
    try {
      const client = clientFor(mock); // the default rate limits
      // Made directly at the mock: creating them through the API would take WAITS / 10 seconds.
      const ids = Array.from({ length: WAITS }, () => mock.addTask({ waitMs: 0, runMs: 3000 }));
      const wasmBefore = wasmMemoryBytes();
      const started = performance.now();
      const updates = { n: 0 };
      const results = await Promise.all(ids.map((id) => client.wait(id, { onUpdate: () => updates.n++ })));
      const seconds = (performance.now() - started) / 1000;
      const describes = mock.calls(DESCRIBE).length;
      const most = mock.maxInWindow(DESCRIBE);
      const throttled = mock.requests.filter((r) => r.throttled).length;
      console.log(
        `${WAITS} concurrent waits: ${seconds.toFixed(1)} s wall time, ${describes} describes ` +
          `(${(describes / seconds).toFixed(1)}/s, ${(describes / WAITS).toFixed(2)} per wait), at most ${most} in one second, ${throttled} throttled; ` +
          `wasm memory ${wasmBefore} -> ${wasmMemoryBytes()} bytes`,
      );
      assert.equal(results.length, WAITS);
      assert.ok(results.every((r) => r.Status === "DONE"), "every wait ended DONE");
      assert.equal(new Set(results.map((r) => r.VideoUrls[0])).size, WAITS, "each wait got its own task's result");
      assert.equal(updates.n, describes, "one onUpdate per describe");
      assert.ok(most <= 50, `at most 50 describes in any second at the mock, saw ${most}`);
      assert.equal(throttled, 0, "the mock never had to throttle");
      assert.ok(describes >= WAITS, `${describes} describes for ${WAITS} waits`);
      // With enough waits to keep it busy, the pacer used the limit rather than idling: at least
      // 80% of 50 a second.
      if (WAITS >= 250) assert.ok(describes / seconds >= 40, `${(describes / seconds).toFixed(1)} describes a second`);
    } finally {
      await mock.close();
    }
  });

  test(`memory stays flat over ${SOAK_CALLS} calls (describe, create, wait, sign, advise, refusals, aborts)`, { timeout: 20 * 60_000 }, async () => {
    checkFlat("calls", await runSoak("calls"));
  });

  test(`memory stays flat over ${SOAK_CLIENTS} clients made, used once and dropped`, { timeout: 20 * 60_000 }, async () => {
    checkFlat("clients", await runSoak("clients"));
  });
}
