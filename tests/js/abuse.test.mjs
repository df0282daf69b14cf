// The signing proxy tried as an attacker would: every task a caller creates is billed to the
// account, so each finding of the review that opened the proxy to the public is reproduced here and
// must now be refused. Against the built package (createSigningProxy in Node) and against
// www/worker.mjs in workerd. Everything listens on 127.0.0.1; nothing else is contacted.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { lib, KEYS, startMockMps, see, listen } from "./helpers.mjs";
import { startProxyWorker } from "../../tools/workerd.mjs";

const { MpsClient, createSigningProxy, mintProxyToken } = lib;
const SECRET = "abuse-suite-token-secret-0123456789abcdef";
const STATIC = "abuse-static-token-0123456789";
const PAGE = "http://127.0.0.1:5173";
const CREATE = "CreateAigcVideoTask";
const DESCRIBE = "DescribeAigcVideoTask";
const LIMITS = { createsPerMinute: 3, createsPerDay: 100, describesPerSecond: 5 };

let mock;
let worker;
/** A server that should never hear from anyone: the target of redirects. */
let elsewhere;
const elsewhereHeard = [];

before(async () => {
  mock = await startMockMps({ task: { waitMs: 0, runMs: 100 } });
  elsewhere = await listen((req, res) => {
    elsewhereHeard.push(req.headers);
    res.end("{}");
  });
  worker = await startProxyWorker({
    env: {
      TENCENTCLOUD_SECRET_ID: KEYS.secretId,
      TENCENTCLOUD_SECRET_KEY: KEYS.secretKey,
      MPS_UPSTREAM: mock.url,
      PROXY_TOKEN_SECRET: SECRET,
      PROXY_TOKENS: STATIC,
      ALLOW_ORIGINS: PAGE,
      LIMIT_CREATES_PER_MINUTE: String(LIMITS.createsPerMinute),
      LIMIT_CREATES_PER_DAY: String(LIMITS.createsPerDay),
      LIMIT_DESCRIBES_PER_SECOND: String(LIMITS.describesPerSecond),
    },
    outDir: new URL("../../target/abuse-worker", import.meta.url).pathname,
  });
});
after(async () => {
  await worker?.dispose();
  await mock?.close();
  await elsewhere?.close();
  assert.deepEqual(elsewhereHeard, [], "no request ever reached another origin");
});

const token = (subject, ttlSeconds = 600) => mintProxyToken({ tokenSecret: SECRET, subject, ttlSeconds });
/** A token minted `ms` ago (the clock is turned back for the minting). */
function tokenFrom(subject, ttlSeconds, msAgo) {
  const now = Date.now;
  Date.now = () => now() - msAgo;
  try {
    return token(subject, ttlSeconds);
  } finally {
    Date.now = now;
  }
}

