// Durable tasks one behaviour at a time: one task per key, an unknown create never re-sent by
// itself, refusals that name the field, get / list / wait, copies that survive broken downloads,
// and webhooks that survive a receiver that is down.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { WEBHOOK_SECRET, eventually, startAll, startFleet, startReceiver, stopAll, storageDir } from "./harness.mjs";

let mock;
let receiver;
let fleet;
let all;

before(async () => {
  all = await startAll("tasks");
  ({ mock, receiver, fleet } = all);
});
after(() => stopAll(all));

const createsOf = (prompt) => mock.calls("CreateAigcVideoTask").filter((r) => JSON.parse(r.body).Prompt === prompt);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("50 concurrent submits with one key, from two Workers, create one task", async () => {
  const submits = Array.from({ length: 25 }, () => ({ request: { Prompt: "one of fifty" }, options: { key: "fifty" } }));
  const [fromA, fromB] = await Promise.all([fleet.a("/submit-many", { submits }), fleet.b("/submit-many", { submits })]);
  const records = [...fromA.value, ...fromB.value];
  assert.equal(records.length, 50);
  for (const r of records) assert.equal(r.key, "fifty", JSON.stringify(r));
  const done = await fleet.a("/wait?key=fifty");
  assert.equal(done.value.status, "DONE");
  await sleep(300);
  assert.equal(createsOf("one of fifty").length, 1, "creates at the mock");
  // The same key again, after it is done: the same record, still one create.
  const again = await fleet.b("/submit", { request: { Prompt: "one of fifty" }, options: { key: "fifty" } });
  assert.equal(again.value.TaskId, done.value.TaskId);
  assert.equal(createsOf("one of fifty").length, 1);
  // The key reused for something else is refused, not ignored.
  for (const [request, options] of [
    [{ Prompt: "another prompt" }, { key: "fifty" }],
    [{ Prompt: "one of fifty" }, { key: "fifty", kind: "image" }],
    [{ Prompt: "one of fifty" }, { key: "fifty", notify: { url: receiver.url, secret: WEBHOOK_SECRET } }],
  ]) {
    const refused = await fleet.a("/submit", { request, options });
    assert.equal(refused.error?.code, "KeyConflict", JSON.stringify(refused));
  }
});

test("a dropped create ends UNKNOWN, is never sent again by itself, and retry sends it once", async () => {
  mock.fault({ kind: "drop-after-create", action: "CreateAigcVideoTask" });
  await fleet.a("/submit", { request: { Prompt: "dropped" }, options: { key: "dropped" } });
  const unknown = await fleet.b("/wait?key=dropped");
  assert.equal(unknown.value.status, "UNKNOWN", JSON.stringify(unknown));
  assert.equal(unknown.value.maybeCreated, true);
  assert.equal(unknown.value.TaskId, null);
  await sleep(1500); // alarms come and go: nothing sends it again
  assert.equal(createsOf("dropped").length, 1);
  assert.equal((await fleet.a("/get?key=dropped")).value.status, "UNKNOWN");

  const retried = await fleet.b("/retry?key=dropped");
  assert.equal(retried.value.status, "PENDING");
  const done = await fleet.a("/wait?key=dropped");
  assert.equal(done.value.status, "DONE");
  assert.equal(createsOf("dropped").length, 2, "one create more, on purpose");
  const notAgain = await fleet.a("/retry?key=dropped");
  assert.equal(notAgain.error?.code, "InvalidParameter");
  assert.match(notAgain.error.message, /is DONE: only an UNKNOWN task is retried/);
});

test("retry while the UNKNOWN task's webhook is being delivered: the delivery ends first, then the create goes, once", { timeout: 60_000 }, async (t) => {
  // The running delivery writes its copy of the task when it ends; a retry written before that would
  // be undone (answered PENDING, never sent).
  const slow = await startReceiver();
  slow.delayMs = 2000;
  t.after(() => slow.close());
  mock.fault({ kind: "drop-after-create", action: "CreateAigcVideoTask" });
  const key = "retried-while-announced";
  await fleet.a("/submit", { request: { Prompt: key }, options: { key, notify: { url: slow.url, secret: WEBHOOK_SECRET } } });
  await eventually(() => slow.deliveries.some((d) => d.record?.key === key), 20_000, "the UNKNOWN announced");
  const retried = await fleet.b(`/retry?key=${key}`);
  assert.equal(retried.value?.status, "PENDING", JSON.stringify(retried));
  const done = await fleet.a(`/wait?key=${key}`);
  assert.equal(done.value.status, "DONE", JSON.stringify(done));
  assert.equal(createsOf(key).length, 2, "the dropped create and the retry");
});

