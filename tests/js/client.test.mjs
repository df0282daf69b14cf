// The JavaScript client against the mock: one or more tests per behaviour of product.md. Every
// behaviour that is not about one task kind runs for each kind (video, image, audio: kinds.mjs),
// through that kind's methods (createAigcImageTask, ...).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { lib, KEYS, TOKEN, startMockMps, clientFor as plainClientFor, rejection, see, seenText, sleep, activeTimers } from "./helpers.mjs";
import { KINDS, methods } from "./kinds.mjs";

const { MpsClient, MpsError, TaskFailedError, WaitTimeoutError, signTc3 } = lib;
const vectors = JSON.parse(readFileSync(new URL("../vectors/tc3.json", import.meta.url), "utf8")).vectors;
const vector = (name) => vectors.find((v) => v.input.name === name);
const CREATE = "CreateAigcVideoTask";

const mocks = [];
async function mock(options) {
  const m = await startMockMps(options);
  mocks.push(m);
  return m;
}
after(async () => {
  for (const m of mocks) await m.close();
});
test("signTc3 reproduces every shared vector through the wasm boundary", () => {
  for (const { input, expected } of vectors) {
    const signed = signTc3({
      secretId: input.secret_id,
      secretKey: input.secret_key,
      service: input.service,
      host: input.host,
      action: input.action,
      version: input.version,
      timestamp: input.timestamp,
      contentType: input.content_type,
      body: Buffer.from(input.body_hex, "hex"),
      region: input.region,
      signActionHeader: input.sign_action_header,
    });
    assert.equal(signed.authorization, expected.authorization, input.name);
    assert.equal(signed.signature, expected.signature, input.name);
    assert.equal(signed.headers.Authorization, expected.authorization);
    assert.equal(signed.headers["X-TC-Timestamp"], String(input.timestamp));
    // A string body signs as its UTF-8 bytes, exactly as fetch sends it.
    assert.equal(signTc3({ ...{ secretId: input.secret_id, secretKey: input.secret_key, service: input.service, host: input.host, action: input.action, version: input.version, timestamp: input.timestamp, contentType: input.content_type, region: input.region, signActionHeader: input.sign_action_header }, body: input.body }).signature, expected.signature);
  }
});