async function call(url, action, body, headers = {}) {
  const r = await fetch(url, { method: "POST", headers: { "X-TC-Action": action, ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
  const text = await r.text();
  see(text);
  let json;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: r.status, headers: r.headers, json, text, code: json?.Response?.Error?.Code };
}
const bearer = (t) => ({ Authorization: `Bearer ${t}` });

test("finding: '*' or origins alone made an open signer; now such a proxy does not start", () => {
  for (const options of [{ allowOrigins: ["*"] }, { allowOrigins: [PAGE] }, { allowAnonymous: true, allowOrigins: ["*"] }, {}]) {
    assert.throws(() => createSigningProxy({ ...KEYS, upstream: mock.url, ...options }), { code: "InvalidParameter" }, JSON.stringify(options));
  }
});

test("finding: a Worker deployed before its secrets were set signed for any forged Origin; now it serves nothing", async () => {
  const early = await startProxyWorker({
    env: { TENCENTCLOUD_SECRET_ID: KEYS.secretId, TENCENTCLOUD_SECRET_KEY: KEYS.secretKey, MPS_UPSTREAM: mock.url, ALLOW_ORIGINS: "*" },
    outDir: new URL("../../target/abuse-worker-early", import.meta.url).pathname,
  });
  try {
    const before = mock.requests.length;
    for (const origin of [PAGE, "null", "https://evil.example"]) {
      const r = await call(early.url, CREATE, { Prompt: "free video" }, { Origin: origin });
      assert.equal(r.status, 500);
      assert.equal(r.code, "InternalError.ProxyMisconfigured");
      assert.match(r.json.Response.Error.Message, /PROXY_TOKEN_SECRET/, "names the Worker's setting");
    }
    assert.equal(mock.requests.length, before, "no task was created");
  } finally {
    await early.dispose();
  }
});

test("finding: a page's static token could be copied and used from anywhere; a minted token expires, for one subject", async () => {
  // A token copied out of a page works from a script (it is a bearer), but only until it expires...
  const stolen = token("alice", 60);
  assert.equal((await call(worker.url, CREATE, { Prompt: "with a copied token" }, bearer(stolen))).status, 200);
  const expired = tokenFrom("alice", 60, 75_000); // expired 15 s ago: beyond the 10 s of leeway
  const r = await call(worker.url, CREATE, { Prompt: "with an expired token" }, bearer(expired));
  assert.deepEqual([r.status, r.code], [401, "AuthFailure.ProxyTokenExpired"]);
  assert.match(r.json.Response.Error.Message, /expired/);
  // ...within the 10 s of leeway it still works (clocks differ).
  const late = tokenFrom("alice", 60, 65_000);
  assert.equal((await call(worker.url, DESCRIBE, { TaskId: "x" }, bearer(late))).status, 200);
  // Forged, truncated and altered tokens are refused alike.
  const forged = mintProxyToken({ tokenSecret: "an-attackers-own-secret-of-32-bytes!!", subject: "alice" });
  for (const bad of [forged, stolen.slice(0, -3), stolen.replace("mps1.", "mps1.x"), `${stolen}x`]) {
    const r = await call(worker.url, CREATE, { Prompt: "forged" }, bearer(bad));
    assert.deepEqual([r.status, r.code], [401, "AuthFailure.InvalidAuthorization"], bad.slice(0, 30));
  }
});

test("finding: a token holder could describe anyone's task; now each subject sees only its own", async () => {
  const alice = new MpsClient({ endpoint: worker.url, proxyToken: token("alice-tasks") });
  const bob = new MpsClient({ endpoint: worker.url, proxyToken: token("bob-tasks") });
  const { TaskId: handle } = await alice.create({ Prompt: "alice's secret video" });
  assert.match(handle, /^4-AigcVideo-\w+~[\w-]{22}$/, "the caller gets a handle, not the bare TaskId");
  const done = await alice.wait(handle, { intervalMs: 50 });
  assert.match(done.VideoUrls[0], /\.mp4$/);
  // Bob, with alice's handle, the bare TaskId inside it, or a forged one: the same answer as for a
  // task that does not exist, and nothing reaches the upstream.
  const before = mock.requests.length;
  const bare = handle.split("~")[0];
  const answers = [];
  for (const id of [handle, bare, `${bare}~AAAAAAAAAAAAAAAAAAAAAA`, "4-AigcVideo-does-not-exist"]) {
    const r = await call(worker.url, DESCRIBE, { TaskId: id }, bearer(token("bob-tasks")));
    answers.push([r.status, r.code, r.json.Response.Error.Message]);
  }
  assert.equal(new Set(answers.map((a) => JSON.stringify(a))).size, 1, "indistinguishable");
  assert.deepEqual(answers[0], [200, "FailedOperation.TaskNotFound", "the task does not exist"]);
  assert.equal(mock.requests.length, before);
  const e = await bob.describe(handle).catch((x) => x);
  assert.equal(e.code, "FailedOperation.TaskNotFound");
  // A static token is a subject of its own too.
  const server = await call(worker.url, DESCRIBE, { TaskId: handle }, bearer(STATIC));
  assert.equal(server.code, "FailedOperation.TaskNotFound");
});

test("ownership holds across restarts and isolates: another Worker with the same secret opens the handle", async () => {
  const alice = token("alice-restart");
  const { TaskId } = await new MpsClient({ endpoint: worker.url, proxyToken: alice }).create({ Prompt: "before the restart" });
  const fresh = await startProxyWorker({
    env: { TENCENTCLOUD_SECRET_ID: KEYS.secretId, TENCENTCLOUD_SECRET_KEY: KEYS.secretKey, MPS_UPSTREAM: mock.url, PROXY_TOKEN_SECRET: SECRET },
    outDir: new URL("../../target/abuse-worker-fresh", import.meta.url).pathname,
  });
  try {
    const done = await new MpsClient({ endpoint: fresh.url, proxyToken: alice }).wait(TaskId, { intervalMs: 50 });
    assert.equal(done.Status, "DONE");
  } finally {
    await fresh.dispose();
  }
});

test("finding: StoreCosParam naming any bucket reached the upstream; now it is refused unless the app's checkBody decides", async () => {
  const before = mock.requests.length;
  const body = { Prompt: "x", StoreCosParam: { CosBucketName: "attacker-1250000000", CosBucketRegion: "ap-guangzhou" } };
  for (const action of [CREATE, "CreateAigcImageTask", "CreateAigcAudioTask"]) {
    const r = await call(worker.url, action, body, bearer(token("cos")));
    assert.deepEqual([r.status, r.code], [400, "InvalidParameter"]);
    assert.match(r.json.Response.Error.Message, /^StoreCosParam/);
  }
  assert.equal(mock.requests.length, before, "nothing reached the upstream");
  // An app that stores outputs in its own bucket says so in checkBody, whatever the caller sent.
  const own = createSigningProxy({
    ...KEYS,
    upstream: mock.url,
    tokenSecret: SECRET,
    checkBody: (action, request, caller) => ({ ...request, StoreCosParam: { CosBucketName: "app-bucket-1250000000", CosBucketPath: `users/${caller.subject}/` } }),
  });
  const r = await own(new Request("http://proxy/", { method: "POST", headers: { ...bearer(token("carol")), "X-TC-Action": CREATE }, body: JSON.stringify(body) }));
  assert.equal(r.status, 200);
  const sent = JSON.parse(mock.requests.at(-1).body);
  assert.deepEqual(sent.StoreCosParam, { CosBucketName: "app-bucket-1250000000", CosBucketPath: "users/carol/" });
  // checkBody may refuse with a Response of its own, which the caller gets as it is.
  const strict = createSigningProxy({ ...KEYS, upstream: mock.url, tokenSecret: SECRET, checkBody: () => new Response("no", { status: 451 }) });
  assert.equal((await strict(new Request("http://proxy/", { method: "POST", headers: { ...bearer(token("carol")), "X-TC-Action": CREATE }, body: "{}" }))).status, 451);
});

/** A Response of another fetch library (the undici package, node-fetch): not `instanceof Response`. */
class ForeignResponse {
  constructor(text, { status, headers = {} }) {
    this.status = status;
    this.statusText = "";
    this.headers = new Map(Object.entries(headers));
    this.text = text;
  }
  async arrayBuffer() {
    return new TextEncoder().encode(this.text).buffer;
  }
}

test("checkBody: another library's Response is answered with; any other non-plain object is refused, and nothing goes upstream", async () => {
  const before = mock.requests.length;
  const ask = (checkBody) => {
    const proxy = createSigningProxy({ ...KEYS, upstream: mock.url, tokenSecret: SECRET, allowOrigins: [PAGE], checkBody });
    return proxy(new Request("http://proxy/", { method: "POST", headers: { ...bearer(token("erin")), "X-TC-Action": CREATE, Origin: PAGE }, body: '{"Prompt":"x"}' }));
  };
  const r = await ask(() => new ForeignResponse('{"refused":true}', { status: 403, headers: { "x-why": "words" } }));
  assert.deepEqual([r.status, r.headers.get("x-why"), r.headers.get("access-control-allow-origin"), await r.text()], [403, "words", PAGE, '{"refused":true}']);
  // Headers that can only be read one by one (all that the typings' ResponseLike promises).
  const minimal = { status: 451, headers: { get: (name) => (name === "content-type" ? "text/plain" : null) }, arrayBuffer: async () => new TextEncoder().encode("no").buffer };
  const r2 = await ask(() => minimal);
  assert.deepEqual([r2.status, r2.headers.get("content-type"), await r2.text()], [451, "text/plain", "no"]);
  class Body {
    Prompt = "x";
  }
  const odd = [new Body(), new Map([["Prompt", "x"]]), new Date(0), [], new ForeignResponse("", { status: 0 })];
  for (const out of odd) {
    const refused = await ask(() => out);
    assert.equal(refused.status, 500, String(out?.constructor?.name));
    assert.match((await refused.json()).Response.Error.Message, /checkBody function failed/);
  }
  assert.equal((await ask((action, body) => Object.assign(Object.create(null), body))).status, 200, "a null-prototype object is plain");
  assert.equal(mock.requests.length, before + 1, "only the plain body went upstream");
});

test("finding: one token spent the account's whole rate limit; now each subject has its quota", async () => {
  const before = mock.calls(CREATE).length;
  const mallory = bearer(token("mallory"));
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => call(worker.url, CREATE, { Prompt: `spam ${i}` }, mallory)));
  const ok = results.filter((r) => r.status === 200);
  const refused = results.filter((r) => r.status === 429);
  assert.equal(ok.length, LIMITS.createsPerMinute, "three creates a minute");
  assert.equal(refused.length, 50 - LIMITS.createsPerMinute);
  for (const r of refused) {
    assert.equal(r.code, "RequestLimitExceeded.ProxyQuota");
    const after = Number(r.headers.get("retry-after"));
    assert.ok(Number.isInteger(after) && after > 0 && after <= 60, `Retry-After ${after}`);
  }
  assert.equal(mock.calls(CREATE).length - before, LIMITS.createsPerMinute, "only those reached the upstream");
  // Everyone else is unaffected.
  const other = await call(worker.url, CREATE, { Prompt: "an honest user" }, bearer(token("honest")));
  assert.equal(other.status, 200);
});