test("bad submits are refused naming the field, and nothing is recorded", async () => {
  const cases = [
    [{ Prompt: "x" }, undefined, "MissingParameter", /submit options is required/],
    [{ Prompt: "x" }, {}, "MissingParameter", /^key is required/],
    [{ Prompt: "x" }, { key: "" }, "InvalidParameter", /^key must be 1 to 512 characters/],
    [{ Prompt: "x" }, { key: "bad-kind", kind: "movie" }, "InvalidParameter", /^kind must be one of "video", "image", "audio"/],
    [{ Prompt: "x", Duration: "long" }, { key: "bad-field" }, "InvalidParameter", /Duration/],
    [{}, { key: "no-prompt" }, "MissingParameter", /Prompt/],
    [{ Prompt: "x" }, { key: "bad-bucket", copyTo: { bucket: "NOPE" } }, "InvalidParameter", /^copyTo.bucket names no R2 bucket binding/],
    [{ Prompt: "x" }, { key: "bad-url", notify: { url: "ftp://127.0.0.1/", secret: WEBHOOK_SECRET } }, "InvalidParameter", /^notify.url must be an http/],
    [{ Prompt: "x" }, { key: "short-secret", notify: { url: receiver.url, secret: "short" } }, "InvalidParameter", /^notify.secret is required: a string of 16/],
    [{ Prompt: "x" }, { key: "stranger", keys: "x" }, "InvalidParameter", /^submit options.keys is not an option/],
    [{ Prompt: "x" }, { key: "slow-poll", poll: { intervalMs: 5 } }, "InvalidParameter", /^poll.intervalMs must be a number of milliseconds, at least 100/],
  ];
  for (const [request, options, code, message] of cases) {
    const refused = await fleet.a("/submit", { request, options });
    assert.equal(refused.error?.code, code, `${JSON.stringify(options)}: ${JSON.stringify(refused)}`);
    assert.match(refused.error.message, message);
    assert.doesNotMatch(refused.error.message, /short|webhook-secret/, "a secret in an error");
  }
  for (const key of ["bad-kind", "bad-field", "no-prompt", "bad-bucket", "bad-url", "short-secret", "stranger", "slow-poll"]) {
    assert.equal((await fleet.b(`/get?key=${key}`)).value, null, `${key} was recorded`);
  }
});

test("get, list with a cursor and a status, and wait with a deadline or an abort", async () => {
  assert.equal((await fleet.a("/get?key=never")).value, null);
  const missing = await fleet.a("/wait?key=never");
  assert.equal(missing.error?.code, "ResourceNotFound");

  mock.nextTask({ runMs: 4000 });
  await fleet.a("/submit", { request: { Prompt: "slow" }, options: { key: "slow", poll: { intervalMs: 300 } } });
  const timedOut = await fleet.b("/wait?key=slow&timeoutMs=700");
  assert.equal(timedOut.error?.name, "WaitTimeoutError", JSON.stringify(timedOut));
  assert.equal(timedOut.error.code, "WaitTimeout");
  assert.ok(["PENDING", "WAIT", "RUN"].includes(timedOut.error.lastStatus));
  const aborted = await fleet.b("/wait-aborted?key=slow&abortMs=300");
  assert.equal(aborted.error?.name, "TimeoutError", JSON.stringify(aborted));

  for (let i = 0; i < 5; i++) await fleet.b("/submit", { request: { Prompt: `listed ${i}` }, options: { key: `listed-${i}` } });
  const seen = [];
  let cursor = null;
  do {
    const page = await fleet.a("/list", { limit: 2, ...(cursor ? { cursor } : {}) });
    assert.ok(page.value.records.length <= 2);
    seen.push(...page.value.records.map((r) => r.key));
    cursor = page.value.cursor;
  } while (cursor);
  assert.equal(new Set(seen).size, seen.length, "a record listed twice");
  for (let i = 0; i < 5; i++) assert.ok(seen.includes(`listed-${i}`));
  for (let i = 0; i < 5; i++) await fleet.a(`/wait?key=listed-${i}`);
  const done = await fleet.a("/list", { status: "DONE", limit: 1000 });
  assert.ok(done.value.records.every((r) => r.status === "DONE"));
  assert.ok(done.value.records.some((r) => r.key === "listed-4"));
  assert.equal((await fleet.a("/list", { status: "done" })).error?.code, "InvalidParameter");
  assert.equal((await fleet.a("/list", { limit: 0 })).error?.code, "InvalidParameter");
  const slow = await fleet.a("/wait?key=slow");
  assert.equal(slow.value.status, "DONE");
  assert.ok(slow.value.polls >= 3, `${slow.value.polls} polls at 300 ms for a 4 s task`);
});

