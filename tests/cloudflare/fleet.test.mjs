// The coordinator at scale: two Workers (two isolates) submit 300 tasks at once through one
// coordinator. The account's limit holds at the mock in every sliding second, every task is DONE,
// copied to R2 byte for byte and announced with a valid signature; nothing is lost or created twice.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { WEBHOOK_SECRET, eventually, maxInWindow, startAll, stopAll } from "./harness.mjs";

const TASKS = 300;
const BATCH = 25;
let mock;
let receiver;
let fleet;
let all;

before(async () => {
  all = await startAll("fleet");
  ({ mock, receiver, fleet } = all);
});
after(() => stopAll(all));

const options = (key) => ({
  key,
  copyTo: { bucket: "VIDEOS", prefix: "aigc/" },
  notify: { url: receiver.url, secret: WEBHOOK_SECRET },
});

test(`${TASKS} tasks from two Workers: the limit holds, all DONE, stored, announced, none lost or doubled`, { timeout: 240_000 }, async () => {
  const keys = Array.from({ length: TASKS }, (_, i) => `fleet-${String(i).padStart(3, "0")}`);
  const started = Date.now();
  // Half through each Worker, in batches sent at once: 12 requests in flight, 300 submits.
  const batches = [];
  for (let i = 0; i < TASKS; i += BATCH) {
    const submits = keys.slice(i, i + BATCH).map((key) => ({ request: { Prompt: `a fleet of ${key}` }, options: options(key) }));
    batches.push((i / BATCH) % 2 ? fleet.b("/submit-many", { submits }) : fleet.a("/submit-many", { submits }));
  }
  const submitted = (await Promise.all(batches)).flatMap((r) => r.value);
  assert.equal(submitted.length, TASKS);
  for (const record of submitted) assert.equal(record.status, "PENDING", JSON.stringify(record));

  // Every task waited for, from both Workers at once.
  const records = await Promise.all(keys.map((key, i) => (i % 2 ? fleet.a : fleet.b)(`/wait?key=${key}&timeoutMs=200000`)));
  const elapsed = Date.now() - started;
  const failed = records.filter((r) => r.error || r.value.status !== "DONE");
  assert.deepEqual(failed.slice(0, 3), [], `${failed.length} tasks did not end DONE`);

  // At the mock: one create per key, never more than 10 in any sliding second, none refused.
  const creates = mock.calls("CreateAigcVideoTask");
  const prompts = creates.map((r) => r.json?.Prompt ?? JSON.parse(r.body).Prompt);
  assert.equal(new Set(prompts).size, TASKS, "every key created");
  assert.equal(creates.length, TASKS, `${creates.length - TASKS} duplicate creates`);
  const mostCreates = maxInWindow(creates.map((r) => r.at));
  assert.ok(mostCreates <= 10, `${mostCreates} creates in one sliding second`);
  const refused = mock.requests.filter((r) => (r.response ?? "").includes("RequestLimitExceeded")).length;
  assert.equal(refused, 0, "the mock refused requests for the rate limit");
  const describes = mock.calls("DescribeAigcVideoTask");
  assert.ok(maxInWindow(describes.map((r) => r.at)) <= 50, "describes kept to 50 a second");

  // In R2, byte for byte what the mock served for that task.
  for (const { value: record } of records) {
    assert.deepEqual(record.stored, [`aigc/${record.key}/1.mp4`]);
    const object = await fleet.r2.get(record.stored[0]);
    assert.ok(object, `no R2 object for ${record.key}`);
    const bytes = Buffer.from(await object.arrayBuffer());
    assert.ok(bytes.equals(mock.assetBytes(record.result.VideoUrls[0])), `R2 bytes differ for ${record.key}`);
    assert.equal(object.customMetadata.taskId, record.TaskId);
  }

  // Announced: one accepted delivery per key, signed, carrying the DONE record.
  const delivered = await eventually(() => {
    const accepted = receiver.accepted();
    return accepted.size === TASKS && accepted;
  }, 30_000, "every webhook delivered");
  assert.ok(receiver.deliveries.every((d) => d.valid), "a delivery with a bad signature");
  for (const key of keys) assert.equal(delivered.get(key).record.status, "DONE");
  const latencies = records.map(({ value: r }) => {
    const task = mock.tasks.get(r.TaskId);
    return delivered.get(r.key).at - (task.createdAt + task.waitMs + task.runMs);
  });
  latencies.sort((x, y) => x - y);

  const { value: stats } = await fleet.a("/stats");
  const calls = Object.values(stats.calls).reduce((n, c) => n + c, 0);
  const own = (stats.calls.submit ?? 0) + (stats.calls.alarm ?? 0);
  const lost = keys.length - records.filter((r) => r.value?.status === "DONE").length;
  console.log(
    `figure: ${TASKS} tasks in ${(elapsed / 1000).toFixed(1)} s; creates per sliding second max ${mostCreates}; ` +
      `tasks lost ${lost}; duplicate creates ${creates.length - TASKS}; describes per task ${(describes.length / TASKS).toFixed(2)}; ` +
      `Durable Object requests per task ${(calls / TASKS).toFixed(2)} (submit + alarms ${(own / TASKS).toFixed(2)}, waits ${((stats.calls.wait ?? 0) / TASKS).toFixed(2)}; ${JSON.stringify(stats.calls)}); ` +
      `DONE at the mock to webhook: median ${latencies[latencies.length >> 1]} ms, max ${latencies[latencies.length - 1]} ms`,
  );
});