test("a client whose quota resets later than it can wait fails at once, saying when", async () => {
  const proxy = createSigningProxy({ ...KEYS, upstream: mock.url, tokenSecret: SECRET, limits: { createsPerDay: 1 } });
  const fetchThrough = (url, init) => proxy(new Request(url, init));
  const client = new MpsClient({ endpoint: "http://proxy.local/", proxyToken: token("daily"), fetch: fetchThrough });
  assert.ok((await client.create({ Prompt: "today's one" })).TaskId);
  const started = Date.now();
  const e = await client.create({ Prompt: "one more today" }).catch((x) => x);
  assert.ok(Date.now() - started < 1000, "no day-long sleep inside a call");
  assert.equal(e.code, "RequestLimitExceeded.ProxyQuota");
  assert.equal(e.retryable, true);
  assert.equal(e.maybeCreated, false);
  assert.ok(e.retryAfterMs > 86_000_000, `${e.retryAfterMs}`);
  assert.match(e.message, /quota resets in \d+ s, later than this call can wait/);
  see(e);
});

test("describes have their own quota per second, honoured by the client's Retry-After", async () => {
  const subject = token("poller");
  const client = new MpsClient({ endpoint: worker.url, proxyToken: subject, rateLimit: false });
  const { TaskId } = await client.create({ Prompt: "polled hard" });
  const started = Date.now();
  // 12 describes at once: 5 in the first second, then the client sleeps through Retry-After (1 s).
  const results = await Promise.all(Array.from({ length: 12 }, () => client.describe(TaskId)));
  assert.ok(results.every((r) => r.Status));
  assert.ok(Date.now() - started >= 1000, "the quota spread them over seconds");
});

