// Two Workers (two isolates, "a" and "b") bound to one MpsCoordinator and one R2 bucket, in workerd
// through Miniflare, against the local mock of MPS; and a local webhook receiver. Everything
// listens on 127.0.0.1. Storage persists in a folder, so a fleet can be stopped and started again.
import { createHmac, timingSafeEqual } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { EXAMPLE_CREDENTIALS, startMockMps } from "../../mock/mps-mock.mjs";
import { bundleWorker, workerOptions } from "../../tools/workerd.mjs";

const root = path.resolve(fileURLToPath(import.meta.url), "../../..");
export const PROXY_TOKEN = "proxy-token-for-tests-0123456789";
export const WEBHOOK_SECRET = "webhook-secret-for-tests-0123456789";

const bundled = new Map();
/**
 * A Worker (by default the tests' own, else e.g. "www/worker.mjs"), bundled once per process with
 * the package built in pkg/, its entries as the "workerd" condition picks them.
 */
export function bundle(entry = "tests/cloudflare/worker.mjs") {
  if (!bundled.has(entry)) {
    bundled.set(
      entry,
      bundleWorker({
        entry: path.join(root, entry),
        outDir: path.join(root, "target/cloudflare-worker", path.basename(path.dirname(entry))),
        alias: { "mps-aigc/cloudflare": path.join(root, "pkg/cloudflare.mjs"), "mps-aigc": path.join(root, "pkg/workerd.mjs") },
      }),
    );
  }
  return bundled.get(entry);
}

/** A fresh folder for one test's storage. */
export function storageDir(name) {
  const dir = path.join(root, "target/cloudflare-storage", name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Starts the two Workers. `env` adds to the bindings (MPS_ENDPOINT: the mock's URL is required).
 * @returns {Promise<{ a, b, r2, mf, dispose }>} `a(path, body?)` and `b(...)` call a Worker's route
 *   and return its JSON; `r2` is the bucket as Miniflare sees it.
 */
export async function startFleet({ storage, env, entry }) {
  const { script } = await bundle(entry);
  const bindings = {
    TENCENTCLOUD_SECRET_ID: EXAMPLE_CREDENTIALS.secretId,
    TENCENTCLOUD_SECRET_KEY: EXAMPLE_CREDENTIALS.secretKey,
    PROXY_TOKEN,
    MPS_BACKOFF_MS: "200",
    ...env,
  };
  const worker = (name, durableObject) => ({
    name,
    ...workerOptions(script, bindings),
    durableObjects: { MPS_COORDINATOR: durableObject },
    r2Buckets: ["VIDEOS"],
  });
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    durableObjectsPersist: path.join(storage, "do"),
    r2Persist: path.join(storage, "r2"),
    workers: [
      worker("a", { className: "MpsCoordinator", useSQLite: true }),
      worker("b", { className: "MpsCoordinator", scriptName: "a", useSQLite: true }),
    ],
  });
  await mf.ready;
  const [wa, wb] = await Promise.all([mf.getWorker("a"), mf.getWorker("b")]);
  const caller = (w) => async (route, body) => {
    const response = await w.fetch(`http://fleet${route}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`${route} answered ${response.status}: ${text.slice(0, 300)}`);
    }
  };
  return {
    mf,
    a: caller(wa),
    b: caller(wb),
    workerA: wa,
    workerB: wb,
    r2: await mf.getR2Bucket("VIDEOS"),
    dispose: () => mf.dispose(),
  };
}

/**
 * A webhook receiver: records every delivery with whether its signature holds. `down` makes it
 * answer 503 (a receiver that is up but failing), `delayMs` slow; `close()`/`listen()` take it off
 * the network.
 */
export async function startReceiver() {
  const receiver = {
    deliveries: [],
    down: false,
    /** How long each answer is held back (a slow receiver). */
    delayMs: 0,
    url: "",
    server: undefined,
    async listen(port = 0) {
      this.server = createServer((req, res) => {
        const chunks = [];
        req.on("data", (c) => chunks.push(c));
        req.on("end", () => {
          const body = Buffer.concat(chunks);
          const expected = `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex")}`;
          const given = String(req.headers["x-mps-signature"] ?? "");
          const signed = given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
          let record;
          try {
            record = JSON.parse(body.toString("utf8"));
          } catch {}
          // As the README's receiver: the id it drops repeats by is the signed one, in the body.
          const id = req.headers["x-mps-delivery"];
          const valid = signed && typeof id === "string" && record?.delivery?.id === id;
          this.deliveries.push({ at: Date.now(), id, valid, record, accepted: !this.down });
          const status = this.down ? 503 : 204;
          if (this.delayMs > 0) setTimeout(() => res.writeHead(status).end(), this.delayMs);
          else res.writeHead(status).end();
        });
      });
      await new Promise((resolve) => this.server.listen(port, "127.0.0.1", resolve));
      this.port = this.server.address().port;
      this.url = `http://127.0.0.1:${this.port}/hook`;
    },
    close() {
      this.server.closeAllConnections?.();
      return new Promise((resolve) => this.server.close(resolve));
    },
    /** Accepted deliveries, by key of the record they carried. */
    accepted() {
      const out = new Map();
      for (const d of this.deliveries) if (d.accepted && d.record) out.set(d.record.key, d);
      return out;
    },
  };
  await receiver.listen();
  return receiver;
}

/** Polls `fn` until it returns something truthy, or fails after `ms`. */
export async function eventually(fn, ms, what) {
  const until = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > until) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The most events (times in ms) inside any window [t, t + windowMs). */
export function maxInWindow(times, windowMs = 1000) {
  const sorted = [...times].sort((x, y) => x - y);
  let most = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while (sorted[j] - sorted[i] >= windowMs) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

/** What most test files run against: a mock of their own, a webhook receiver, and a fleet on them. */
export async function startAll(name) {
  const mock = await startMockMps({ distinctAssets: true });
  const receiver = await startReceiver();
  const fleet = await startFleet({ storage: storageDir(name), env: { MPS_ENDPOINT: mock.url } });
  return { mock, receiver, fleet };
}

/** Stops what startAll started (any of it may be missing, if starting failed). */
export async function stopAll({ mock, receiver, fleet } = {}) {
  await fleet?.dispose();
  await mock?.close();
  await receiver?.close();
}