test("signTc3 refuses bad options, naming them", () => {
  const ok = { ...KEYS, action: CREATE, body: "{}" };
  const cases = [
    [undefined, "InvalidParameter", /^signTc3 options must be an object, got undefined/],
    [{ ...ok, secretID: "x" }, "InvalidParameter", /^secretID is not an option of signTc3 options \(did you mean secretId\?\)/],
    [{ ...ok, secretKey: undefined }, "MissingParameter", /^secretKey is required/],
    [{ ...ok, action: "" }, "MissingParameter", /^action is required/],
    [{ ...ok, secretId: 42 }, "InvalidParameter", /^secretId must be a string, got a number/],
    [{ ...ok, region: ["ap-guangzhou"] }, "InvalidParameter", /^region must be a string, got an array/],
    [{ ...ok, region: "ap\nguangzhou" }, "InvalidParameter", /^region must be non-empty printable ASCII/],
    [{ ...ok, body: undefined }, "MissingParameter", /^body is required/],
    [{ ...ok, body: { Prompt: "x" } }, "InvalidParameter", /^body must be a string, a Uint8Array or an ArrayBuffer, got an object/],
    [{ ...ok, timestamp: "1767222000" }, "InvalidParameter", /^timestamp must be whole Unix seconds, got a string/],
    [{ ...ok, timestamp: 1.5 }, "InvalidParameter", /^timestamp must be whole Unix seconds/],
    [{ ...ok, signActionHeader: "yes" }, "InvalidParameter", /^signActionHeader must be true or false/],
  ];
  for (const [options, code, message] of cases) {
    let error;
    try {
      signTc3(options);
    } catch (e) {
      error = e;
      see(e);
    }
    assert.ok(error instanceof MpsError, `${JSON.stringify(options)} should throw`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
  }
  // null counts as absent, and the three body types sign the same bytes.
  const a = signTc3({ ...ok, token: null, timestamp: 1, body: "{}" });
  const b = signTc3({ ...ok, timestamp: 1, body: new TextEncoder().encode("{}") });
  const c = signTc3({ ...ok, timestamp: 1, body: new TextEncoder().encode("{}").buffer });
  assert.equal(a.signature, b.signature);
  assert.equal(b.signature, c.signature);
  assert.deepEqual(Object.keys(a.headers), ["Authorization", "Content-Type", "X-TC-Action", "X-TC-Timestamp", "X-TC-Version"]);
});

test("bad options throw at once, naming the option", () => {
  const cases = [
    [{ secretID: "x" }, /^secretID is not an option of MpsClient options \(did you mean secretId\?\)/],
    [{ secretId: "AKID" }, /^secretKey is required with secretId/],
    [{}, /^secretId and secretKey \(or credentials, or proxyToken/],
    [{ ...KEYS, timeoutMs: -1 }, /^timeoutMs must be a positive number/],
    [{ ...KEYS, maxRetries: 1.5 }, /^maxRetries must be a whole number/],
    [{ ...KEYS, language: "fr-FR" }, /^language must be "zh-CN" or "en-US"/],
    [{ ...KEYS, region: "ap guangzhou\n" }, /^region must be non-empty printable ASCII/],
    [{ ...KEYS, endpoint: "ftp://x" }, /^endpoint must be an http: or https: URL/],
    [{ ...KEYS, endpoint: "https://mps.tencentcloudapi.com/v2" }, /^endpoint must be an origin/],
    [{ ...KEYS, proxyToken: "t" }, /^proxyToken cannot be combined/],
    [{ ...KEYS, rateLimit: { create: 0 } }, /^create must be a whole number from 1 to 10000/],
    [{ ...KEYS, fetch: "fetch" }, /^fetch must be a function, got a string/],
  ];
  for (const [options, message] of cases) {
    let error;
    try {
      new MpsClient(options);
    } catch (e) {
      error = e;
      see(e);
    }
    assert.ok(error instanceof MpsError, `${JSON.stringify(options)} should throw`);
    assert.match(error.message, message);
    assert.match(error.code, /^(InvalidParameter|MissingParameter)/);
  }
});

test("every kind the package knows has a fixture here", () => {
  assert.deepEqual(lib.taskKinds.map((k) => k.name), KINDS.map((k) => k.name));
  for (const kind of KINDS) {
    const table = lib.taskKinds.find((k) => k.name === kind.name);
    assert.deepEqual(
      [table.create, table.describe, table.createsPerSecond, table.describesPerSecond],
      [kind.create, kind.describe, kind.createsPerSecond, kind.describesPerSecond],
      `${kind.name}: the documented actions and limits`,
    );
  }
});

test("taskKinds is data for the caller: changing it changes nothing the client sends", async () => {
  const video = lib.taskKinds.find((k) => k.name === "video");
  const saved = video.create;
  video.create = "DeleteEverything";
  try {
    const m = await mock({ task: { waitMs: 0, runMs: 0 } });
    const { TaskId } = await plainClientFor(m).create({ Prompt: "a dog" });
    assert.match(TaskId, /^4-AigcVideo-/);
    assert.equal(m.calls(CREATE).length, 1);
    assert.equal(m.calls("DeleteEverything").length, 0);
  } finally {
    video.create = saved;
  }
});

test("the short names create, describe and wait are video's", async () => {
  const m = await mock({ task: { waitMs: 0, runMs: 50 } });
  const client = plainClientFor(m);
  const { TaskId } = await client.create({ Prompt: "a dog" });
  assert.match(TaskId, /^4-AigcVideo-/);
  assert.ok((await client.describe(TaskId)).Status);
  assert.equal((await client.wait(TaskId, { intervalMs: 50 })).Status, "DONE");
});

/** A client whose every answer is `body` with `status`, sent once (no retries). */
function answering(body, status = 200) {
  const fetch = async () => new Response(body, { status });
  return new MpsClient({ ...KEYS, endpoint: "http://127.0.0.1:9/", fetch, maxRetries: 0 });
}

test("answers with a lone surrogate escape or a stray byte are read as JavaScript reads them", async () => {
  const cutEmoji = await rejection(answering('{"Response":{"Status":"FAIL","Message":"bad prompt \\ud83d","RequestId":"r"}}').wait("t-1"));
  assert.ok(cutEmoji instanceof TaskFailedError, `${cutEmoji.code}: ${cutEmoji.message}`);
  assert.match(cutEmoji.message, /bad prompt \uFFFD$/);
  const stray = Buffer.concat([Buffer.from('{"Response":{"Status":"FAIL","Message":"bad '), Buffer.from([0xff]), Buffer.from('","RequestId":"r"}}')]);
  const strayByte = await rejection(answering(stray).wait("t-1"));
  assert.ok(strayByte instanceof TaskFailedError, `${strayByte.code}: ${strayByte.message}`);
  assert.match(strayByte.message, /bad \uFFFD$/);
  const created = await answering('{"Response":{"TaskId":"4-AigcVideo-abc","Note":"x\\ud800","RequestId":"r"}}').create({ Prompt: "x" });
  assert.deepEqual(created, { TaskId: "4-AigcVideo-abc", RequestId: "r", Note: "x\uFFFD" });
  const refused = await rejection(answering('{"Response":{"Error":{"Code":"InvalidParameterValue","Message":"bad \\ud800"},"RequestId":"r"}}').create({ Prompt: "x" }));
  assert.deepEqual([refused.code, refused.maybeCreated, refused.message], ["InvalidParameterValue", false, "bad \uFFFD"]);
  // A byte order mark before the answer is skipped, as Response.json() skips it (it was "not JSON").
  const marked = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"Response":{"TaskId":"4-AigcVideo-bom","RequestId":"r"}}')]);
  assert.deepEqual(await new Response(marked).json(), { Response: { TaskId: "4-AigcVideo-bom", RequestId: "r" } });
  assert.deepEqual(await answering(marked).create({ Prompt: "x" }), { TaskId: "4-AigcVideo-bom", RequestId: "r" });
});

test("a create's answer that names a task gives its id and maybeCreated, whatever else is wrong with it", async () => {
  for (const [status, body, id] of [
    [200, '{"Response":{"TaskId":12345678901234567000,"RequestId":"r"}}', "12345678901234567000"],
    [200, '{"Response":{"TaskId":"4-AigcVideo-a\\/b","RequestId":"r","Extra":}', "4-AigcVideo-a/b"],
    [200, '{"Response":{"TaskId":"4-AigcVideo-\\u0061bc","RequestId":"r",', "4-AigcVideo-abc"],
    [201, '{"Response":{"TaskId":"4-AigcVideo-abc","RequestId":"r"}}', "4-AigcVideo-abc"],
    [202, '{"Response":{"TaskId":"4-AigcVideo-abc","RequestId":"r"}}', "4-AigcVideo-abc"],
  ]) {
    const e = await rejection(answering(body, status).create({ Prompt: "x" }));
    assert.deepEqual([e.maybeCreated, e.taskId, e.retryable], [true, id, false], `HTTP ${status} ${body}`);
  }
});

test("maxIntervalMs alone caps the first pause too; given with intervalMs it may not be less", async () => {
  const m = await mock({ task: { waitMs: 0, runMs: 400 } });
  const client = plainClientFor(m);
  const { TaskId } = await client.create({ Prompt: "x" });
  const started = performance.now();
  assert.equal((await client.wait(TaskId, { maxIntervalMs: 100 })).Status, "DONE");
  assert.ok(performance.now() - started < 1500, "pauses of 100 ms, not a first one of 2 s");
  assert.ok(m.calls("DescribeAigcVideoTask").length >= 3);
  const e = await rejection(client.wait(TaskId, { intervalMs: 500, maxIntervalMs: 100 }));
  assert.equal(e.code, "InvalidParameterValue");
  assert.match(e.message, /^maxIntervalMs must not be less than intervalMs/);
});

test("an onUpdate whose promise rejects ends the wait with ClientCallbackError, also mid-sleep; one that never settles is not awaited", async () => {
  const m = await mock({ task: { waitMs: 0, runMs: 60_000 } });
  const client = plainClientFor(m);
  const { TaskId } = await client.create({ Prompt: "x" });
  const unhandled = [];
  const onUnhandled = (reason) => unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  try {
    const before = activeTimers();
    const boom = new Error("the page could not show it");
    const started = performance.now();
    const e = await rejection(client.wait(TaskId, { intervalMs: 10_000, onUpdate: async () => { await sleep(50); throw boom; } }));
    assert.ok(performance.now() - started < 2000, "the 10 s sleep ended");
    assert.equal(e.code, "ClientCallbackError");
    assert.equal(e.cause, boom);
    assert.equal(e.taskId, TaskId);
    const thrown = await rejection(client.wait(TaskId, { onUpdate: () => { throw boom; } }));
    assert.deepEqual([thrown.code, thrown.cause], ["ClientCallbackError", boom]);
    const polls = m.calls("DescribeAigcVideoTask").length;
    await sleep(100);
    assert.equal(m.calls("DescribeAigcVideoTask").length, polls, "no poll after it");
    assert.equal(activeTimers(), before, "no timer left");
    // A promise that never settles: the wait goes on to its end.
    const waiting = await rejection(client.wait(TaskId, { timeoutMs: 300, intervalMs: 50, onUpdate: () => new Promise(() => {}) }));
    assert.equal(waiting.code, "WaitTimeout");
    assert.deepEqual(unhandled, []);
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
});

test("call() sends any action; rateLimit: false turns pacing off", async () => {
  const CREATE = "CreateAigcVideoTask";
  const DESCRIBE = "DescribeAigcVideoTask";
  const m = await mock({ limits: false });
  const client = plainClientFor(m, { rateLimit: false });
  const { TaskId } = await client.call(CREATE, { Prompt: "x", Skip: null });
  assert.equal(m.calls(CREATE)[0].body, '{"Prompt":"x"}');
  const described = await client.call(DESCRIBE, { TaskId });
  assert.ok(described.Status && described.RequestId);
  const e = await rejection(client.call("CreateAigcSpeechTask", {}));
  assert.equal(e.code, "InvalidAction");
  assert.equal((await rejection(client.call("not an action", {}))).code, "InvalidParameter");
  await Promise.all(Array.from({ length: 30 }, () => client.describe(TaskId)));
  assert.ok(m.maxInWindow(CREATE) + m.maxInWindow(DESCRIBE) > 0);
  assert.ok(m.maxInWindow(DESCRIBE) > 10, "unpaced");
});

test("with Node's own fetch a describe asks for redirect: 'error' (no copy of the request), and a redirect is still read as it is", async () => {
  const m = await mock({ limits: false });
  const modes = [];
  const platformFetch = globalThis.fetch;
  globalThis.fetch = (url, init) => {
    modes.push(init.redirect);
    return platformFetch(url, init);
  };
  try {
    const client = plainClientFor(m);
    const { TaskId } = await client.create({ Prompt: "x" });
    await client.describe(TaskId);
    await client.wait(TaskId, { intervalMs: 10 });
    await client.call("DescribeAigcVideoTask", { TaskId });
    assert.deepEqual(modes.slice(0, 2), ["manual", "error"], "a create is never sent twice: it keeps 'manual'");
    assert.ok(modes.slice(2, -1).every((mode) => mode === "error"), "every poll of a wait");
    assert.equal(modes.at(-1), "manual", "call() keeps 'manual' whatever the action");
    // A fetch of the caller's sees "manual", always.
    const own = [];
    const custom = plainClientFor(m, { fetch: (url, init) => (own.push(init.redirect), platformFetch(url, init)) });
    await custom.describe(TaskId);
    assert.deepEqual(own, ["manual"]);

    // A server that redirects: "error" makes Node's fetch reject, and the describe sends once more
    // with "manual" to read the redirect; a create is sent once. Nothing follows it.
    const { createServer } = await import("node:http");
    const heard = [];
    const redirecting = createServer((req, res) => {
      heard.push(req.headers["x-tc-action"]);
      req.resume();
      res.writeHead(307, { Location: "http://127.0.0.1:1/elsewhere" }).end();
    });
    await new Promise((resolve) => redirecting.listen(0, "127.0.0.1", resolve));
    try {
      const endpoint = `http://127.0.0.1:${redirecting.address().port}/`;
      const client = new MpsClient({ ...KEYS, endpoint, maxRetries: 2 });
      const described = await rejection(client.describe("t"));
      assert.equal(described.code, "ServerNetworkError");
      assert.equal(described.httpStatus, 307);
      assert.equal(described.retryable, false);
      const created = await rejection(client.create({ Prompt: "x" }));
      assert.equal(created.httpStatus, 307);
      assert.deepEqual(heard, ["DescribeAigcVideoTask", "DescribeAigcVideoTask", CREATE]);
    } finally {
      redirecting.closeAllConnections();
      await new Promise((resolve) => redirecting.close(resolve));
    }
  } finally {
    globalThis.fetch = platformFetch;
  }
});

for (const kind of KINDS) {
  const { create: CREATE, describe: DESCRIBE } = kind;
  /** A client object whose create/describe/wait are this kind's methods. */
  const wrap = (client) => ({
    ...methods(client, kind),
    call: (...a) => client.call(...a),
    toJSON: () => client.toJSON(),
    toString: () => client.toString(),
  });
  const clientFor = (m, options) => wrap(plainClientFor(m, options));
  const named = (title) => `${kind.name}: ${title}`;
  const request = (prompt = "x") => kind.request(prompt);

  test(named("create, describe and wait: DONE with the API's own field names"), async () => {
    const m = await mock({ task: { waitMs: 100, runMs: 200 } });
    const client = clientFor(m);
    const created = await client.create(request("a cat"));
    assert.deepEqual(Object.keys(created).sort(), ["RequestId", "TaskId"]);
    const described = await client.describe(created.TaskId);
    assert.equal(described.Status, "WAIT");
    for (const [field, empty] of Object.entries(kind.empty)) assert.deepEqual(described[field], empty, field);
    const updates = [];
    const done = await client.wait(created.TaskId, { intervalMs: 50, onUpdate: (r) => updates.push(r.Status) });
    assert.equal(done.Status, "DONE");
    assert.match(kind.outputs(done)[0], kind.output);
    if (kind.name === "video") assert.equal(done.Resolution, "480x270");
    assert.ok(done.RequestId);
    assert.equal(updates.at(-1), "DONE");
    assert.ok(updates.includes("RUN"));
    assert.equal(updates.length, m.calls(DESCRIBE).length - 1, "onUpdate after every poll of the wait");
    // The output is there to fetch.
    const file = await fetch(kind.outputs(done)[0]);
    assert.equal(file.status, 200);
    assert.ok((await file.arrayBuffer()).byteLength > 500);
  });

  test(named("the body is the official SDK's to the byte, and the signature covers those bytes"), async () => {
    const m = await mock();
    // The official Node SDK, against the same mock, with a request in the documented order.
    const { mps } = await import("tencentcloud-sdk-nodejs-mps");
    const sdk = new mps.v20190612.Client({
      credential: { secretId: KEYS.secretId, secretKey: KEYS.secretKey },
      region: "ap-guangzhou",
      profile: { httpProfile: { endpoint: m.url.replace("http://", ""), protocol: "http://" } },
    });
    const documented = { ...request("一只猫 in the rain"), ModelVersion: "2.1", StoreCosParam: { CosBucketName: "b-1", CosBucketPath: "out/" }, Operator: "me" };
    const ordered = Object.fromEntries(lib.taskKinds.find((k) => k.name === kind.name).request && Object.keys(lib.taskKinds.find((k) => k.name === kind.name).request).filter((f) => f in documented).map((f) => [f, documented[f]]));
    await sdk[CREATE](ordered);
    // The same request, from an object with its fields in another order.
    const shuffled = Object.fromEntries(Object.entries(ordered).reverse());
    await clientFor(m).create(shuffled);
    const [bySdk, byUs] = m.calls(CREATE);
    assert.equal(bySdk.signatureOk, true, "the mock accepts the SDK");
    assert.equal(byUs.body, bySdk.body, "byte for byte");
    assert.equal(byUs.signatureOk, true);
    assert.equal(byUs.headers["content-type"], "application/json");
    assert.equal(byUs.headers["x-tc-action"], CREATE);
    assert.equal(byUs.headers["x-tc-version"], "2019-06-12");
    assert.equal(byUs.headers["x-tc-region"], "ap-guangzhou");
    assert.match(byUs.headers["x-tc-requestclient"], /^mps-aigc\/\d/);
    assert.equal(byUs.headers["x-tc-token"], undefined);
    if (kind.name === "video") assert.equal(m.calls(CREATE).length, 2);
  });

  test(named("unknown fields pass through, nulls are dropped, AdditionalParameters objects become strings"), async () => {
    const m = await mock();
    await clientFor(m).create({
      Prompt: "p",
      NewField: { a: 1 },
      Gone: null,
      Missing: undefined,
      StoreCosParam: { CosBucketName: "b", CosBucketPath: undefined },
      AdditionalParameters: { camera_control: { type: "simple" } },
    });
    const fields = Object.keys(lib.taskKinds.find((k) => k.name === kind.name).request);
    const [first, second] = fields.indexOf("StoreCosParam") < fields.indexOf("AdditionalParameters")
      ? ['"StoreCosParam":{"CosBucketName":"b"}', '"AdditionalParameters":"{\\"camera_control\\":{\\"type\\":\\"simple\\"}}"']
      : ['"AdditionalParameters":"{\\"camera_control\\":{\\"type\\":\\"simple\\"}}"', '"StoreCosParam":{"CosBucketName":"b"}'];
    assert.equal(m.calls(CREATE)[0].body, `{"Prompt":"p",${first},${second},"NewField":{"a":1}}`);
  });

  test(named("bad input is refused before anything is sent, naming the field"), async () => {
    const m = await mock();
    const client = clientFor(m);
    const cases = [
      [{ ModelName: "X" }, "MissingParameter", /^Prompt is required/],
      [{ Prompt: "x".repeat(2001) }, "InvalidParameterValue", /^Prompt has 2001 characters/],
      [{ Prompt: "x", StoreCosParam: { CosBucketName: 5 } }, "InvalidParameter", /^StoreCosParam\.CosBucketName must be a string/],
      [{ Prompt: NaN }, "InvalidParameter", /^Prompt must be a finite number/],
      [{ Prompt: "x", Extra: () => 1 }, "InvalidParameter", /^Extra must be JSON data, got a function/],
      [{ Prompt: "x", Big: 10n }, "InvalidParameter", /^Big must be JSON data, got a bigint/],
      [{ Prompt: "bad \uD800 half" }, "InvalidParameter", /^Prompt contains a lone surrogate/],
      ["a cat", "InvalidParameter", /^request must be an object/],
      [{ prompt: "camelCase" }, "MissingParameter", /found `prompt`/],
      ...({
        video: [
          [{ Prompt: "x", Duration: 0 }, "InvalidParameterValue", /^Duration must be a positive integer/],
          [{ Prompt: "x", Duration: 2.5 }, "InvalidParameterValue", /^Duration/],
          [{ Prompt: "x", Duration: "5" }, "InvalidParameter", /^Duration must be a positive integer \(seconds\), got a string/],
          [{ Prompt: "x", ImageInfos: [{ ImageUrl: 5 }] }, "InvalidParameter", /^ImageInfos\[0\]\.ImageUrl must be a string/],
        ],
        image: [
          [{ Prompt: "x", OutputImageCount: 0 }, "InvalidParameterValue", /^OutputImageCount must be a positive integer, got 0/],
          [{ Prompt: "x", ImageInfos: [{ ImageUrl: 5 }] }, "InvalidParameter", /^ImageInfos\[0\]\.ImageUrl must be a string/],
        ],
        audio: [[{ Prompt: "x", AudioInfos: [{ AudioUrl: 5 }] }, "InvalidParameter", /^AudioInfos\[0\]\.AudioUrl must be a string/]],
      }[kind.name] ?? []),
    ];
    for (const [req, code, message] of cases) {
      const e = await rejection(client.create(req));
      assert.ok(e instanceof MpsError, `${code}: ${e}`);
      assert.equal(e.code, code, e.message);
      assert.match(e.message, message);
      assert.equal(e.retryable, false);
      assert.equal(e.maybeCreated, false);
      assert.equal(lib.isBadInput(e), true);
    }
    for (const [taskId, code] of [[undefined, "MissingParameter"], ["", "MissingParameter"], [42, "InvalidParameter"]]) {
      assert.equal((await rejection(client.describe(taskId))).code, code);
      assert.equal((await rejection(client.wait(taskId))).code, code);
    }
    const cyclic = { Prompt: "x" };
    cyclic.self = cyclic;
    assert.match((await rejection(client.create(cyclic))).message, /cyclic/);
    assert.equal(m.requests.length, 0, "nothing reached the server");
  });

  test(named(`concurrent waits never exceed ${kind.describesPerSecond} describes in any second at the mock`), async () => {
    // Creates are let through fast here so that all the waits run at once and compete for turns.
    const limit = kind.describesPerSecond;
    const m = await mock({ task: { waitMs: 0, runMs: 3000 }, limits: { [CREATE]: 1000 } });
    const client = clientFor(m, { rateLimit: { create: 1000 } });
    const waits = 2 * limit;
    const ids = (await Promise.all(Array.from({ length: waits }, (_, i) => client.create(request(`cat ${i}`))))).map((c) => c.TaskId);
    const results = await Promise.all(ids.map((id) => client.wait(id, { intervalMs: 100, maxIntervalMs: 200 })));
    assert.ok(results.every((r) => r.Status === "DONE"));
    const most = m.maxInWindow(DESCRIBE);
    assert.ok(most <= limit, `max describes in a second: ${most}`);
    assert.ok(most >= limit * 0.9, `the waits saturated the limit (max ${most} in a second), so the pacer was tested`);
    assert.ok(m.calls(DESCRIBE).length >= 1.5 * waits, `${m.calls(DESCRIBE).length} describes`);
    assert.equal(m.requests.filter((r) => r.throttled).length, 0, "the mock never had to throttle");
  });

  test(named("an abort during a 10-second sleep rejects at once with the signal's reason"), async () => {
    const m = await mock({ task: { waitMs: 0, runMs: 60_000 } });
    const client = clientFor(m);
    const { TaskId } = await client.create(request("slow"));
    const controller = new AbortController();
    const reason = new Error("user cancelled");
    const waiting = client.wait(TaskId, { signal: controller.signal, intervalMs: 10_000 });
    await sleep(150); // the first poll is done; the wait sleeps for 10 s
    const before = performance.now();
    controller.abort(reason);
    const e = await rejection(waiting);
    const took = performance.now() - before;
    assert.equal(e, reason, "rejects with the reason itself, as fetch does");
    assert.ok(took < 100, `rejected after ${took} ms`);
    assert.equal(m.calls(DESCRIBE).length, 1);
    // An already aborted signal rejects before anything is sent; the default reason is an AbortError.
    const aborted = AbortSignal.abort();
    const e2 = await rejection(client.create(request(), { signal: aborted }));
    assert.equal(e2.name, "AbortError");
    assert.equal(m.calls(CREATE).length, 1);
  });

  test(named("an abort during a hanging request cancels it at once"), async () => {
    const m = await mock();
    const client = clientFor(m);
    m.fault({ kind: "hang", action: DESCRIBE });
    const controller = new AbortController();
    const pending = client.describe("t", { signal: controller.signal });
    await sleep(100);
    controller.abort("stop");
    assert.equal(await rejection(pending), "stop");
  });

  test(named("a dropped connection on create: one create at the mock, maybeCreated, never retried"), async () => {
    const m = await mock();
    m.fault({ kind: "drop-after-create", action: CREATE });
    const e = await rejection(clientFor(m, { maxRetries: 5 }).create(request()));
    assert.ok(e instanceof MpsError);
    assert.equal(e.code, "ClientNetworkError");
    assert.equal(e.maybeCreated, true);
    assert.equal(e.retryable, false);
    assert.equal(e.action, CREATE);
    assert.equal(m.calls(CREATE).length, 1);
    assert.equal(m.tasks.size, 1, "the task exists, and the error said it might");
  });

  test(named("a create that times out is not retried and says maybeCreated"), async () => {
    const m = await mock();
    m.fault({ kind: "hang", action: CREATE });
    const e = await rejection(clientFor(m, { timeoutMs: 200 }).create(request()));
    assert.equal(e.code, "ClientTimeout");
    assert.equal(e.maybeCreated, true);
    assert.equal(m.calls(CREATE).length, 1);
  });

  test(named("throttling on create is retried into exactly one task"), async () => {
    const m = await mock();
    m.fault({ kind: "error", code: "RequestLimitExceeded", action: CREATE, times: 2 });
    const created = await clientFor(m).create(request());
    assert.ok(created.TaskId);
    assert.equal(m.calls(CREATE).length, 3);
    assert.equal(m.tasks.size, 1);
  });

  test(named("5xx on create is final (maybeCreated); on describe it is retried"), async () => {
    const m = await mock();
    m.fault({ kind: "http", status: 502, action: CREATE });
    const e = await rejection(clientFor(m).create(request()));
    assert.deepEqual([e.code, e.httpStatus, e.maybeCreated, e.retryable], ["ServerNetworkError", 502, true, false]);
    assert.equal(m.calls(CREATE).length, 1);

    const { TaskId } = await clientFor(m).create(request());
    m.fault({ kind: "http", status: 503, action: DESCRIBE, times: 2 });
    m.fault({ kind: "error", code: "InternalError", action: DESCRIBE });
    const described = await clientFor(m).describe(TaskId);
    assert.ok(described.Status);
    assert.equal(m.calls(DESCRIBE).length, 4);
  });

  test(named("describe gives up after maxRetries with a retryable error"), async () => {
    const m = await mock();
    m.fault({ kind: "http", status: 500, action: DESCRIBE, times: 10 });
    const e = await rejection(clientFor(m, { maxRetries: 2 }).describe("t"));
    assert.deepEqual([e.code, e.retryable, e.httpStatus], ["ServerNetworkError", true, 500]);
    assert.equal(m.calls(DESCRIBE).length, 3);
  });

  test(named("a skewed server clock is corrected once, and the correction is kept"), async () => {
    const m = await mock({ clockSkewMs: 42 * 60_000 });
    const client = clientFor(m);
    const first = await client.create(request());
    assert.ok(first.TaskId);
    const codes = m.requests.map((r) => JSON.parse(r.response).Response.Error?.Code ?? "ok");
    assert.deepEqual(codes, ["AuthFailure.SignatureExpire", "ok"]);
    const [expired, retried] = m.calls(CREATE);
    assert.notEqual(expired.headers["x-tc-timestamp"], retried.headers["x-tc-timestamp"], "re-signed");
    assert.ok(Math.abs(Number(retried.headers["x-tc-timestamp"]) - m.now() / 1000) < 5);
    await client.describe(first.TaskId);
    assert.equal(m.requests.length, 3, "later calls use the corrected clock at once");
    // A server that keeps refusing gets one retry only.
    m.fault({ kind: "error", code: "AuthFailure.SignatureExpire", action: DESCRIBE, times: 5 });
    const e = await rejection(clientFor(m).describe(first.TaskId));
    assert.equal(e.code, "AuthFailure.SignatureExpire");
    assert.equal(m.requests.length, 5);
  });

  test(named("a 403-style auth error during a wait fails at once, with the task id"), async () => {
    const m = await mock({ task: { waitMs: 0, runMs: 60_000 } });
    const client = clientFor(m);
    const { TaskId } = await client.create(request());
    const waiting = client.wait(TaskId, { intervalMs: 50 });
    await sleep(120);
    m.fault({ kind: "error", code: "AuthFailure.UnauthorizedOperation", action: DESCRIBE });
    const started = performance.now();
    const e = await rejection(waiting);
    assert.ok(performance.now() - started < 500);
    assert.equal(e.code, "AuthFailure.UnauthorizedOperation");
    assert.equal(e.taskId, TaskId);
    assert.equal(e.lastStatus, "RUN");
    assert.equal(e.retryable, false);
    assert.ok(e.requestId);
    const polls = m.calls(DESCRIBE).length;
    await sleep(200);
    assert.equal(m.calls(DESCRIBE).length, polls, "no poll after the failure");
  });

  test(named("an outage longer than a describe's retries does not end a wait; at its deadline the last error is the cause"), async () => {
    const m = await mock({ task: { waitMs: 0, runMs: 1500 } });
    const client = clientFor(m, { maxRetries: 1 });
    const { TaskId } = await client.create(request());
    m.fault({ kind: "http", status: 503, action: DESCRIBE, times: 6 }); // three describes' worth
    const done = await client.wait(TaskId, { intervalMs: 50, maxIntervalMs: 100 });
    assert.equal(done.Status, "DONE");
    assert.ok(m.calls(DESCRIBE).length > 6);
    // An outage to the deadline: WaitTimeoutError, whose cause says what the describes met.
    m.fault({ kind: "http", status: 503, action: DESCRIBE, times: 1000 });
    const started = performance.now();
    const e = await rejection(client.wait(TaskId, { timeoutMs: 700, intervalMs: 50 }));
    assert.ok(performance.now() - started >= 690, "not before the deadline");
    assert.ok(e instanceof WaitTimeoutError, `${e.code}: ${e.message}`);
    assert.equal(e.taskId, TaskId);
    assert.ok(e.cause instanceof MpsError);
    assert.deepEqual([e.cause.code, e.cause.httpStatus, e.cause.retryable], ["ServerNetworkError", 503, true]);
  });

  test(named("a describe answer of the wrong shape is retried, also in a wait; a create's is not"), async () => {
    const m = await mock({ task: { waitMs: 0, runMs: 300 } });
    const client = clientFor(m);
    const { TaskId } = await client.create(request());
    const answer = (Response) => ({ kind: "http", status: 200, contentType: "application/json", body: JSON.stringify({ Response }) });
    const shapes = [{ RequestId: "r" }, { Status: "", RequestId: "r" }, { Status: 7, RequestId: "r" }];
    for (const shape of shapes) m.fault({ ...answer(shape), action: DESCRIBE });
    let before = m.calls(DESCRIBE).length;
    assert.ok((await client.describe(TaskId)).Status);
    assert.equal(m.calls(DESCRIBE).length - before, 4, "three retries, then the good answer");
    m.fault({ ...answer(shapes[0]), action: DESCRIBE });
    assert.equal((await client.wait(TaskId, { intervalMs: 50 })).Status, "DONE");
    m.fault({ ...answer(shapes[1]), action: DESCRIBE, times: 2 });
    const e = await rejection(clientFor(m, { maxRetries: 1 }).describe(TaskId));
    assert.deepEqual([e.code, e.retryable, e.httpStatus], ["InvalidResponse", true, 200]);
    m.fault({ ...answer({ TaskId: "", RequestId: "r" }), action: CREATE });
    before = m.calls(CREATE).length;
    const c = await rejection(client.create(request()));
    assert.deepEqual([c.code, c.retryable, c.maybeCreated], ["InvalidResponse", false, true]);
    assert.equal(m.calls(CREATE).length - before, 1, "a create is sent once");
  });

  test(named("FAIL rejects with TaskFailedError carrying the task and the server's message"), async () => {
    const m = await mock({ task: { waitMs: 0, runMs: 50 } });
    const client = clientFor(m);
    m.nextTask({ outcome: "FAIL", message: "content review refused the prompt" });
    const { TaskId } = await client.create(request());
    const e = await rejection(client.wait(TaskId, { intervalMs: 30 }));
    assert.ok(e instanceof TaskFailedError && e instanceof MpsError && e instanceof Error);
    assert.equal(e.name, "TaskFailedError");
    assert.equal(e.code, "TaskFailed");
    assert.equal(e.taskId, TaskId);
    assert.equal(e.lastStatus, "FAIL");
    assert.equal(e.action, DESCRIBE);
    assert.match(e.message, /content review refused the prompt/);
  });

  test(named("the deadline rejects with WaitTimeoutError and the last status, and a later wait resumes"), async () => {
    const m = await mock({ task: { waitMs: 0, runMs: 900 } });
    const client = clientFor(m);
    const { TaskId } = await client.create(request());
    const started = performance.now();
    const e = await rejection(client.wait(TaskId, { timeoutMs: 300, intervalMs: 100 }));
    const took = performance.now() - started;
    assert.ok(e instanceof WaitTimeoutError);
    assert.equal(e.code, "WaitTimeout");
    assert.equal(e.taskId, TaskId);
    assert.equal(e.lastStatus, "RUN");
    assert.ok(took >= 290 && took < 800, `gave up after ${took} ms`);
    // Another wait (another process, say) picks the task up by its id.
    assert.equal((await clientFor(m).wait(e.taskId, { intervalMs: 100 })).Status, "DONE");
  });

  test(named("the last poll happens at the deadline itself"), async () => {
    // DONE at 300 ms; the first pause (2 s) would overshoot the 500 ms deadline, so the wait sleeps
    // until the deadline and polls once more there.
    const m = await mock({ task: { waitMs: 0, runMs: 300 } });
    const client = clientFor(m);
    const { TaskId } = await client.create(request());
    const started = performance.now();
    const done = await client.wait(TaskId, { timeoutMs: 500, intervalMs: 2000 });
    assert.equal(done.Status, "DONE");
    assert.equal(m.calls(DESCRIBE).length, 2);
    assert.ok(performance.now() - started < 1000);
  });

  test(named("a connection that never opened is retried even for a create, and is not maybeCreated"), async () => {
    // Port 1 is one fetch refuses to use ("bad port"): nothing can have been sent.
    const client = wrap(new MpsClient({ ...KEYS, endpoint: "http://127.0.0.1:1", maxRetries: 1 }));
    const e = await rejection(client.create(request()));
    assert.deepEqual([e.code, e.maybeCreated, e.retryable], ["ClientNetworkError", false, true]);
  });

  test(named("a wait leaves no timer behind"), async () => {
    const m = await mock({ task: { waitMs: 0, runMs: 100 } });
    // An attempt that started before the wait's deadline may take its own timeoutMs to answer.
    const client = clientFor(m, { timeoutMs: 400 });
    const { TaskId } = await client.create(request());
    await sleep(50);
    const before = activeTimers();
    await client.wait(TaskId, { intervalMs: 40 });
    const controller = new AbortController();
    const pending = client.wait((await client.create(request("y"))).TaskId, { signal: controller.signal, intervalMs: 5000 });
    await sleep(50);
    controller.abort();
    await rejection(pending);
    m.fault({ kind: "hang", action: DESCRIBE });
    await rejection(client.wait(TaskId, { timeoutMs: 100 }));
    await sleep(10);
    assert.equal(activeTimers(), before);
  });

  test(named("a credentials function is asked before every attempt, and may rotate keys"), async () => {
    const m = await mock({ credentials: [KEYS, { secretId: "AKIDsecond", secretKey: "second-key-EXAMPLE" }] });
    let calls = 0;
    const client = wrap(
      new MpsClient({
        endpoint: m.url,
        credentials: async () => (++calls === 1 ? KEYS : { secretId: "AKIDsecond", secretKey: "second-key-EXAMPLE" }),
      }),
    );
    m.fault({ kind: "error", code: "RequestLimitExceeded", action: CREATE });
    await client.create(request());
    assert.equal(calls, 2, "one call per attempt: every retry is signed afresh");
    assert.deepEqual(
      m.calls(CREATE).map((r) => r.headers.authorization.split("/")[0]),
      ["TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "TC3-HMAC-SHA256 Credential=AKIDsecond"],
    );
    const failing = wrap(new MpsClient({ endpoint: m.url, credentials: () => { throw new Error("vault down"); } }));
    const e = await rejection(failing.create(request()));
    assert.equal(e.code, "ClientCredentialsError");
    assert.equal(e.cause.message, "vault down");
    const malformed = wrap(new MpsClient({ endpoint: m.url, credentials: () => ({ id: "x" }) }));
    assert.match((await rejection(malformed.create(request()))).message, /^credentials must return/);
    const hanging = wrap(new MpsClient({ endpoint: m.url, timeoutMs: 100, credentials: () => new Promise(() => {}) }));
    const slow = await rejection(hanging.create(request()));
    assert.deepEqual([slow.code, slow.message], ["ClientCredentialsError", "the credentials function did not answer within 100 ms"]);
  });

  test(named("STS tokens are sent as X-TC-Token"), async () => {
    const m = await mock({ credentials: [{ ...KEYS, token: TOKEN }] });
    await clientFor(m, { token: TOKEN }).create(request());
    assert.equal(m.calls(CREATE)[0].headers["x-tc-token"], TOKEN);
    assert.equal(m.calls(CREATE)[0].signatureOk, true);
  });

  test(named("proxyToken mode sends a bearer token and signs nothing; the fetch option is called unbound"), async () => {
    const seenRequests = [];
    const fetch = function (url, init) {
      seenRequests.push({ self: this, url, init });
      return Promise.resolve(new Response('{"Response":{"TaskId":"t-1","RequestId":"r"}}', { status: 200 }));
    };
    const client = wrap(new MpsClient({ endpoint: "https://proxy.example/mps", proxyToken: "pt-123", fetch }));
    assert.equal((await client.create({ Prompt: "x" })).TaskId, "t-1");
    const [{ self, url, init }] = seenRequests;
    assert.equal(self, undefined, "fetch is called unbound");
    assert.equal(url, "https://proxy.example/mps");
    assert.equal(init.method, "POST");
    assert.equal(init.redirect, "manual", "redirects are not followed");
    assert.equal(init.headers.Authorization, "Bearer pt-123");
    assert.equal(init.headers["X-TC-Action"], CREATE);
    assert.equal(init.headers["X-TC-Timestamp"], undefined);
    assert.equal(new TextDecoder().decode(init.body), '{"Prompt":"x"}');
    assert.ok(init.signal instanceof AbortSignal);
  });

  test(named("a create whose answer lacks a TaskId says maybeCreated"), async () => {
    const m = await mock();
    m.fault({ kind: "wrong-shape", action: CREATE });
    const e = await rejection(clientFor(m).create(request()));
    assert.deepEqual([e.code, e.maybeCreated], ["InvalidResponse", true]);
    const odd = wrap(new MpsClient({ ...KEYS, endpoint: m.url, fetch: async () => new Response('{"Response":{"RequestId":"r"}}') }));
    const e2 = await rejection(odd.create(request()));
    assert.deepEqual([e2.code, e2.maybeCreated, e2.message], ["InvalidResponse", true, "Response has no TaskId"]);
  });

  test(named(`creates are paced to ${kind.createsPerSecond} per second`), async () => {
    const m = await mock();
    const client = clientFor(m);
    const n = Math.round(kind.createsPerSecond * 2.5);
    await Promise.all(Array.from({ length: n }, (_, i) => client.create(request(`x${i}`))));
    assert.equal(m.tasks.size, n);
    const most = m.maxInWindow(CREATE);
    assert.ok(most <= kind.createsPerSecond && most >= kind.createsPerSecond * 0.8, `${most}`);
    assert.equal(m.requests.filter((r) => r.throttled).length, 0);
  });

  test(named("advice is separate from refusal"), () => {
    const { advise } = methods(null, kind);
    const [advised, expected] = kind.advice;
    assert.deepEqual(advise(advised), [expected]);
    assert.deepEqual(advise(request("a plain request")), []);
    // Advice never refuses: a request create refuses (no Prompt) still gets its advice, and create
    // is the one that refuses it.
    const { Prompt, ...withoutPrompt } = advised;
    assert.ok(Prompt);
    assert.deepEqual(advise(withoutPrompt), [expected]);
    assert.deepEqual(advise({ ModelName: 7, Prompt: ["x"] }), [], "a field of the wrong type is not advised on");
    assert.throws(() => advise({ Prompt: "x", Big: 10n }), { code: "InvalidParameter" }, "only what is not JSON data at all");
  });
}

test("no secret key or token appears in any message, JSON or string the client produced", async () => {
  const m = await mock({ credentials: [{ ...KEYS, token: TOKEN }] });
  const client = plainClientFor(m, { token: TOKEN });
  see(String(client), JSON.stringify(client), client.toJSON());
  // A server that echoes the secret in its message is redacted too.
  m.fault({ kind: "error", code: "AuthFailure.SignatureFailure", message: `bad key ${KEYS.secretKey} token ${TOKEN}`, action: CREATE });
  const e = await rejection(client.create({ Prompt: "x" }));
  assert.match(e.message, /bad key \*\* REDACTED \*\* token \*\* REDACTED \*\*/);
  const text = seenText();
  assert.ok(text.length > 1000, "the suite produced messages to scan");
  assert.ok(!text.includes(KEYS.secretKey), "secret key leaked");
  assert.ok(!text.includes(TOKEN), "token leaked");
});

test("a signal-like object without removeEventListener (a polyfill) is served through sleeps, credentials and a coordinator", { timeout: 10_000 }, async () => {
  // The option check asks only for `aborted` and `addEventListener`; every path that later removes
  // its listener must survive a signal without `removeEventListener`, or with one that throws
  // (called from timers and promise callbacks, a throw there would be uncaught and hang the call).
  const signals = [
    { aborted: false, addEventListener() {} },
    { aborted: false, addEventListener() {}, removeEventListener() { throw new Error("polyfill"); } },
  ];
  const answer = (body, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  for (const signal of signals) {
    let n = 0;
    // A 503 first (a retry's sleep), then RUN twice (the wait's sleeps), then DONE.
    const fetch = async () => (++n === 1 ? answer({}, 503) : answer({ Response: { Status: n < 4 ? "RUN" : "DONE", RequestId: `r${n}` } }));
    const credentials = async () => ({ secretId: KEYS.secretId, secretKey: KEYS.secretKey });
    const coordinator = { acquire: async () => 1, release: async () => {} };
    const client = new MpsClient({ endpoint: "http://127.0.0.1:9/", fetch, credentials, coordinator });
    const result = await client.wait("4-AigcVideo-T", { signal, intervalMs: 1 });
    assert.equal(result.Status, "DONE");
    assert.equal(n, 4);
  }
});

test("an answer over the size limit in one chunk keeps what fits: a create's error still names its task", async () => {
  // Browsers, Workers and `new Response(string)` may deliver a large answer as one chunk; the
  // bytes up to the limit are kept, as for an answer that arrives in many.
  const TaskId = "4-AigcVideo-0123456789abcdef";
  const big = `{"Response":{"TaskId":"${TaskId}","RequestId":"r","Pad":"${"a".repeat(2 << 20)}"}}`;
  const bytes = new TextEncoder().encode(big);
  const bodies = {
    "one chunk": () => big,
    "64 KiB chunks": () =>
      new ReadableStream({
        start(c) {
          for (let i = 0; i < bytes.length; i += 65536) c.enqueue(bytes.subarray(i, i + 65536));
          c.close();
        },
      }),
  };
  for (const [how, body] of Object.entries(bodies)) {
    let sent = 0;
    const fetch = async () => (sent++, new Response(body(), { status: 200 }));
    const client = new MpsClient({ ...KEYS, endpoint: "http://127.0.0.1:9/", fetch });
    const e = await rejection(client.create({ Prompt: "x" }));
    assert.equal(e.code, "InvalidResponse", how);
    assert.equal(e.maybeCreated, true, how);
    assert.equal(e.taskId, TaskId, how);
    assert.equal(sent, 1, how);
  }
});

test("a secret a server echoes is redacted from every field of the error, proxy tokens included", async () => {
  const { inspect } = await import("node:util");
  const PROXY_TOKEN = "proxy-token-for-redaction-0123456789";
  const echo = (secret) => async () =>
    new Response(JSON.stringify({ Response: { Error: { Code: `AuthFailure.${secret}`, Message: `bad ${secret}` }, RequestId: `rid-${secret}` } }));
  const clients = [
    [KEYS.secretKey, (fetch) => new MpsClient({ ...KEYS, endpoint: "http://127.0.0.1:9/", fetch })],
    [PROXY_TOKEN, (fetch) => new MpsClient({ proxyToken: PROXY_TOKEN, endpoint: "http://127.0.0.1:9/", fetch })],
    [PROXY_TOKEN, (fetch) => new MpsClient({ proxyToken: () => PROXY_TOKEN, endpoint: "http://127.0.0.1:9/", fetch })],
  ];
  for (const [secret, make] of clients) {
    for (const call of [(c) => c.describe("4-AigcVideo-T"), (c) => c.wait("4-AigcVideo-T")]) {
      const e = await rejection(call(make(echo(secret))));
      assert.equal(e.code, "AuthFailure.** REDACTED **");
      assert.equal(e.requestId, "rid-** REDACTED **");
      assert.equal(e.message, "bad ** REDACTED **");
      assert.ok(!inspect(e, { showHidden: true, depth: 5 }).includes(secret) && !JSON.stringify(e).includes(secret));
    }
  }
});

test("a coordinator of one's own that says no at once is asked again on a timer, so a signal's timeout still ends the call", () => {
  // It used to be asked again at once, in a loop of promises only: no timer could fire, so an
  // AbortSignal.timeout never aborted and the process spun at full CPU. In a child process, which
  // this test kills if it hangs.
  const script = `
    const { MpsClient } = await import(${JSON.stringify(new URL("../../pkg/node.mjs", import.meta.url).href)});
    let asked = 0;
    const coordinator = { acquire: async () => (asked++, 0), release() {} };
    const fetch = async () => new Response('{"Response":{"Status":"RUN","RequestId":"r"}}');
    const client = new MpsClient({ ...${JSON.stringify(KEYS)}, endpoint: "http://127.0.0.1:9/", fetch, coordinator });
    const started = performance.now();
    const outcome = await client.describe("t", { signal: AbortSignal.timeout(300) }).then(() => "answered", (e) => e.name);
    const waited = await client.wait("t", { timeoutMs: 500 }).then(() => "answered", (e) => e.code);
    console.log(JSON.stringify({ outcome, waited, asked, ms: performance.now() - started }));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 }).trim());
  assert.deepEqual([out.outcome, out.waited], ["TimeoutError", "WaitTimeout"]);
  assert.ok(out.asked < 100, `asked ${out.asked} times in ${out.ms} ms`);
});

test("a wait rides out a rate-limit coordinator that cannot be reached for a while, and gives up only at its deadline", async () => {
  const answer = (status) => new Response(JSON.stringify({ Response: { Status: status, RequestId: "r" } }));
  let fetched = 0;
  const fetch = async () => answer(++fetched < 2 ? "RUN" : "DONE");
  let down = 2; // the coordinator fails this many times, then answers
  const coordinator = {
    acquire: async () => {
      if (down-- > 0) throw new Error("Durable Object reset");
      return 1;
    },
    release: async () => {},
  };
  const client = new MpsClient({ ...KEYS, endpoint: "http://127.0.0.1:9/", fetch, coordinator });
  const done = await client.wait("4-AigcVideo-T", { intervalMs: 10, maxIntervalMs: 20 });
  assert.equal(done.Status, "DONE");
  assert.equal(fetched, 2);

  down = Infinity;
  const e = await rejection(client.wait("4-AigcVideo-T", { intervalMs: 10, maxIntervalMs: 20, timeoutMs: 300 }));
  assert.ok(e instanceof WaitTimeoutError, `${e.code}: ${e.message}`);
  assert.equal(e.cause?.code, "ClientCoordinatorError");
  // An abort still ends it at once, whatever the coordinator does.
  const controller = new AbortController();
  const waiting = rejection(client.wait("4-AigcVideo-T", { intervalMs: 10, signal: controller.signal }));
  setTimeout(() => controller.abort(new Error("stop")), 50);
  assert.equal((await waiting).message, "stop");
});
