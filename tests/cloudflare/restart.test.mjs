// The coordinator stopped and started again on the same storage (a deploy, a crash): work goes on
// from its alarm with no request needed, nothing is forgotten, nothing polled twice at once, and a
// create that was still waiting for its turn is sent by the next instance, once.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startMockMps } from "../../mock/mps-mock.mjs";
import { WEBHOOK_SECRET, eventually, startFleet, startReceiver, storageDir } from "./harness.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("stopped mid-wait and started again: every task still completes, stored and announced", { timeout: 120_000 }, async (t) => {
  const mock = await startMockMps({ distinctAssets: true, task: { waitMs: 500, runMs: 4000 } });
  const receiver = await startReceiver();
  const storage = storageDir("restart-wait");
  t.after(async () => {
    await mock.close();
    await receiver.close();
  });
  const keys = Array.from({ length: 40 }, (_, i) => `mid-wait-${i}`);
  let fleet = await startFleet({ storage, env: { MPS_ENDPOINT: mock.url } });
  try {
    const submits = keys.map((key) => ({
      request: { Prompt: key },
      options: { key, copyTo: { bucket: "VIDEOS" }, notify: { url: receiver.url, secret: WEBHOOK_SECRET } },
    }));
    await fleet.a("/submit-many", { submits });
    // Mid-wait: every task created, none done.
    await eventually(async () => {
      const { value } = await fleet.b("/list", { limit: 1000 });
      return value.records.every((r) => r.status === "WAIT" || r.status === "RUN");
    }, 20_000, "every task created");
  } finally {
    await fleet.dispose();
  }
  const describesBefore = mock.calls("DescribeAigcVideoTask").length;
  await sleep(1000);
  fleet = await startFleet({ storage, env: { MPS_ENDPOINT: mock.url } });
  try {
    // No request yet: the persisted alarm alone carries on.
    await eventually(() => receiver.accepted().size === keys.length, 40_000, "every task announced, with no request to the Workers");
    assert.ok(mock.calls("DescribeAigcVideoTask").length > describesBefore);
    const { value } = await fleet.a("/list", { limit: 1000 });
    assert.equal(value.records.length, keys.length);
    for (const record of value.records) {
      assert.equal(record.status, "DONE", JSON.stringify(record));
      const object = await fleet.r2.get(record.stored[0]);
      assert.ok(Buffer.from(await object.arrayBuffer()).equals(mock.assetBytes(record.result.VideoUrls[0])));
    }
    assert.ok(receiver.deliveries.every((d) => d.valid));
    assert.equal(mock.calls("CreateAigcVideoTask").length, keys.length, "no create sent twice");
    // Never two polls of one task at once: consecutive describes of a task are a pause apart (2 s
    // ± 10% at first). Across the restart, a describe cut off by the stop is followed by the next
    // instance's at once, which the stop and start themselves keep over a second apart.
    const byTask = new Map();
    for (const r of mock.calls("DescribeAigcVideoTask")) {
      const id = JSON.parse(r.body).TaskId;
      byTask.set(id, [...(byTask.get(id) ?? []), r.at]);
    }
    const gaps = [...byTask.values()].flatMap((times) => times.slice(1).map((at, i) => at - times[i]));
    assert.ok(Math.min(...gaps) >= 500, `two polls of one task ${Math.min(...gaps)} ms apart`);
  } finally {
    await fleet.dispose();
  }
});

test("stopped while creates wait for their turn: the next instance sends each of them once", { timeout: 120_000 }, async (t) => {
  const mock = await startMockMps({ task: { waitMs: 100, runMs: 300 } });
  const storage = storageDir("restart-queue");
  t.after(() => mock.close());
  const keys = Array.from({ length: 12 }, (_, i) => `queued-${i}`);
  let fleet = await startFleet({ storage, env: { MPS_ENDPOINT: mock.url } });
  try {
    // A client that asks for one create a second makes that the coordinator's pace (the strictest wins).
    const first = await fleet.b("/client-creates", { count: 1, label: "pace setter", rateLimit: { create: 1 } });
    assert.ok(first.value[0].TaskId);
    await fleet.a("/submit-many", { submits: keys.map((key) => ({ request: { Prompt: key }, options: { key } })) });
    await sleep(3500);
  } finally {
    await fleet.dispose();
  }
  const sentBefore = mock.calls("CreateAigcVideoTask").length - 1;
  assert.ok(sentBefore <= 6, `${sentBefore} creates before the stop, at one a second: at least 6 must still be queued`);
  fleet = await startFleet({ storage, env: { MPS_ENDPOINT: mock.url } });
  try {
    const records = await Promise.all(keys.map((key) => fleet.a(`/wait?key=${key}`)));
    const creates = (key) => mock.calls("CreateAigcVideoTask").filter((r) => JSON.parse(r.body).Prompt === key).length;
    const unknown = records.filter((r) => r.value.status === "UNKNOWN");
    // Only a create on the wire at the stop can be unknown; those still queued were not sent.
    assert.ok(unknown.length <= 1, `${unknown.length} UNKNOWN: ${JSON.stringify(unknown)}`);
    for (const { value } of records) {
      if (value.status === "UNKNOWN") assert.ok(creates(value.key) <= 1);
      else {
        assert.equal(value.status, "DONE", JSON.stringify(value));
        assert.equal(creates(value.key), 1, `${value.key} created ${creates(value.key)} times`);
      }
    }
  } finally {
    await fleet.dispose();
  }
});

test("a turn given out before a restart, released after it, frees none of the next instance's", { timeout: 60_000 }, async () => {
  // A request on the wire across a deploy releases its ticket to the new instance: that ticket must
  // not name one of the new instance's turns, or a place still in use would be given out again.
  const storage = storageDir("restart-tickets");
  const acquire = (fleet, waitMs) =>
    fleet.a(`/acquire?action=CreateAigcVideoTask&limit=2&waitMs=${waitMs}&leaseMs=60000`).then((r) => r.value);
  let fleet = await startFleet({ storage, env: { MPS_ENDPOINT: "http://127.0.0.1:9" } });
  const old = [await acquire(fleet, 0), await acquire(fleet, 0)];
  await fleet.dispose();
  fleet = await startFleet({ storage, env: { MPS_ENDPOINT: "http://127.0.0.1:9" } });
  try {
    const held = [await acquire(fleet, 0), await acquire(fleet, 0)];
    assert.ok(old.every(Boolean) && held.every(Boolean), `tickets ${old} then ${held}`);
    for (const ticket of old) await fleet.b(`/release?ticket=${ticket}`);
    assert.equal(await acquire(fleet, 1500), 0, "both places are still held: a third turn must not come");
    for (const ticket of held) await fleet.b(`/release?ticket=${ticket}`);
    assert.ok((await acquire(fleet, 3000)) > 0, "released by their holders, the places come back");
  } finally {
    await fleet.dispose();
  }
});
