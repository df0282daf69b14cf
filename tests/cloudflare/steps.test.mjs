// The durable task's copy step, run in Node with a bucket of our own: what workerd's alarm runs
// (tasks.test.mjs copies through R2 in Miniflare). An alarm may run for 15 minutes and one download
// may take 10, so each step copies one output, and the next is due at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { step } from "../../pkg/cloudflare/work.js";

/** An R2 bucket in memory: the multipart upload, which an output without a Content-Length takes. */
function bucket() {
  const objects = new Map();
  return {
    objects,
    async createMultipartUpload(key) {
      const parts = [];
      return {
        uploadPart: async (number, bytes) => (parts[number - 1] = Buffer.from(bytes), { partNumber: number }),
        complete: async () => void objects.set(key, Buffer.concat(parts)),
        abort: async () => {},
      };
    },
  };
}

function imageTask(urls) {
  return {
    key: "three",
    due: 0,
    record: { key: "three", TaskId: "4-AigcImage-1", status: "DONE", result: { ImageUrls: urls }, stored: [], copyError: null },
    work: { phase: "copy", kind: 1, copyTo: { bucket: "VIDEOS", prefix: "img/" }, doneAt: 0, attempts: 0 },
  };
}

test("a copy step copies one output, and the next is due at once; the last settles the task", async () => {
  const r2 = bucket();
  const fetched = [];
  let now = 1_000;
  const tools = {
    bucket: (name) => (assert.equal(name, "VIDEOS"), r2),
    // A stream without a length: the multipart path, which needs no FixedLengthStream (workerd's).
    fetch: async (url) => (fetched.push(url), new Response(new Blob([`bytes of ${url}`]).stream())),
    now: () => now,
    backoffMs: () => 5_000,
    retry: { copyForMs: 3_600_000 },
  };
  const urls = ["https://cos.example/1.png", "https://cos.example/2.png", "https://cos.example/3.png"];
  const task = imageTask(urls);
  assert.equal(task.work.phase, "copy");
  for (const n of [1, 2]) {
    now += 10;
    await step(task, tools);
    assert.deepEqual(fetched, urls.slice(0, n), `step ${n} downloads one output`);
    assert.deepEqual(task.record.stored, urls.slice(0, n).map((_, i) => `img/three/${i + 1}.png`));
    assert.deepEqual([task.work.phase, task.due], ["copy", now], `after step ${n}, the next output is due now`);
  }
  await step(task, tools);
  assert.deepEqual(fetched, urls);
  assert.deepEqual([task.work.phase, task.due, task.record.copyError], ["settled", null, null]);
  assert.equal(r2.objects.get("img/three/3.png").toString(), "bytes of https://cos.example/3.png");

  // A failed copy keeps what was stored, backs off, and the retry starts where it stopped.
  const broken = imageTask(urls);
  let fail = true;
  const flaky = { ...tools, fetch: async (url) => (fail && url.endsWith("2.png") ? new Response("gone", { status: 503 }) : tools.fetch(url)) };
  fetched.length = 0;
  await step(broken, flaky);
  await step(broken, flaky);
  assert.deepEqual([broken.record.stored.length, broken.work.attempts, broken.due], [1, 1, now + 5_000]);
  assert.match(broken.record.copyError.message, /output 2\.png answered HTTP 503/);
  fail = false;
  await step(broken, flaky);
  await step(broken, flaky);
  assert.deepEqual([broken.record.stored.length, broken.work.phase, broken.record.copyError], [3, "settled", null]);
  assert.deepEqual(fetched, [urls[0], urls[1], urls[2]], "the first output was not downloaded twice");
});

test("a webhook's last attempt comes when the retries end, and one begun by an older version is signed with its id", async () => {
  // The coordinator's wasm, as workerd.mjs loads it: notify signs with it.
  const { bootWhole } = await import("../../pkg/loader.js");
  const { instance } = await import("../../pkg/mps_aigc.js");
  const { readFileSync } = await import("node:fs");
  const { createHmac } = await import("node:crypto");
  bootWhole(instance, readFileSync(new URL("../../pkg/mps_aigc_proxy_bg.wasm", import.meta.url)));
  const SECRET = "webhook-secret-0123456789";
  const HOUR = 3_600_000;
  const heard = [];
  let now = 0;
  const tools = {
    fetch: async (url, init) => {
      heard.push({ at: now, id: init.headers["X-Mps-Delivery"], signature: init.headers["X-Mps-Signature"], body: init.body });
      return new Response(null, { status: 503 });
    },
    now: () => now,
    backoffMs: () => 20 * HOUR, // longer than what is left of the retries after the first
    retry: { notifyForMs: 24 * HOUR },
  };
  const record = { key: "k", status: "DONE", deliveredAt: null, deliveryError: null };
  const task = { key: "k", due: 0, record, work: { phase: "notify", notify: { url: "http://127.0.0.1:9/hook", secret: SECRET } } };
  for (;;) {
    now = task.due;
    await step(task, tools);
    if (task.work.phase === "settled") break;
  }
  assert.deepEqual(heard.map((h) => h.at / HOUR), [0, 20, 24], "the last attempt at 24 h, not 40");
  assert.match(record.deliveryError.message, /^gave up after 3 attempts/);
  for (const h of heard) {
    assert.equal(h.signature, `sha256=${createHmac("sha256", SECRET).update(h.body).digest("hex")}`);
    assert.deepEqual(JSON.parse(h.body).delivery, { id: h.id, firstAttemptAt: 0 });
  }

  // A delivery an older version began: its body was the record alone. It goes on with its id and
  // its first attempt's time, now under the signature.
  heard.length = 0;
  now = 20 * HOUR;
  const old = { key: "o", status: "FAIL", deliveredAt: null, deliveryError: null };
  const begun = { id: "begun-before-the-upgrade", body: JSON.stringify(old), firstAt: 5 * HOUR, attempts: 2 };
  const older = { key: "o", due: now, record: { ...old }, work: { phase: "notify", notify: { url: "http://127.0.0.1:9/hook", secret: SECRET }, delivery: begun } };
  await step(older, tools);
  assert.equal(heard.length, 1);
  assert.equal(heard[0].id, "begun-before-the-upgrade");
  assert.deepEqual(JSON.parse(heard[0].body), { ...old, delivery: { id: "begun-before-the-upgrade", firstAttemptAt: 5 * HOUR } });
  assert.equal(heard[0].signature, `sha256=${createHmac("sha256", SECRET).update(heard[0].body).digest("hex")}`);
  assert.deepEqual([older.work.delivery.attempts, older.due], [3, 5 * HOUR + 24 * HOUR], "and its retries end when they would have");
});