test("finding: a large maxBodyBytes let one body grow wasm memory 80 times; now a 1 MiB body grows it under 3 times", () => {
  // In a fresh process: wasm memory never shrinks, so only a first big body shows the growth.
  const script = `
    const lib = await import(${JSON.stringify(new URL("../../pkg/node.mjs", import.meta.url).href)});
    const keys = ${JSON.stringify(KEYS)};
    const proxy = lib.createSigningProxy({ ...keys, proxyTokens: ["abuse-static-token-0123456789"], maxBodyBytes: 1 << 20,
      fetch: async () => new Response('{"Response":{"TaskId":"t","RequestId":"r"}}') });
    const parts = []; let size = 2;
    for (let n = 0; size < (1 << 20) - 40; n++) { const p = '"k' + n + '":[0]'; parts.push(p); size += p.length + 1; }
    const body = '{"Prompt":"x",' + parts.join(",") + "}";
    const before = lib.wasmMemoryBytes();
    const r = await proxy(new Request("http://p/", { method: "POST", headers: { authorization: "Bearer abuse-static-token-0123456789", "x-tc-action": "CreateAigcVideoTask" }, body }));
    console.log(JSON.stringify({ status: r.status, body: body.length, growth: lib.wasmMemoryBytes() - before }));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }).trim().split("\n").at(-1));
  assert.equal(out.status, 200);
  assert.ok(out.body > 1_000_000);
  assert.ok(out.growth < 3 * out.body, `grew ${out.growth} bytes for a ${out.body}-byte body`);
  // And more than 1 MiB is not accepted as a setting.
  assert.throws(() => createSigningProxy({ ...KEYS, proxyTokens: [STATIC], maxBodyBytes: 10 << 20 }), /maxBodyBytes must be a whole number from 1 to 1048576/);
});

test("finding: each request left wasm objects for the garbage collector (2 MB of wasm memory per 20,000 requests); now none", () => {
  // In a fresh process, as above: 20,000 requests through every hook (authorize, checkBody, the
  // store), each once read the proxy's settings through a new wasm object that only the garbage
  // collector freed. Now nothing a request makes outlives it: the memory stays within one page.
  const script = `
    const lib = await import(${JSON.stringify(new URL("../../pkg/node.mjs", import.meta.url).href)});
    const keys = ${JSON.stringify(KEYS)};
    const proxy = lib.createSigningProxy({ ...keys, authorize: () => ({ subject: "u" }), checkBody: () => undefined,
      store: { take: () => 0 }, limits: { createsPerMinute: 1e6, createsPerDay: 1e6, describesPerSecond: 1e6 },
      fetch: async () => new Response('{"Response":{"TaskId":"4-AigcVideo-1","RequestId":"r"}}') });
    const request = () => new Request("http://p/", { method: "POST", headers: { authorization: "Bearer anything", "x-tc-action": "CreateAigcVideoTask" }, body: '{"Prompt":"x"}' });
    for (let i = 0; i < 500; i++) await proxy(request());
    const before = lib.wasmMemoryBytes();
    const statuses = new Set();
    for (let i = 0; i < 20000; i++) statuses.add((await proxy(request())).status);
    console.log(JSON.stringify({ statuses: [...statuses], growth: lib.wasmMemoryBytes() - before }));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }).trim().split("\n").at(-1));
  assert.deepEqual(out.statuses, [200], "every request went through every hook and upstream");
  assert.ok(out.growth <= 65536, `20,000 requests grew the wasm memory by ${out.growth} bytes`);
});