test("every output is copied to R2 whatever the downloads do: an error, a cut, no length", async () => {
  mock.assetFault({ kind: "http", status: 503 });
  mock.assetFault({ kind: "truncated" });
  mock.assetFault({ kind: "chunked" }); // no Content-Length: R2's multipart upload
  mock.nextTask({ runMs: 100 });
  await fleet.a("/submit", {
    request: { Prompt: "three images", OutputImageCount: 3 },
    options: { key: "images", kind: "image", copyTo: { bucket: "VIDEOS", prefix: "img/" } },
  });
  const done = await fleet.b("/wait?key=images");
  assert.equal(done.value.status, "DONE", JSON.stringify(done));
  assert.deepEqual(done.value.stored, ["img/images/1.png", "img/images/2.png", "img/images/3.png"]);
  assert.equal(done.value.copyError, null);
  for (const [i, key] of done.value.stored.entries()) {
    const object = await fleet.r2.get(key);
    const bytes = Buffer.from(await object.arrayBuffer());
    assert.ok(bytes.equals(mock.assetBytes(done.value.result.ImageUrls[i])), `${key} differs`);
    assert.equal(object.httpMetadata.contentType, "image/png");
  }
  const faults = mock.downloads.map((d) => d.fault).filter(Boolean);
  assert.deepEqual(faults, ["http", "truncated", "chunked"]);
});

test("a webhook receiver that fails, then is gone, then is back: each delivery arrives, same id, same bytes", async () => {
  receiver.down = true; // answers 503
  await fleet.a("/submit", {
    request: { Prompt: "announced" },
    options: { key: "announced", notify: { url: receiver.url, secret: WEBHOOK_SECRET } },
  });
  await fleet.a("/wait?key=announced");
  await eventually(() => receiver.deliveries.filter((d) => d.record?.key === "announced").length >= 2, 10_000, "two failed attempts");
  await receiver.close(); // connection refused
  await sleep(1500);
  receiver.down = false;
  await receiver.listen(receiver.port);
  const accepted = await eventually(() => receiver.accepted().get("announced"), 30_000, "the delivery once the receiver is back");
  const attempts = receiver.deliveries.filter((d) => d.record?.key === "announced");
  assert.ok(attempts.length >= 3);
  assert.ok(attempts.every((d) => d.valid && d.id === accepted.id), "every attempt is one delivery, signed");
  // The id and the first attempt's time are under the signature, in the body.
  const first = attempts[0];
  assert.ok(attempts.every((d) => d.record.delivery.firstAttemptAt === first.record.delivery.firstAttemptAt));
  assert.ok(Math.abs(first.record.delivery.firstAttemptAt - first.at) < 5_000, "the first attempt's time, in ms");
  assert.ok(attempts.every((d) => JSON.stringify(d.record) === JSON.stringify(accepted.record)), "the same body every time");
  assert.equal(accepted.record.status, "DONE");
  const record = await eventually(async () => (await fleet.b("/get?key=announced")).value.deliveredAt && (await fleet.b("/get?key=announced")).value, 5000, "deliveredAt");
  assert.equal(record.deliveryError, null);
});

test("a FAIL is recorded and announced; copies and webhooks that never succeed give up and say so", { timeout: 60_000 }, async (t) => {
  // A coordinator whose retries end within a second and a half (12 and 24 hours by default).
  const quick = await startFleet({
    storage: storageDir("tasks-give-up"),
    env: { MPS_ENDPOINT: mock.url, MPS_COPY_RETRY_MS: "1500", MPS_NOTIFY_RETRY_MS: "1500" },
  });
  t.after(() => quick.dispose());
  const gone = await startReceiver();
  await gone.close(); // nobody listens there

  mock.nextTask({ outcome: "FAIL", message: "the model refused" });
  await quick.a("/submit", {
    request: { Prompt: "will fail" },
    options: { key: "failed", notify: { url: receiver.url, secret: WEBHOOK_SECRET } },
  });
  const failed = await quick.b("/wait?key=failed");
  assert.equal(failed.value.status, "FAIL");
  assert.equal(failed.value.error.code, "TaskFailed");
  assert.match(failed.value.error.message, /the model refused/);
  const announced = await eventually(() => receiver.accepted().get("failed"), 10_000, "the FAIL announced");
  assert.equal(announced.record.status, "FAIL");

  for (let i = 0; i < 50; i++) mock.assetFault({ kind: "http", status: 404 });
  await quick.a("/submit", {
    request: { Prompt: "never copied, never heard" },
    options: { key: "given-up", copyTo: { bucket: "VIDEOS" }, notify: { url: gone.url, secret: WEBHOOK_SECRET } },
  });
  const done = await quick.b("/wait?key=given-up");
  assert.equal(done.value.status, "DONE");
  assert.deepEqual(done.value.stored, []);
  assert.equal(done.value.copyError.code, "CopyFailed");
  assert.match(done.value.copyError.message, /gave up when the result URLs expired: .*HTTP 404/);
  const record = await eventually(async () => {
    const { value } = await quick.a("/get?key=given-up");
    return /^gave up/.test(value.deliveryError?.message) && value;
  }, 10_000, "the delivery given up");
  assert.equal(record.deliveredAt, null);
  assert.equal(record.deliveryError.code, "DeliveryFailed");
  assert.match(record.deliveryError.message, /^gave up after \d+ attempts: the receiver could not be reached/);
  assert.ok(record.deliveryError.attempts >= 2);
  mock.assetFaults.length = 0;
});
