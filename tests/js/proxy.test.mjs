// The signing proxy: www/worker.mjs running in workerd (Miniflare), between a client and the mock.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { lib, KEYS, TOKEN, startMockMps, rejection, see, seenText } from "./helpers.mjs";
import { startProxyWorker } from "../../tools/workerd.mjs";

const { MpsClient, MpsError, createSigningProxy } = lib;
const PROXY_TOKEN = "proxy-token-for-tests-0123456789";
const ORIGIN = "http://127.0.0.1:5173";
const CREATE = "CreateAigcVideoTask";
const DESCRIBE = "DescribeAigcVideoTask";

let mock;
let worker;
before(async () => {
  mock = await startMockMps({ task: { waitMs: 30, runMs: 100 }, credentials: [{ ...KEYS, token: TOKEN }] });
  worker = await startProxyWorker({
    env: {
      TENCENTCLOUD_SECRET_ID: KEYS.secretId,
      TENCENTCLOUD_SECRET_KEY: KEYS.secretKey,
      TENCENTCLOUD_SESSION_TOKEN: TOKEN,
      TENCENTCLOUD_REGION: "ap-guangzhou",
      MPS_UPSTREAM: mock.url,
      PROXY_TOKENS: `other-token-0123456789abcdef, ${PROXY_TOKEN}`,
      ALLOW_ORIGINS: ORIGIN,
      // Generous limits: this suite is about what is refused for other reasons (quotas: abuse.test.mjs).
      LIMIT_CREATES_PER_MINUTE: "1000",
      LIMIT_CREATES_PER_DAY: "100000",
      LIMIT_DESCRIBES_PER_SECOND: "1000",
    },
  });
});
after(async () => {
  await worker?.dispose();
  await mock?.close();
});

/** A raw request to the proxy; returns status, headers and the parsed body. */
async function raw(init = {}, path = "/") {
  const response = await fetch(worker.url + path, { method: "POST", ...init });
  const text = await response.text();
  see(text);
  let json;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, json, text };
}

const auth = { Authorization: `Bearer ${PROXY_TOKEN}`, "Content-Type": "application/json" };

test("a client made with { endpoint: proxyUrl, proxyToken } works through it unchanged", async () => {
  const before = mock.requests.length;
  const client = new MpsClient({ endpoint: worker.url, proxyToken: PROXY_TOKEN });
  const { TaskId } = await client.create({ ModelName: "Kling", Prompt: "a cat through the proxy" });
  const done = await client.wait(TaskId, { intervalMs: 40 });
  assert.equal(done.Status, "DONE");
  const upstream = mock.requests.slice(before);
  assert.ok(upstream.length >= 2);
  for (const r of upstream) {
    assert.equal(r.signatureOk, true, "signed with the proxy's keys");
    assert.match(r.headers.authorization, /^TC3-HMAC-SHA256 Credential=AKIDz8/);
    assert.equal(r.headers["x-tc-token"], TOKEN, "with the proxy's STS token");
    assert.equal(r.headers["x-tc-region"], "ap-guangzhou", "and the proxy's region");
    assert.ok(!JSON.stringify(r.headers).includes(PROXY_TOKEN), "the proxy token never goes upstream");
  }
  assert.equal(upstream[0].body, '{"ModelName":"Kling","Prompt":"a cat through the proxy"}', "the exact bytes are forwarded");
});

test("by default the proxy serves every kind: image and music tasks through it as for video", async () => {
  const client = new MpsClient({ endpoint: worker.url, proxyToken: PROXY_TOKEN });
  const image = await client.createAigcImageTask({ ModelName: "Hunyuan", Prompt: "a cat through the proxy" });
  const images = await client.waitAigcImageTask(image.TaskId, { intervalMs: 40 });
  assert.match(images.ImageUrls[0], /\.png$/);
  const music = await client.createAigcAudioTask({ ModelName: "MiniMaxMusic", Prompt: "a song through the proxy" });
  const songs = await client.waitAigcAudioTask(music.TaskId, { intervalMs: 40 });
  assert.match(songs.AudioInfos[0].Url, /\.wav$/);
  const actions = new Set(mock.requests.map((r) => r.action));
  for (const action of ["CreateAigcImageTask", "DescribeAigcImageTask", "CreateAigcAudioTask", "DescribeAigcAudioTask"]) {
    assert.ok(actions.has(action), action);
  }
});