test("finding: upstream statuses 204, 205, 304, 600 and 999 resolved to null; now each is a 502 Response", async () => {
  let status = 200;
  const odd = await listen((req, res) => {
    req.resume();
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(status === 204 || status === 205 || status === 304 ? undefined : "{}");
  });
  try {
    const proxy = createSigningProxy({ ...KEYS, upstream: odd.url, proxyTokens: [STATIC], limits: { createsPerMinute: 100 } });
    for (status of [204, 205, 304, 600, 999, 301, 302, 307, 308]) {
      const r = await proxy(new Request("http://p/", { method: "POST", headers: { ...bearer(STATIC), "X-TC-Action": CREATE }, body: "{}" }));
      assert.ok(r instanceof Response, `${status}`);
      assert.equal(r.status, 502, `${status}`);
      const body = await r.json();
      assert.equal(body.Response.Error.Code, "InternalError.UpstreamBadAnswer", `${status}`);
    }
  } finally {
    await odd.close();
  }
});

test("finding: redirects were followed, token and all; now nothing goes to another origin", async () => {
  const redirecting = await listen((req, res) => {
    req.resume();
    res.writeHead(302, { Location: `${elsewhere.url}/steal` });
    res.end();
  });
  try {
    const proxy = createSigningProxy({ ...KEYS, token: "sts-token-for-the-abuse-suite-0123", upstream: redirecting.url, proxyTokens: [STATIC] });
    const r = await proxy(new Request("http://p/", { method: "POST", headers: { ...bearer(STATIC), "X-TC-Action": CREATE }, body: "{}" }));
    assert.equal(r.status, 502);
    assert.match((await r.json()).Response.Error.Message, /redirect/);
    // The client does not follow them either.
    const client = new MpsClient({ ...KEYS, endpoint: redirecting.url, maxRetries: 0 });
    const e = await client.describe("t").catch((x) => x);
    assert.equal(e.httpStatus, 302);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(elsewhereHeard, []);
  } finally {
    await redirecting.close();
  }
});

