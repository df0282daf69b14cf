// Account-wide limits and the proxy's quotas, held by the coordinator for every isolate: clients
// in two Workers with the `coordinator` option keep to 10 creates in any second at the mock (the
// same clients without it do not), and one proxy quota counts both Workers' callers, across a restart.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startMockMps } from "../../mock/mps-mock.mjs";
import { PROXY_TOKEN, maxInWindow, startFleet, storageDir } from "./harness.mjs";

let mock;
let fleet;
const storage = storageDir("limits");

before(async () => {
  mock = await startMockMps({ task: { waitMs: 100, runMs: 100 } });
  fleet = await startFleet({ storage, env: { MPS_ENDPOINT: mock.url } });
});

after(async () => {
  await fleet?.dispose();
  await mock?.close();
});

const createTimes = (label) =>
  mock
    .calls("CreateAigcVideoTask")
    .filter((r) => JSON.parse(r.body).Prompt.startsWith(label))
    .map((r) => r.at);

test("clients in two Workers with `coordinator` keep to the account's 10 creates a second", { timeout: 60_000 }, async () => {
  const [a, b] = await Promise.all([
    fleet.a("/client-creates", { count: 40, label: "shared a" }),
    fleet.b("/client-creates", { count: 40, label: "shared b" }),
  ]);
  const results = [...a.value, ...b.value];
  assert.ok(results.every((r) => r.TaskId), JSON.stringify(results.find((r) => !r.TaskId)));
  const most = maxInWindow(createTimes("shared"));
  assert.ok(most <= 10, `${most} creates in one sliding second`);
  assert.equal(createTimes("shared").length, 80, "no create refused and retried");
  console.log(`figure: clients with the coordinator: at most ${most} creates in any second at the mock`);

  // The control: the same two clients with only their own limits exceed the account's.
  await Promise.all([
    fleet.a("/client-creates", { count: 30, label: "alone a", coordinator: false }),
    fleet.b("/client-creates", { count: 30, label: "alone b", coordinator: false }),
  ]);
  const alone = maxInWindow(createTimes("alone"));
  assert.ok(alone > 10, `without the coordinator only ${alone} in a second: the control shows nothing`);
  console.log(`figure: the same clients without it: ${alone} creates in one second at the mock`);
});

test("one proxy quota counts callers of both Workers, and survives a restart", { timeout: 60_000 }, async () => {
  const create = (worker) =>
    worker.fetch("http://fleet/", {
      method: "POST",
      headers: { Authorization: `Bearer ${PROXY_TOKEN}`, "X-TC-Action": "CreateAigcVideoTask", "Content-Type": "application/json" },
      body: JSON.stringify({ Prompt: "through the proxy" }),
    });
  const statuses = [];
  for (const worker of [fleet.workerA, fleet.workerB, fleet.workerA, fleet.workerB]) {
    const response = await create(worker);
    const body = await response.json();
    statuses.push(response.status === 429 ? body.Response.Error.Code : response.status === 200 ? 200 : `${response.status} ${JSON.stringify(body)}`);
  }
  assert.deepEqual(statuses, [200, 200, 200, "RequestLimitExceeded.ProxyQuota"], "3 creates a minute for the token, whichever Worker");
  await fleet.dispose();
  fleet = await startFleet({ storage, env: { MPS_ENDPOINT: mock.url } });
  const again = await create(fleet.workerB);
  assert.equal(again.status, 429, "the minute's count outlived the restart");
});

test("quotas outlive the coordinator dropping the counters it keeps in memory (past 10,000 keys)", { timeout: 60_000 }, async () => {
  const take = async (keys) => (await fleet.a("/quota-takes", { keys, windows: [[60_000, 1]] })).value;
  assert.deepEqual(await take(["spent\ncreate"]), [0]);
  assert.ok((await take(["spent\ncreate"]))[0] > 0, "one a minute");
  const fillers = await take(Array.from({ length: 10_000 }, (_, i) => `filler-${i}\ncreate`));
  assert.ok(fillers.every((w) => w === 0), "every new key is counted");
  const [again] = await take(["spent\ncreate"]);
  assert.ok(again > 0 && again <= 60_000, `the spent quota is still spent after the drop: ${again}`);
  assert.ok((await take(["filler-0\ncreate"]))[0] > 0, "and so is a key from before it");
});

test("the coordinator option is checked: a missing binding, a wrong value, no pacing", async () => {
  const cases = {
    "missing-binding": /^coordinator is undefined or null: is the Durable Object bound in wrangler.toml/,
    "not-a-namespace": /^coordinator must be a Durable Object namespace binding/,
    "with-rate-limit-off": /^coordinator paces requests: it cannot be combined with rateLimit: false/,
  };
  for (const [name, message] of Object.entries(cases)) {
    const { value } = await fleet.a(`/client-options?case=${name}`);
    assert.match(value.error?.message ?? "", message, `${name}: ${JSON.stringify(value)}`);
    assert.ok(["InvalidParameter", "MissingParameter"].includes(value.error.code));
  }
  const named = await fleet.b("/client-options?case=named");
  assert.equal(named.value.coordinator, true);
  // A client kept across requests (made in an earlier one) still reaches its coordinator.
  const later = await fleet.a("/client-creates", { count: 2, label: "kept client" });
  assert.ok(later.value.every((r) => r.TaskId), JSON.stringify(later.value));
});