test("callers without a valid token are refused, and nothing reaches the upstream", async () => {
  const before = mock.requests.length;
  for (const authorization of [undefined, "Bearer wrong-token-0123456789", `Basic ${PROXY_TOKEN}`, PROXY_TOKEN, "Bearer "]) {
    const headers = { "X-TC-Action": CREATE, "Content-Type": "application/json" };
    if (authorization) headers.Authorization = authorization;
    const r = await raw({ headers, body: '{"Prompt":"x"}' });
    assert.equal(r.status, 401, String(authorization));
    assert.equal(r.json.Response.Error.Code, "AuthFailure.InvalidAuthorization");
    assert.match(r.json.Response.RequestId, /^proxy-/);
  }
  const e = await rejection(new MpsClient({ endpoint: worker.url, proxyToken: "wrong-token-0123456789" }).create({ Prompt: "x" }));
  assert.ok(e instanceof MpsError);
  assert.deepEqual([e.code, e.httpStatus, e.retryable, e.maybeCreated], ["AuthFailure.InvalidAuthorization", 401, false, false]);
  assert.equal(mock.requests.length, before);
});

test("actions outside allowActions, odd methods and paths, big bodies are refused", async () => {
  const before = mock.requests.length;
  const cases = [
    [{ headers: { ...auth, "X-TC-Action": "ProcessMedia" }, body: "{}" }, "/", 403, "UnauthorizedOperation"],
    [{ headers: { ...auth, "X-TC-Action": "DeleteAigcVideoTask" }, body: "{}" }, "/", 403, "UnauthorizedOperation"],
    [{ headers: { ...auth }, body: "{}" }, "/", 400, "MissingParameter"],
    [{ headers: { ...auth, "X-TC-Action": CREATE }, body: "[1,2]" }, "/", 400, "InvalidParameter"],
    [{ headers: { ...auth, "X-TC-Action": CREATE }, body: "not json" }, "/", 400, "InvalidParameter"],
    [{ headers: { ...auth, "X-TC-Action": CREATE }, body: `{"Prompt":"${"x".repeat(70_000)}"}` }, "/", 413, "RequestSizeLimitExceeded"],
    [{ method: "GET", headers: auth }, "/", 405, "UnsupportedOperation"],
    [{ method: "PUT", headers: { ...auth, "X-TC-Action": CREATE }, body: "{}" }, "/", 405, "UnsupportedOperation"],
    [{ method: "DELETE", headers: auth }, "/", 405, "UnsupportedOperation"],
    [{ headers: { ...auth, "X-TC-Action": CREATE }, body: "{}" }, "/admin", 404, "ResourceNotFound"],
    [{ headers: { ...auth, "X-TC-Action": CREATE }, body: "{}" }, "/https://evil.example/", 404, "ResourceNotFound"],
  ];
  for (const [init, path, status, code] of cases) {
    const r = await raw(init, path);
    assert.equal(r.status, status, `${init.method ?? "POST"} ${path} ${code}`);
    assert.equal(r.json.Response.Error.Code, code);
  }
  // A body with no Content-Length (streamed) is cut off at the limit too.
  const stream = new ReadableStream({
    start(c) {
      for (let i = 0; i < 20; i++) c.enqueue(new TextEncoder().encode("x".repeat(8192)));
      c.close();
    },
  });
  // The proxy stops reading at the limit (it will not drain an endless body), so the connection may
  // be cut while fetch is still uploading: either the 413 arrives first or the upload fails.
  try {
    const r = await raw({ headers: { ...auth, "X-TC-Action": CREATE }, body: stream, duplex: "half" });
    assert.equal(r.status, 413);
  } catch (e) {
    assert.equal(e.message, "fetch failed", String(e));
  }
  assert.equal(mock.requests.length, before, "nothing reached the upstream");
  // The handler itself always answers 413 to a streamed body over the limit.
  const handler = createSigningProxy({ ...KEYS, proxyTokens: [PROXY_TOKEN], maxBodyBytes: 1000, fetch: () => assert.fail("no upstream call") });
  const big = new ReadableStream({
    pull(c) {
      c.enqueue(new TextEncoder().encode("x".repeat(600))); // never closes: an endless body
    },
  });
  const response = await handler(
    new Request("http://proxy.local/", { method: "POST", headers: { ...auth, "X-TC-Action": CREATE }, body: big, duplex: "half" }),
  );
  assert.equal(response.status, 413);
  assert.equal((await response.json()).Response.Error.Code, "RequestSizeLimitExceeded");
});