test("finding: a credentials() that never settled hung the request; now it fails after timeoutMs", async () => {
  const proxy = createSigningProxy({ credentials: () => new Promise(() => {}), tokenSecret: SECRET, upstream: mock.url, timeoutMs: 300 });
  const started = Date.now();
  const r = await proxy(new Request("http://p/", { method: "POST", headers: { ...bearer(token("d")), "X-TC-Action": CREATE }, body: "{}" }));
  assert.equal(r.status, 500);
  assert.match((await r.json()).Response.Error.Message, /credentials function failed/);
  assert.ok(Date.now() - started < 2000, `${Date.now() - started} ms`);
});

test("finding: in the browser entry, bad options or a failed wasm load made the handler reject; now it answers", async () => {
  // The browser entry fetches its wasm; in Node a file: URL cannot be fetched, so loading fails.
  const browser = await import(new URL("../../pkg/browser.mjs", import.meta.url).href);
  const handler = browser.createSigningProxy({ ...KEYS, proxyTokens: [STATIC] });
  const r = await handler(new Request("http://p/", { method: "POST", headers: bearer(STATIC), body: "{}" }));
  assert.ok(r instanceof Response);
  assert.equal(r.status, 500);
  const bad = browser.createSigningProxy({ allowOrigins: ["*"] });
  const r2 = await bad(new Request("http://p/", { method: "POST", body: "{}" }));
  assert.ok(r2 instanceof Response);
  assert.equal(r2.status, 500);
  see(await r.text(), await r2.text());
});

test("finding: Bearer was matched case-sensitively and x-tc-action was not signed", async () => {
  const before = mock.requests.length;
  for (const scheme of ["bearer", "BEARER", "Bearer"]) {
    const r = await call(worker.url, DESCRIBE, { TaskId: "x" }, { Authorization: `${scheme} ${STATIC}` });
    assert.equal(r.status, 200, scheme);
  }
  const { TaskId } = await new MpsClient({ endpoint: worker.url, proxyToken: STATIC }).create({ Prompt: "signed action" });
  assert.ok(TaskId);
  const upstream = mock.requests.slice(before).at(-1);
  assert.match(upstream.headers.authorization, /SignedHeaders=content-type;host;x-tc-action,/);
  assert.equal(upstream.signatureOk, true);
});