test("www/worker.mjs with MPS_COORDINATOR bound counts one quota for all its isolates", { timeout: 60_000 }, async (t) => {
  const proxies = await startFleet({
    storage: storageDir("www-worker"),
    entry: "www/worker.mjs",
    env: { MPS_UPSTREAM: mock.url, PROXY_TOKENS: PROXY_TOKEN, LIMIT_CREATES_PER_MINUTE: "2" },
  });
  t.after(() => proxies.dispose());
  const statuses = [];
  for (const worker of [proxies.workerA, proxies.workerB, proxies.workerA]) {
    const response = await worker.fetch("http://proxy/", {
      method: "POST",
      headers: { Authorization: `Bearer ${PROXY_TOKEN}`, "X-TC-Action": "CreateAigcVideoTask", "Content-Type": "application/json" },
      body: JSON.stringify({ Prompt: "through www/worker.mjs" }),
    });
    statuses.push(response.status);
    await response.body?.cancel();
  }
  assert.deepEqual(statuses, [200, 200, 429], "two creates a minute for the token, whichever isolate");
});

test("www/worker.mjs with MPS_COORDINATOR bound paces what it forwards to the account's limit", { timeout: 60_000 }, async (t) => {
  // A mock of its own: the other tests' creates (through other coordinators) must not share its second.
  const mock = await startMockMps({ task: { waitMs: 100, runMs: 100 } });
  const proxies = await startFleet({
    storage: storageDir("www-worker-pace"),
    entry: "www/worker.mjs",
    env: { MPS_UPSTREAM: mock.url, PROXY_TOKENS: PROXY_TOKEN, LIMIT_CREATES_PER_MINUTE: "1000", LIMIT_CREATES_PER_DAY: "1000" },
  });
  t.after(async () => {
    await proxies.dispose();
    await mock.close();
  });
  const createTimes = (label) =>
    mock
      .calls("CreateAigcVideoTask")
      .filter((r) => JSON.parse(r.body).Prompt.startsWith(label))
      .map((r) => r.at);
  const { MpsClient } = await import("../../pkg/node.mjs");
  // A page's client per isolate, each with no limit of its own: only the proxy's pacing is left.
  const through = (worker) =>
    new MpsClient({ endpoint: "http://proxy/", proxyToken: PROXY_TOKEN, rateLimit: false, fetch: (url, init) => worker.fetch(url, init) });
  const clients = [through(proxies.workerA), through(proxies.workerB)];
  const created = await Promise.all(
    clients.flatMap((client, c) => Array.from({ length: 40 }, (_, i) => client.create({ Prompt: `paced proxy ${c} ${i}` }))),
  );
  assert.equal(created.length, 80);
  const most = maxInWindow(createTimes("paced proxy"));
  assert.ok(most <= 10, `${most} creates in one sliding second through two proxy isolates`);
  const refusedAt = mock.requests.filter((r) => r.body.includes("paced proxy") && (r.response ?? "").includes("RequestLimitExceeded")).map((r) => r.at);
  const around = (t) => mock.calls("CreateAigcVideoTask").filter((r) => Math.abs(r.at - t) < 1100).map((r) => `${r.at - t}${r.throttled ? "!" : ""}`);
  assert.equal(refusedAt.length, 0, `the mock refused requests for the rate limit: ${refusedAt.map((t) => around(t).join(" ")).join(" | ")}`);
  console.log(`figure: two proxy isolates, 80 creates at once: at most ${most} in any second at the mock`);
});

test("a place given back to the coordinator's store can be taken again, also after a restart", { timeout: 60_000 }, async () => {
  const take = async () => (await fleet.a("/quota-takes", { keys: ["given-back\ncreate"], windows: [[60_000, 1]] })).value[0];
  assert.equal(await take(), 0);
  assert.ok((await take()) > 0, "one a minute");
  await fleet.b(`/quota-give-back?key=${encodeURIComponent("given-back\ncreate")}`);
  assert.equal(await take(), 0, "given back, taken again");
  await fleet.a(`/quota-give-back?key=${encodeURIComponent("given-back\ncreate")}`);
  await fleet.dispose();
  fleet = await startFleet({ storage, env: { MPS_ENDPOINT: mock.url } });
  assert.equal(await take(), 0, "the place given back was written down");
  assert.ok((await take()) > 0);
});

test("the coordinator's quota counters in memory stay bounded past 10,000 keys", { timeout: 120_000 }, async () => {
  // Each key's counters would stay in the wasm's memory (which never shrinks) for its longest window;
  // past 10,000 keys the coordinator drops them all, to reload each from storage when next used.
  const take = (prefix) => fleet.a("/quota-takes", { keys: Array.from({ length: 10_000 }, (_, i) => `${prefix}-${i}\ncreate`), windows: [[60_000, 5]] });
  await take("warm");
  const memory = async () => (await fleet.a("/stats")).value.memoryBytes;
  const before = await memory();
  for (const batch of [1, 2, 3]) await take(`more-${batch}`);
  const after = await memory();
  assert.ok(after - before <= 1 << 20, `30,000 more keys grew the wasm's memory from ${before} to ${after} bytes`);
});