test("CORS: preflights are answered for allowed origins only, and browsers from other origins are refused", async () => {
  const preflight = (origin) =>
    fetch(worker.url, {
      method: "OPTIONS",
      headers: { Origin: origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,x-tc-action" },
    });
  const ok = await preflight(ORIGIN);
  assert.equal(ok.status, 204);
  assert.equal(ok.headers.get("access-control-allow-origin"), ORIGIN);
  assert.match(ok.headers.get("access-control-allow-headers"), /authorization/);
  assert.match(ok.headers.get("access-control-allow-methods"), /POST/);
  const bad = await preflight("https://evil.example");
  assert.equal(bad.status, 403);
  assert.equal(bad.headers.get("access-control-allow-origin"), null);

  const before = mock.requests.length;
  const r = await raw({ headers: { ...auth, Origin: "https://evil.example", "X-TC-Action": DESCRIBE }, body: '{"TaskId":"t"}' });
  assert.equal(r.status, 403, "a stolen token used from another site is refused");
  assert.equal(mock.requests.length, before);
  const good = await raw({ headers: { ...auth, Origin: ORIGIN, "X-TC-Action": DESCRIBE }, body: '{"TaskId":"t"}' });
  assert.equal(good.status, 200);
  assert.equal(good.headers.get("access-control-allow-origin"), ORIGIN);
});

/** A task created through the worker with the proxy token: its handle. */
async function ownTask() {
  const { TaskId } = await new MpsClient({ endpoint: worker.url, proxyToken: PROXY_TOKEN }).create({ Prompt: "mine" });
  return TaskId;
}

test("forged Host and X-TC-* headers do not reach the upstream, which is never taken from the request", async () => {
  const handle = await ownTask();
  const before = mock.requests.length;
  const r = await raw({
    headers: {
      ...auth,
      "X-TC-Action": DESCRIBE,
      "X-TC-Region": "forged-region",
      "X-TC-Token": "forged-token",
      "X-TC-Timestamp": "1",
      "X-TC-Version": "1999-01-01",
      "X-Forwarded-Host": "evil.example",
      "X-TC-Language": "fr-FR",
    },
    body: JSON.stringify({ TaskId: handle }),
  });
  assert.equal(r.status, 200);
  const [upstream] = mock.requests.slice(before);
  assert.equal(mock.requests.length, before + 1);
  assert.equal(upstream.headers["x-tc-region"], "ap-guangzhou");
  assert.equal(upstream.headers["x-tc-token"], TOKEN);
  assert.equal(upstream.headers["x-tc-version"], "2019-06-12");
  assert.equal(upstream.headers["x-tc-language"], undefined, "only zh-CN and en-US pass");
  assert.notEqual(upstream.headers["x-tc-timestamp"], "1");
  assert.equal(upstream.headers["x-forwarded-host"], undefined);
  assert.equal(upstream.signatureOk, true);
});

test("Tencent's answers pass through: errors keep their code and RequestId", async () => {
  const client = new MpsClient({ endpoint: worker.url, proxyToken: PROXY_TOKEN });
  mock.fault({ kind: "error", code: "InvalidParameterValue", message: "no such model", action: CREATE });
  const e = await rejection(client.create({ Prompt: "x", ModelName: "Nope" }));
  assert.deepEqual([e.code, e.httpStatus, e.message], ["InvalidParameterValue", 200, "no such model"]);
  assert.ok(e.requestId && !e.requestId.startsWith("proxy-"));
  // A task this caller did not create is answered as one that does not exist, without asking upstream.
  const before = mock.requests.length;
  const missing = await rejection(client.describe("4-AigcVideo-somebody-elses"));
  assert.deepEqual([missing.code, missing.httpStatus], ["FailedOperation.TaskNotFound", 200]);
  assert.equal(mock.requests.length, before);
});

test("an unreachable upstream is a 502 the client reads as maybe-processed", async () => {
  const dead = await startProxyWorker({
    env: {
      TENCENTCLOUD_SECRET_ID: KEYS.secretId,
      TENCENTCLOUD_SECRET_KEY: KEYS.secretKey,
      MPS_UPSTREAM: "http://127.0.0.1:1",
      PROXY_TOKENS: PROXY_TOKEN,
    },
    outDir: new URL("../../target/proxy-worker-dead", import.meta.url).pathname,
  });
  try {
    const client = new MpsClient({ endpoint: dead.url, proxyToken: PROXY_TOKEN, maxRetries: 1 });
    const e = await rejection(client.create({ Prompt: "x" }));
    assert.deepEqual([e.code, e.httpStatus, e.maybeCreated, e.retryable], ["InternalError.UpstreamUnreachable", 502, true, false]);
    // A handle made by the other Worker opens here too: the same secret, the same token's subject.
    const d = await rejection(client.describe(await ownTask()));
    assert.deepEqual([d.code, d.retryable], ["InternalError.UpstreamUnreachable", true]);
  } finally {
    await dead.dispose();
  }
});

test("a misconfigured Worker answers with a Tencent-shaped error naming the setting", async () => {
  const open = await startProxyWorker({
    env: { TENCENTCLOUD_SECRET_ID: KEYS.secretId, TENCENTCLOUD_SECRET_KEY: KEYS.secretKey, MPS_UPSTREAM: mock.url },
    outDir: new URL("../../target/proxy-worker-open", import.meta.url).pathname,
  });
  try {
    const r = await fetch(open.url, { method: "POST", headers: { "X-TC-Action": DESCRIBE }, body: "{}" });
    const body = await r.json();
    assert.equal(r.status, 500);
    assert.equal(body.Response.Error.Code, "InternalError.ProxyMisconfigured");
    assert.match(body.Response.Error.Message, /set PROXY_TOKEN_SECRET .* PROXY_TOKENS .* or ALLOW_ANONYMOUS=1/);
  } finally {
    await open.dispose();
  }
});

test("createSigningProxy refuses options that would sign for anyone, and never rejects", async () => {
  assert.throws(() => createSigningProxy({ ...KEYS }), { code: "InvalidParameter", message: /^tokenSecret \(or proxyTokens, authorize or allowAnonymous\) is required/ });
  assert.throws(() => createSigningProxy({ ...KEYS, allowOrigins: ["*"] }), { code: "InvalidParameter" }, "an open signer");
  assert.throws(() => createSigningProxy({ ...KEYS, allowOrigins: ["https://a.example"] }), { code: "InvalidParameter" }, "origins alone");
  assert.throws(() => createSigningProxy({ ...KEYS, allowAnonymous: true, allowOrigins: ["*"] }), /allowAnonymous needs allowOrigins/);
  assert.throws(() => createSigningProxy({ ...KEYS, proxyTokens: ["short"] }), /proxyTokens must be printable ASCII of at least 16/);
  assert.throws(() => createSigningProxy({ ...KEYS, allowOrigins: ["https://a.example/path"] }), /allowOrigins holds/);
  assert.throws(() => createSigningProxy({ proxyTokens: [PROXY_TOKEN] }), /secretId and secretKey \(or credentials\)/);
  assert.throws(() => createSigningProxy({ ...KEYS, proxyTokens: [PROXY_TOKEN], upstream: "https://x.example/path" }), /upstream must be an origin/);
  // A path that URLs rewrite would match no request: refused, naming path.
  for (const path of ["/a/../", "/a/%2e/", "/a\\b", "/a?b", "/api "]) {
    assert.throws(() => createSigningProxy({ ...KEYS, proxyTokens: [PROXY_TOKEN], path }), { code: "InvalidParameterValue", message: /^path must/ }, path);
  }
  const served = createSigningProxy({ ...KEYS, proxyTokens: [PROXY_TOKEN], path: "/api/v1.2/" });
  assert.equal((await served(new Request("http://proxy.local/api/v1.2/", { method: "PUT" }))).status, 405, "the path served");
  // In Node too, with a fetch that throws: still a Response.
  const handler = createSigningProxy({
    ...KEYS,
    proxyTokens: [PROXY_TOKEN],
    upstream: "https://mps.tencentcloudapi.com",
    fetch: () => {
      throw new Error("boom");
    },
  });
  const response = await handler(
    new Request("http://proxy.local/", { method: "POST", headers: { ...auth, "X-TC-Action": CREATE }, body: '{"Prompt":"x"}' }),
  );
  assert.equal(response.status, 502);
  const weird = await handler({ method: 42, url: null, headers: null });
  assert.ok(weird instanceof Response);
  assert.equal(weird.status, 404);
});

test("the proxy corrects its clock from the upstream's Date and re-signs", async () => {
  const skewed = await startMockMps({ clockSkewMs: 20 * 60_000 });
  const handler = createSigningProxy({ ...KEYS, proxyTokens: [PROXY_TOKEN], upstream: skewed.url });
  try {
    const response = await handler(
      new Request("http://proxy.local/", { method: "POST", headers: { ...auth, "X-TC-Action": CREATE }, body: '{"Prompt":"x"}' }),
    );
    const body = await response.json();
    assert.equal(response.status, 200);
    assert.ok(body.Response.TaskId);
    assert.equal(skewed.requests.length, 2);
  } finally {
    await skewed.close();
  }
});

/** Sends raw HTTP/1.1 bytes to the worker (so nothing normalizes them) and returns the answer. */
function rawHttp(text) {
  const { port } = new URL(worker.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () => socket.end(text));
    let answer = "";
    socket.on("data", (d) => (answer += d));
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
    socket.setTimeout(10_000, () => reject(new Error("no answer")));
  });
}