test("anonymous mode: only from allowed origins, all callers one subject with one quota", async () => {
  const proxy = createSigningProxy({ ...KEYS, upstream: mock.url, allowAnonymous: true, allowOrigins: [PAGE], limits: { createsPerMinute: 2 } });
  const ask = (origin, prompt) =>
    proxy(new Request("http://p/", { method: "POST", headers: { "X-TC-Action": CREATE, ...(origin ? { Origin: origin } : {}) }, body: JSON.stringify({ Prompt: prompt }) }));
  assert.equal((await ask(undefined, "no origin")).status, 401);
  assert.equal((await ask("https://evil.example", "other origin")).status, 403);
  assert.equal((await ask(PAGE, "first")).status, 200);
  assert.equal((await ask(PAGE, "second")).status, 200);
  const third = await ask(PAGE, "third: the one anonymous quota is spent");
  assert.equal(third.status, 429);
  assert.ok(third.headers.get("retry-after"));
  assert.equal(third.headers.get("access-control-expose-headers"), "retry-after", "a page can read when to come back");
});

test("authorize: the app's own check decides about callers without a token, within timeoutMs", async () => {
  const seen = [];
  const proxy = createSigningProxy({
    ...KEYS,
    upstream: mock.url,
    timeoutMs: 300,
    authorize: async (request) => {
      const cookie = request.headers.get("cookie") ?? "";
      seen.push(cookie);
      if (cookie === "session=good") return { subject: "user-from-cookie", limits: { createsPerMinute: 1 } };
      if (cookie === "session=throws") throw new Error("identity provider down");
      if (cookie === "session=hangs") return new Promise(() => {});
      if (cookie === "session=weird") return { subject: 42 };
      return null;
    },
  });
  const ask = (cookie) => proxy(new Request("http://p/", { method: "POST", headers: { "X-TC-Action": CREATE, cookie }, body: '{"Prompt":"x"}' }));
  assert.equal((await ask("session=good")).status, 200);
  assert.equal((await ask("session=good")).status, 429, "its own limits");
  assert.equal((await ask("session=none")).status, 401);
  for (const failing of ["session=throws", "session=hangs", "session=weird"]) assert.equal((await ask(failing)).status, 500, failing);
  assert.equal(seen.length, 6);
});

test("authorize: a JWT sent as a client's proxyToken reaches the hook; the proxy's own tokens never do", async () => {
  const seen = [];
  const JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJl";
  const proxy = createSigningProxy({
    ...KEYS,
    upstream: mock.url,
    tokenSecret: SECRET,
    proxyTokens: [STATIC],
    authorize: (request) => {
      const authorization = request.headers.get("authorization");
      seen.push(authorization);
      return authorization === `Bearer ${JWT}` ? { subject: "user-1" } : null;
    },
  });
  const client = new MpsClient({ endpoint: "http://proxy.invalid/", proxyToken: JWT, maxRetries: 0, fetch: (url, init) => proxy(new Request(url, init)) });
  assert.ok((await client.create({ Prompt: "through the app's own auth" })).TaskId);
  const ask = (authorization) => proxy(new Request("http://p/", { method: "POST", headers: { Authorization: authorization, "X-TC-Action": CREATE }, body: '{"Prompt":"x"}' }));
  assert.equal((await ask("Basic dXNlcjpwYXNz")).status, 401, "another scheme: the hook said no");
  assert.equal((await ask("Bearer wrong-static-token-0123456789")).status, 401, "not a token of ours: the hook said no");
  assert.deepEqual(seen, [`Bearer ${JWT}`, "Basic dXNlcjpwYXNz", "Bearer wrong-static-token-0123456789"]);
  // A token of the proxy's own is decided by the proxy: valid, forged or expired, the hook never sees it.
  assert.equal((await ask(`Bearer ${STATIC}`)).status, 200);
  assert.equal((await ask(`Bearer ${token("u")}`)).status, 200);
  assert.equal((await ask(`Bearer ${token("u")}x`)).status, 401);
  assert.equal((await ask(`Bearer ${tokenFrom("u", 60, 3_600_000)}`)).status, 401);
  assert.equal(seen.length, 3);
});

test("a quota store that fails refuses the request (fails closed)", async () => {
  const answering = (wait) => ({ take: async () => wait });
  const failing = [{ take: () => { throw new Error("down"); } }, { take: () => new Promise(() => {}) }, { take: () => "yes" }];
  for (const store of [...failing, answering(-1), answering(-Infinity), answering(NaN), answering(null), answering(0n)]) {
    const proxy = createSigningProxy({ ...KEYS, upstream: mock.url, proxyTokens: [STATIC], store, timeoutMs: 200 });
    const r = await proxy(new Request("http://p/", { method: "POST", headers: { ...bearer(STATIC), "X-TC-Action": CREATE }, body: "{}" }));
    assert.equal(r.status, 500);
    assert.match((await r.json()).Response.Error.Message, /quota store failed/);
  }
  // A wait, even one that never ends, is the quota's 429.
  for (const [wait, retryAfter] of [[Infinity, "86400"], [1500, "2"]]) {
    const proxy = createSigningProxy({ ...KEYS, upstream: mock.url, proxyTokens: [STATIC], store: answering(wait) });
    const r = await proxy(new Request("http://p/", { method: "POST", headers: { ...bearer(STATIC), "X-TC-Action": CREATE }, body: "{}" }));
    assert.deepEqual([r.status, r.headers.get("retry-after"), (await r.json()).Response.Error.Code], [429, retryAfter, "RequestLimitExceeded.ProxyQuota"]);
  }
  // A store of one's own is asked with the subject's windows.
  const asked = [];
  const proxy = createSigningProxy({ ...KEYS, upstream: mock.url, proxyTokens: [STATIC], store: { take: (key, windows) => (asked.push([key, windows]), 0) } });
  await proxy(new Request("http://p/", { method: "POST", headers: { ...bearer(STATIC), "X-TC-Action": CREATE }, body: '{"Prompt":"x"}' }));
  assert.deepEqual(asked[0][1], [[60_000, 6], [86_400_000, 200]]);
  assert.match(asked[0][0], /^token:[0-9a-f]{16}\ncreate$/);
});

test("a request refused before it is sent (the account's turn did not come, credentials failed) gives its quota place back", async () => {
  // Otherwise a congested account, or a retrying client, spends a caller's quota on nothing.
  let turns = 0; // turns the account grants: none, until the test says so
  const coordinator = { acquire: async () => (turns > 0 ? (turns--, 1) : 0), release: async () => {} };
  let credentialsFail = true;
  const credentials = async () => {
    if (credentialsFail) throw new Error("vault down");
    return { secretId: KEYS.secretId, secretKey: KEYS.secretKey };
  };
  const limits = { createsPerMinute: 1, createsPerDay: 1 };
  const given = [];
  const memory = undefined;
  const own = { take: () => 0, giveBack: (key) => given.push(key) };
  for (const store of [memory, own]) {
    const paced = createSigningProxy({ ...KEYS, upstream: mock.url, proxyTokens: [STATIC], limits, coordinator, store, timeoutMs: 300 });
    const unpaced = createSigningProxy({ credentials, tokenSecret: SECRET, upstream: mock.url, proxyTokens: [STATIC], limits, store, timeoutMs: 300 });
    const create = (proxy) =>
      proxy(new Request("http://p/", { method: "POST", headers: { ...bearer(STATIC), "X-TC-Action": CREATE }, body: '{"Prompt":"given back"}' }));
    for (let i = 0; i < 3; i++) {
      const r = await create(paced);
      assert.deepEqual([r.status, (await r.json()).Response.Error.Code], [429, "RequestLimitExceeded"], "the account's turn did not come");
    }
    const failed = await create(unpaced);
    assert.equal(failed.status, 500, "the credentials function failed");
    turns = 2;
    credentialsFail = false;
    const sent = await create(paced);
    assert.equal(sent.status, 200, "the caller's one create a day is still there");
    if (store === memory) {
      const spent = await create(paced);
      assert.deepEqual([spent.status, (await spent.json()).Response.Error.Code], [429, "RequestLimitExceeded.ProxyQuota"], "and now it is spent");
      assert.equal((await create(unpaced)).status, 200, "so is the other proxy's, given back after its credentials failed");
    }
    turns = 0;
    credentialsFail = true;
  }
  assert.equal(given.length, 4, "a store of one's own is given each place back");
});