test("a request cannot pick another upstream: absolute URLs, forged Host and forwarding headers", async () => {
  const body = '{"Prompt":"a forged host"}';
  const request = (target, host) =>
    [
      `POST ${target} HTTP/1.1`,
      `Host: ${host}`,
      `Authorization: Bearer ${PROXY_TOKEN}`,
      "Content-Type: application/json",
      `X-TC-Action: ${CREATE}`,
      "X-Forwarded-Host: evil.example",
      "Forwarded: host=evil.example;proto=http",
      "X-Original-URL: http://evil.example/",
      "X-TC-Endpoint: http://evil.example/",
      `Content-Length: ${body.length}`,
      "Connection: close",
      "",
      body,
    ].join("\r\n");

  // An absolute URL in the request line is refused by workerd itself, before the proxy runs.
  let before = mock.requests.length;
  const absolute = await rawHttp(request("http://evil.example/", "evil.example"));
  see(absolute);
  assert.match(absolute, /^HTTP\/1\.1 [45]\d\d /);
  assert.equal(mock.requests.length, before, "nothing went anywhere");

  // A forged Host and forwarding headers: forwarded to the configured upstream only, without them.
  before = mock.requests.length;
  const forged = await rawHttp(request("/", "evil.example"));
  see(forged);
  assert.match(forged, /^HTTP\/1\.1 200/);
  assert.equal(mock.requests.length, before + 1);
  const upstream = mock.requests.at(-1);
  assert.equal(upstream.signatureOk, true);
  assert.equal(upstream.headers.host, new URL(mock.url).host);
  for (const name of ["x-forwarded-host", "forwarded", "x-original-url", "x-tc-endpoint"]) {
    assert.equal(upstream.headers[name], undefined, name);
  }
});

test("a body that arrives too slowly is refused with 408, and nothing goes upstream", async () => {
  let upstreamCalls = 0;
  const handler = createSigningProxy({
    ...KEYS,
    proxyTokens: [PROXY_TOKEN],
    bodyTimeoutMs: 200,
    fetch: async () => {
      upstreamCalls++;
      return new Response("{}");
    },
  });
  const trickle = new ReadableStream({
    async pull(controller) {
      await new Promise((r) => setTimeout(r, 1000));
      controller.enqueue(new TextEncoder().encode("{}"));
      controller.close();
    },
  });
  const started = performance.now();
  const response = await handler(
    new Request("http://proxy.local/", {
      method: "POST",
      headers: { ...auth, "X-TC-Action": CREATE },
      body: trickle,
      duplex: "half",
    }),
  );
  const body = await response.json();
  see(body);
  assert.equal(response.status, 408);
  assert.equal(body.Response.Error.Code, "RequestTimeout");
  assert.ok(performance.now() - started < 900, "refused at the body timeout, not when the body finally came");
  assert.equal(upstreamCalls, 0);
});

test("no secret key, session token or proxy token is echoed in any answer", async () => {
  const text = seenText();
  assert.ok(text.length > 500);
  for (const secret of [KEYS.secretKey, TOKEN, PROXY_TOKEN]) assert.ok(!text.includes(secret), "a secret leaked");
});
