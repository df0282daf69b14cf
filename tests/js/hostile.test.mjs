// Hostile input from JavaScript: every export, every argument position (and every field of every
// options object), called with every value of a hostile list. Each call must throw or reject with an
// MpsError naming the field (InvalidParameter* / MissingParameter* where the input is simply
// wrong), never a plain TypeError, never a hang, never an exception escaping uncaught; the signing
// proxy's handler must always resolve with a 4xx Tencent-shaped error Response. Where a value is
// legitimately accepted, the position's `accepts` says which and why, and the call must then work.
// After every call a valid signTc3 (a shared vector) and a client describe against the mock must
// still succeed: the wasm instance is intact. The wasm memory must stay flat over the whole file
// although some values are 10-million-character strings (inputs are capped at 1 MiB of text).
//
// The library bugs this file found (B1-B7) are fixed; KNOWN at the end of the file holds any found
// later, so that the per-export tests print them while the last test fails until they are fixed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { lib, KEYS, startMockMps, see } from "./helpers.mjs";
import { KINDS } from "./kinds.mjs";

const { MpsClient, MpsError, signTc3, adviseAigcVideoTask, createSigningProxy, wasmMemoryBytes } = lib;

const DESCRIBE = "DescribeAigcVideoTask";
/** How long a call may take before it counts as a hang (valid calls take a few ms). */
const HANG_MS = Number(process.env.MPS_HOSTILE_HANG_MS ?? 2000);
/** A call that grows the wasm memory by more than this copied something it should have refused. */
const GROWTH_PER_CALL = 1 << 20;
/** What the whole file may grow the wasm memory by. */
const GROWTH_PER_FILE = 4 << 20;
const PROXY_TOKEN = "hostile-proxy-token-0123456789";
/** After an exception escapes a handler call, how long to wait for more: past its body timer. */
const HANDLER_GRACE_MS = 800;
const vector = JSON.parse(readFileSync(new URL("../vectors/tc3.json", import.meta.url), "utf8")).vectors[0];

// ---------------------------------------------------------------------------------------------
// The hostile values. Built once: the enormous string is 10 million characters (10 MB as a
// one-byte string in V8), ten times the 1 MiB input cap.

const ENORMOUS = "x".repeat(10_000_000);
function throwingProxy(target = {}) {
  const traps = [
    "get", "set", "has", "ownKeys", "getOwnPropertyDescriptor", "defineProperty", "deleteProperty",
    "getPrototypeOf", "setPrototypeOf", "isExtensible", "preventExtensions", "apply", "construct",
  ];
  return new Proxy(target, Object.fromEntries(traps.map((t) => [t, () => { throw new Error(`hostile Proxy: ${t} trap`); }])));
}
function deep(levels) {
  let o = { leaf: true };
  for (let i = 0; i < levels; i++) o = { a: o };
  return o;
}
const cyclic = { name: "cyclic" };
cyclic.self = cyclic;
const MANY_KEYS = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]));

/** [name, value]: the name is what reports and `accepts` lists use. */
const HOSTILE = [
  ["undefined", undefined],
  ["null", null],
  ["0", 0],
  ["-1", -1],
  ["NaN", NaN],
  ["Infinity", Infinity],
  ["1e308", 1e308],
  ["a string", "hostile string"],
  ["an empty string", ""],
  ["an object", { hostile: "object" }],
  ["true", true],
  ["false", false],
  ["an empty array", []],
  ["an array", ["hostile"]],
  ["a function", function hostile() {}],
  ["a symbol", Symbol("hostile")],
  ["a BigInt", 10n],
  ["a cyclic object", cyclic],
  ["an object with a throwing getter", { get boom() { throw new Error("hostile getter"); } }],
  ["a Proxy that throws on every trap", throwingProxy()],
  ["a Proxy of an array that throws on every trap", throwingProxy([])],
  ["an enormous string", ENORMOUS],
  ["an object with an enormous key", { [ENORMOUS]: 1 }],
  ["a lone high surrogate", "\uD800"],
  ["a lone low surrogate", "a\uDC00b"],
  ["a 10,000-level object", deep(10_000)],
  ["an object with 5,000 keys", MANY_KEYS],
];
/** A further substitution for every field position: the field itself is a getter that throws. */
const THROWING_FIELD = "the field as a throwing getter";

/** `base` with `field` set to `value`, or to a throwing getter for THROWING_FIELD. */
function withField(base, field, name, value) {
  const o = { ...base };
  if (name === THROWING_FIELD) {
    delete o[field];
    Object.defineProperty(o, field, { enumerable: true, get() { throw new Error(`hostile getter ${field}`); } });
  } else {
    o[field] = value;
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// The world: one mock (no rate limits: the hostile calls and health checks come fast), a finished
// task, a client for hostile calls and one for health checks.

let mock;
let doneTask;
/** doneTask's twin, created through the hostile proxy: its handle there. */
let doneHandle;
/** A finished task of each kind, by kind name. */
const doneTasks = {};
let target;
let healthClient;
before(async () => {
  mock = await startMockMps({ limits: false });
  doneTask = mock.addTask({ waitMs: 0, runMs: 0 });
  for (const kind of KINDS) doneTasks[kind.name] = mock.addTask({ kind: kind.name, waitMs: 0, runMs: 0 });
  const options = { ...KEYS, endpoint: mock.url, rateLimit: false, maxRetries: 0, timeoutMs: HANG_MS };
  target = new MpsClient(options);
  healthClient = new MpsClient(options);
  // The memory after a warm-up of valid calls of every kind is the baseline.
  await healthClient.describe(doneTask);
  await healthClient.create({ Prompt: "warm-up" });
  adviseAigcVideoTask({ Prompt: "warm-up", ModelName: "Kling", Duration: 7 });
  // The proxy's valid request describes a finished task of its own: through its handle.
  mock.nextTask({ waitMs: 0, runMs: 0 });
  const created = await createSigningProxy(proxyBase())(
    new Request("http://127.0.0.1/", { method: "POST", headers: { ...goodHeaders(), "x-tc-action": "CreateAigcVideoTask" }, body: '{"Prompt":"the proxy\'s own"}' }),
  );
  doneHandle = (await created.json()).Response.TaskId;
  await createSigningProxy(proxyBase())(proxyRequest());
  memoryAtStart = wasmMemoryBytes();
  takeOverProcessErrors();
});
after(async () => {
  restoreProcessErrors();
  await mock?.close();
});

// An exception escaping the library (thrown inside its promise machinery, where nobody can catch
// it) would otherwise crash this process or be blamed on whichever test runs. While this file runs,
// its own listeners take them and charge them to the hostile call that was running.
let escaped = null; // the current call's list, or null between calls
const strays = [];
let wake = () => {};
const saved = {};
function onEscape(e) {
  (escaped ?? strays).push(e);
  wake();
}
function takeOverProcessErrors() {
  for (const event of ["uncaughtException", "unhandledRejection"]) {
    saved[event] = process.listeners(event);
    process.removeAllListeners(event);
    process.on(event, onEscape);
  }
}
function restoreProcessErrors() {
  for (const event of Object.keys(saved)) {
    process.removeListener(event, onEscape);
    for (const l of saved[event]) process.on(event, l);
  }
}

// ---------------------------------------------------------------------------------------------
// Running one hostile call and judging it.

let hostileCalls = 0;
const problems = []; // { label, problem, known }
const accepted = new Map(); // position label -> [value name, why]
let memoryAtStart;

/** A short one-line description of a value or error, for reports. */
function describeText(e) {
  if (e instanceof Error) return `${e.constructor.name}(${e.code ?? ""}): ${String(e.message).slice(0, 160)}`;
  if (typeof e === "function") return `a function ${e.name}`;
  if (typeof e === "symbol" || typeof e === "bigint") return typeof e;
  let text;
  try {
    text = e instanceof MpsClient ? String(e) : JSON.stringify(e);
  } catch {
    text = Object.prototype.toString.call(e);
  }
  return `${typeof e} ${String(text).slice(0, 80)}`;
}

/**
 * Calls `run()`; returns { settled: "returned"|"threw"|"hung", value, error, escaped, growth }.
 * Waits at most HANG_MS, and only `graceMs` more once an exception has escaped (long enough for
 * what the broken call still has pending, such as the proxy's body timer, to escape too).
 */
async function attempt(run, graceMs = 200) {
  hostileCalls++;
  const memoryBefore = wasmMemoryBytes();
  escaped = [];
  const mine = escaped;
  let outcome;
  let timer;
  const hang = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ settled: "hung" }), HANG_MS);
    wake = () => setTimeout(() => resolve({ settled: "hung" }), graceMs);
  });
  try {
    const value = run();
    outcome =
      value && typeof value.then === "function"
        ? await Promise.race([value.then((v) => ({ settled: "returned", value: v }), (e) => ({ settled: "threw", error: e })), hang])
        : { settled: "returned", value };
  } catch (e) {
    outcome = { settled: "threw", error: e };
  } finally {
    clearTimeout(timer);
    wake = () => {};
  }
  // `escaped` stays this call's list until runPosition has checked the instance's health, so that
  // an exception escaping a little later is still charged to this call.
  return { ...outcome, escaped: mine, growth: wasmMemoryBytes() - memoryBefore };
}

/** Whether the wasm instance still works: a known signature, and a describe against the mock. */
async function health() {
  const { input, expected } = vector;
  try {
    const signed = signTc3({
      secretId: input.secret_id, secretKey: input.secret_key, service: input.service, host: input.host,
      action: input.action, version: input.version, timestamp: input.timestamp, body: input.body,
    });
    if (signed.signature !== expected.signature) return `signTc3 of a known vector gave ${signed.signature}`;
  } catch (e) {
    return `signTc3 of a known vector threw ${describeText(e)}`;
  }
  let timer;
  try {
    const described = await Promise.race([
      healthClient.describe(doneTask),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error("no answer")), HANG_MS); }),
    ]);
    if (described.Status !== "DONE") return `a describe gave Status ${described.Status}`;
  } catch (e) {
    return `a describe failed: ${describeText(e)}`;
  } finally {
    clearTimeout(timer);
  }
  return null;
}

/** Whether an error message names `names` (a string, or one of an array), and is readable. */
function messageProblem(e, names) {
  const message = String(e.message);
  if (message.length > 2000) return `the message is ${message.length} characters long (it echoes the input?)`;
  const list = Array.isArray(names) ? names : [names];
  if (!list.some((n) => message.includes(n))) return `the message does not name ${list.join(" or ")}: ${message}`;
  return null;
}

/** Whether `body` is Tencent's error shape: {"Response":{"Error":{"Code","Message"},"RequestId"}}. */
function tencentErrorProblem(text) {
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    return `the body is not JSON: ${text.slice(0, 80)}`;
  }
  const r = json?.Response;
  if (typeof r?.Error?.Code !== "string" || typeof r.Error.Message !== "string" || typeof r.RequestId !== "string") {
    return `the body is not Tencent's error shape: ${text.slice(0, 120)}`;
  }
  return null;
}

/**
 * A position: `label` (the call, for reports), `field` (what the message must name; a string or
 * several), `kind` ("call": throws or rejects; "handler": resolves with a Response), `call(value)`,
 * `accepts` ({ valueName: why }) and `verify(outcome, valueName)` for accepted values (returns a
 * problem or null).
 */
async function runPosition(position, values = HOSTILE) {
  for (const [name, value] of values) {
    const label = `${position.label} <- ${name}`;
    const outcome = await attempt(() => position.call(value, name), position.graceMs);
    const found = await judge(position, name, outcome);
    const reported = outcome.escaped.length;
    if (outcome.growth > GROWTH_PER_CALL) {
      found.push(`grew the wasm memory by ${(outcome.growth / 1048576).toFixed(1)} MiB (copied the input before refusing it?)`);
    }
    const broken = await health();
    await new Promise((resolve) => setImmediate(resolve));
    escaped = null;
    if (broken) found.push(`the instance is broken afterwards: ${broken}`);
    for (const e of outcome.escaped.slice(reported)) found.push(`an exception escaped the library uncaught: ${describeText(e)}`);
    for (const problem of found) problems.push({ label, problem, known: knownBug(label, problem) });
    if (position.accepts?.[name] && found.length === 0) {
      if (!accepted.has(position.label)) accepted.set(position.label, []);
      accepted.get(position.label).push([name, position.accepts[name]]);
    }
  }
}

async function judge(position, name, outcome) {
  const found = [];
  for (const e of outcome.escaped) found.push(`an exception escaped the library uncaught: ${describeText(e)}`);
  if (outcome.settled === "hung") {
    found.push(`neither settled nor threw within ${HANG_MS} ms`);
    return found;
  }
  // For the whole-suite secret scan (scripts/test); an error that echoes a 10 MB input (bug B3) is
  // left out, or the scan log would hold tens of MB of "xxx".
  if (outcome.error instanceof Error && String(outcome.error.message).length < 10_000 && (JSON.stringify(outcome.error)?.length ?? 0) < 10_000) {
    see(outcome.error);
  }
  const why = position.accepts?.[name];
  if (position.kind === "handler") {
    const response = outcome.value;
    if (outcome.settled === "threw") return [...found, `rejected (the handler must never reject): ${describeText(outcome.error)}`];
    if (!(response instanceof Response)) return [...found, `resolved with ${describeText(response)}, not a Response`];
    const text = await response.text();
    see(text);
    const expected = position.status?.[name] ?? (why ? null : "4xx");
    if (expected === "4xx" && !(response.status >= 400 && response.status < 500)) {
      found.push(`answered ${response.status}, not 4xx: ${text.slice(0, 160)}`);
    } else if (typeof expected === "number" && response.status !== expected) {
      found.push(`answered ${response.status}, not ${expected}: ${text.slice(0, 160)}`);
    }
    if (response.status >= 400) {
      const shape = tencentErrorProblem(text);
      if (shape) found.push(shape);
    }
    return found;
  }
  if (why) {
    if (outcome.settled === "threw" && !(outcome.error instanceof MpsError)) {
      return [...found, `threw ${describeText(outcome.error)}, not an MpsError`];
    }
    const problem = await position.verify?.(outcome, name);
    if (problem) found.push(`was accepted (${why}) but ${problem}`);
    return found;
  }
  if (outcome.settled === "returned") {
    return [...found, `was accepted, not refused: returned ${describeText(outcome.value)}`];
  }
  const e = outcome.error;
  if (!(e instanceof MpsError)) return [...found, `threw ${describeText(e)}, not an MpsError`];
  if (!/^(InvalidParameter|MissingParameter)/.test(e.code ?? "")) found.push(`code is ${e.code}: ${e.message}`);
  const m = messageProblem(e, position.field);
  if (m) found.push(m);
  return found;
}

// ---------------------------------------------------------------------------------------------
// Verifying accepted values.

const settledWithin = (promise) => {
  let timer;
  return Promise.race([
    promise.then((value) => ({ value }), (error) => ({ error })),
    new Promise((resolve) => { timer = setTimeout(() => resolve({ hung: true }), HANG_MS); }),
  ]).finally(() => clearTimeout(timer));
};

/** A client call was accepted: it resolved, or the server (not the client) refused it. */
function sentToServer(outcome) {
  if (outcome.settled === "returned") return null;
  if (outcome.error instanceof MpsError && outcome.error.requestId) return null;
  return `then failed before the server answered: ${describeText(outcome.error)}`;
}

/** A wait was accepted: it resolved with DONE. */
function waitedToDone(outcome) {
  if (outcome.settled === "returned" && outcome.value?.Status === "DONE") return null;
  return `the wait did not end DONE: ${describeText(outcome.error ?? outcome.value)}`;
}

/** A client was built: it must describe a task (or fail cleanly with an MpsError). It calls only
 * the mock; a client aimed elsewhere (the default endpoint) is only checked to exist. */
async function usableClient(outcome) {
  const client = outcome.value;
  if (!(client instanceof MpsClient)) return `returned ${describeText(client)}, not an MpsClient`;
  const endpoint = client.toJSON().endpoint;
  if (!endpoint.startsWith(mock.url)) return null;
  const r = await settledWithin(client.describe(doneTask));
  if (r.hung) return "its describe hung";
  if (r.error && !(r.error instanceof MpsError)) return `its describe threw ${describeText(r.error)}`;
  return null;
}

/** signTc3 was accepted: a signature came back. */
function signed(outcome) {
  const s = outcome.value;
  if (!/^[0-9a-f]{64}$/.test(s?.signature ?? "") || typeof s.headers?.Authorization !== "string") {
    return `returned ${describeText(s)}`;
  }
  return null;
}

/** A proxy was built: its handler answers with a Response (forwarding to the mock only). */
async function usableProxy(outcome, forwards = true) {
  const handler = outcome.value;
  if (typeof handler !== "function") return `returned ${describeText(handler)}, not a handler`;
  const request = forwards ? proxyRequest() : new Request("http://127.0.0.1/", { method: "POST", body: "{}" });
  const r = await settledWithin(handler(request));
  if (r.hung) return "its handler hung";
  if (r.error) return `its handler rejected: ${describeText(r.error)}`;
  if (!(r.value instanceof Response)) return "its handler resolved with something other than a Response";
  return null;
}

// ---------------------------------------------------------------------------------------------
// Which values are legitimately accepted where, and why.

const ABSENT = "null and undefined count as absent";
const absent = { undefined: ABSENT, null: ABSENT };
const PRINTABLE = "printable ASCII with inner spaces is a valid header value";
const POSITIVE_MS = "a positive number of milliseconds; Infinity means none (documented), 1e308 is merely long";
const FN = "a function is what this option takes";
const CONTENTS = "a string: the client checks a field's type, the server its contents";
const JSON_DATA = "JSON data passes through unknown fields untouched (documented)";
/** What an unknown request field takes: any JSON value (null/undefined dropped). */
const anyJson = {
  ...absent,
  0: JSON_DATA, "-1": JSON_DATA, "1e308": JSON_DATA, "a string": JSON_DATA, "an empty string": JSON_DATA,
  "an object": JSON_DATA, true: JSON_DATA, false: JSON_DATA, "an empty array": JSON_DATA, "an array": JSON_DATA,
  "an object with 5,000 keys": JSON_DATA,
};

// ---------------------------------------------------------------------------------------------
// The signing proxy's handler, then createSigningProxy. The handler runs first: the wasm memory
// never shrinks, so a call that copies an enormous string into it is only seen growing it while it
// is still small, and the handler's refusals (401, 405, ...) have no other symptom of such a copy.

// Limits out of the way: quotas are tested in abuse.test.mjs; here every valid call must go through.
const LOTS = { createsPerMinute: 1_000_000, createsPerDay: 1_000_000, describesPerSecond: 1_000_000 };
const proxyBase = () => ({ ...KEYS, upstream: mock.url, proxyTokens: [PROXY_TOKEN], bodyTimeoutMs: 500, timeoutMs: HANG_MS, limits: LOTS });
const TOKEN_SECRET = "hostile-suite-token-secret-0123456789abcdef";
const PROXY_FIELDS = {
  secretId: { accepts: { "a string": PRINTABLE } },
  secretKey: { accepts: { "a string": "any string is a possible secret key" } },
  token: { accepts: { ...absent, "a string": PRINTABLE } },
  credentials: { accepts: { "a function": FN }, withoutKeys: true },
  tokenSecret: { accepts: { ...absent } },
  authorize: { accepts: { ...absent, "a function": "a function decides about callers without a token" } },
  allowAnonymous: { accepts: { ...absent, false: "false is the default" } },
  limits: { accepts: { ...absent } },
  store: { accepts: { ...absent } },
  checkBody: { accepts: { ...absent, "a function": "a function that returns nothing keeps the body" } },
  upstream: { accepts: { ...absent } },
  region: { accepts: { ...absent, "a string": PRINTABLE } },
  allowActions: { accepts: { ...absent, "an empty array": "no action allowed: every request is refused 403", "an array": "an action name (alphanumeric)" } },
  proxyTokens: { accepts: {} },
  allowOrigins: { accepts: { ...absent, "an empty array": "no browser origin allowed; tokens still work" } },
  maxBodyBytes: { accepts: { ...absent } },
  fetch: { accepts: { ...absent, "a function": FN } },
  timeoutMs: { accepts: { ...absent, Infinity: POSITIVE_MS, "1e308": POSITIVE_MS } },
  bodyTimeoutMs: { accepts: { ...absent, Infinity: POSITIVE_MS, "1e308": POSITIVE_MS } },
  path: { accepts: { ...absent } },
};

const AUTH = `Bearer ${PROXY_TOKEN}`;
const goodHeaders = () => ({ authorization: AUTH, "x-tc-action": DESCRIBE, "content-type": "application/json" });
/** A valid request for the proxy: describe the finished task. */
function proxyRequest(headers = {}, init = {}) {
  return new Request("http://127.0.0.1/", {
    method: "POST",
    headers: { ...goodHeaders(), ...headers },
    body: JSON.stringify({ TaskId: doneHandle }),
    ...init,
  });
}
/** A plain object that looks enough like a Request: `over` replaces any of its parts. */
function plainRequest(over = {}) {
  const headers = goodHeaders();
  return {
    method: "POST",
    url: "http://127.0.0.1/",
    headers: { get: (name) => headers[name.toLowerCase()] ?? null },
    arrayBuffer: async () => new TextEncoder().encode(JSON.stringify({ TaskId: doneTask })).buffer,
    ...over,
  };
}
/** A plain request whose header `name` is `value` (the rest as in a valid request). */
function plainWithHeader(name, value) {
  const headers = goodHeaders();
  return plainRequest({ headers: { get: (n) => (n.toLowerCase() === name ? value : (headers[n.toLowerCase()] ?? null)) } });
}

const FORWARDED = "forwarded as valid: the answer is the upstream's (200)";
test("the signing proxy's handler: hostile requests always get a 4xx Tencent-shaped Response", async () => {
  const handler = createSigningProxy(proxyBase());
  const originProxy = createSigningProxy({ ...proxyBase(), allowOrigins: ["https://app.example"] });
  const ok = await handler(proxyRequest());
  assert.equal(ok.status, 200, "a valid request is forwarded");
  assert.equal((await ok.json()).Response.Status, "DONE");

  const positions = [
    { label: "handler(request)", call: (v) => handler(v) },
    {
      label: "handler({ method })",
      call: (v, n) => handler(withField(plainRequest(), "method", n, v)),
      values: [...HOSTILE, [THROWING_FIELD], ["post", "post"], ["GET", "GET"], ["OPTIONS", "OPTIONS"], ["PATCH", "PATCH"]],
      // A method is case-insensitive here, as fetch normalizes it.
      accepts: { post: FORWARDED },
      status: { OPTIONS: 403 },
    },
    {
      label: "handler({ url })",
      call: (v, n) => handler(withField(plainRequest(), "url", n, v)),
      values: [...HOSTILE, [THROWING_FIELD], ["another path", "http://127.0.0.1/other"], ["a query", "http://127.0.0.1/?a=1"], ["a NUL", "http://127.0.0.1/%00"]],
      accepts: { "a query": "the path is /, and the query is not part of the API" },
    },
    { label: "handler({ headers })", call: (v, n) => handler(withField(plainRequest(), "headers", n, v)), values: [...HOSTILE, [THROWING_FIELD]] },
    {
      label: "handler({ arrayBuffer: () => value })",
      call: (v) => handler(plainRequest({ arrayBuffer: async () => v })),
      // What arrayBuffer() resolves to is taken as bytes (new Uint8Array(value)): most values make
      // an empty or a one-byte body, refused 400 as not JSON.
    },
    {
      label: "handler({ body: value })",
      call: (v, n) => handler(withField(plainRequest(), "body", n, v)),
      values: [...HOSTILE, [THROWING_FIELD]],
      // Without a readable getReader() the proxy reads arrayBuffer(), which is valid here.
      accepts: Object.fromEntries([...HOSTILE, [THROWING_FIELD]].map(([n]) => [n, "not a stream (no getReader): the body is read through arrayBuffer() instead"])),
    },
  ];
  const all = (why) => Object.fromEntries(HOSTILE.map(([n]) => [n, why]));
  const notString = "headers.get returns a string or null: anything else counts as no header";
  const positionsOfHeaders = {
    authorization: {},
    "x-tc-action": {},
    "content-length": all("an unparsable Content-Length is ignored: the body is counted as it is read"),
    "x-tc-language": all("only zh-CN and en-US pass upstream; anything else is dropped"),
    // With proxyTokens and no allowOrigins, a token is enough and the Origin is not looked at (by
    // design: allowOrigins is what binds a token to browser origins). The proxy with allowOrigins
    // below refuses every string that is not an allowed origin.
    origin: all("with proxyTokens and no allowOrigins the Origin is not checked"),
  };
  for (const [name, accepts] of Object.entries(positionsOfHeaders)) {
    // An enormous header value is refused (431) before it is copied into wasm memory, whatever
    // the header: it is not among the accepted values of any header.
    delete accepts["an enormous string"];
    positions.push({ label: `handler(headers.get("${name}") = value)`, call: (v) => handler(plainWithHeader(name, v)), accepts });
  }
  positions.push({
    label: `originProxy(headers.get("origin") = value)`,
    call: (v) => originProxy(plainWithHeader("origin", v)),
    accepts: Object.fromEntries(HOSTILE.filter(([, v]) => typeof v !== "string").map(([n]) => [n, notString])),
  });
  for (const p of positions) {
    const accepts = p.accepts ?? {};
    const status = { ...Object.fromEntries(Object.keys(accepts).map((n) => [n, 200])), ...p.status };
    await runPosition({ kind: "handler", graceMs: HANDLER_GRACE_MS, ...p, accepts, status }, p.values ?? HOSTILE);
  }

  // Real Requests with hostile headers and bodies: [name, request, expected status].
  const bodyOf = (body, headers) => proxyRequest(headers, { body });
  const stream = (source) => proxyRequest({}, { body: new ReadableStream(source), duplex: "half" });
  const real = [
    ["no token", proxyRequest({ authorization: "" }), 401],
    ["a wrong token", proxyRequest({ authorization: "Bearer wrong-token-0123456789" }), 401],
    // Enormous header values are refused before they are copied into wasm memory.
    ["a 10-million-character token", proxyRequest({ authorization: `Bearer ${ENORMOUS}` }), 431],
    ["a 10-million-character action", proxyRequest({ "x-tc-action": ENORMOUS }), 431],
    ["an action with a dot", proxyRequest({ "x-tc-action": "Describe.AigcVideoTask" }), 403],
    ["no action", proxyRequest({ "x-tc-action": "" }), 400],
    ["a body that is not JSON", bodyOf("not json"), 400],
    ["a JSON array", bodyOf("[]"), 400],
    ["JSON null", bodyOf("null"), 400],
    ["a JSON number", bodyOf("1e308"), 400],
    ["a JSON string", bodyOf('"str"'), 400],
    ["an empty body", bodyOf(""), 400],
    ["a JSON lone-surrogate escape", bodyOf('{"TaskId":"\\ud800"}'), 400],
    ["invalid UTF-8", bodyOf(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), 400],
    ["10,000 nested arrays", bodyOf("[".repeat(10_000) + "]".repeat(10_000)), 400],
    ["10,000 nested objects", bodyOf('{"a":'.repeat(10_000) + "1" + "}".repeat(10_000)), 400],
    ["a 10 MB body", bodyOf(ENORMOUS), 413],
    ["a 10 MB body streamed", stream({ start(c) { for (let i = 0; i < 10; i++) c.enqueue(new Uint8Array(1 << 20)); c.close(); } }), 413],
    ["a stream that errors", stream({ pull(c) { c.error(new Error("hostile stream")); } }), "4xx"],
    ["a stream that never ends", stream({ pull: () => new Promise(() => {}) }), 408],
    ["a method of PUT", proxyRequest({}, { method: "PUT" }), 405],
    ["another path", new Request("http://127.0.0.1/elsewhere", { method: "POST", headers: goodHeaders(), body: "{}" }), 404],
  ];
  for (const [name, request, expected] of [
    ["an Origin not allowed", proxyRequest({ origin: "https://evil.example" }), 403],
    ["a 10-million-character Origin", proxyRequest({ origin: ENORMOUS }), 431], // refused before it is copied
    ["a preflight from an Origin not allowed", new Request("http://127.0.0.1/", { method: "OPTIONS", headers: { origin: "https://evil.example" } }), 403],
  ]) {
    await runPosition({ label: `originProxy(new Request: ${name})`, kind: "handler", graceMs: HANDLER_GRACE_MS, call: () => originProxy(request), status: { real: expected } }, [["real", request]]);
  }
  for (const [name, request, status] of real) {
    await runPosition({ label: `handler(new Request: ${name})`, kind: "handler", graceMs: HANDLER_GRACE_MS, call: () => handler(request), status: { real: status }, accepts: status === 200 ? { real: FORWARDED } : {} }, [["real", request]]);
  }
  // Content-Length as a caller may send it (a plain request: fetch's Request would recompute it).
  for (const [name, value, status] of [
    ["-1", "-1", 200], ["1e308", "1e308", 200], ["beyond u64", "99999999999999999999999", 200],
    ["with spaces", " 20 ", 200], ["over the limit", "70000", 413], ["far over the limit", "1".repeat(19), 413],
  ]) {
    const request = plainWithHeader("content-length", value);
    await runPosition({ label: `handler(Content-Length ${name})`, kind: "handler", graceMs: HANDLER_GRACE_MS, call: () => handler(request), status: { plain: status }, accepts: status === 200 ? { plain: FORWARDED } : {} }, [["plain", request]]);
  }
  // A body stream that errors or a body read that throws is the caller's failure: a 4xx.
  for (const [name, request] of [
    ["arrayBuffer() throws", plainRequest({ arrayBuffer() { throw new Error("hostile"); } })],
    ["arrayBuffer() rejects", plainRequest({ arrayBuffer: () => Promise.reject(new Error("hostile")) })],
    ["a body reader that throws", plainRequest({ body: { getReader: () => ({ read() { throw new Error("hostile"); } }) } })],
    ["a body chunk that is not bytes", plainRequest({ body: { getReader: () => ({ read: async () => ({ done: false, value: "str" }), cancel() {} }) } })],
    ["getReader() returns a number", plainRequest({ body: { getReader: () => 5 } })],
  ]) {
    await runPosition({ label: `handler(${name})`, kind: "handler", call: () => handler(request) }, [["plain", request]]);
  }
  assertOnlyKnownProblems("handler(");
  assertOnlyKnownProblems("originProxy(");
});

test("createSigningProxy(options): every hostile value for the options and for each field", async () => {
  await runPosition({
    label: "createSigningProxy(options)",
    field: ["createSigningProxy options", "boom", "hostile", "self", "k0", "a is not", "secretId"],
    call: (v) => createSigningProxy(v),
  });
  for (const [field, spec] of Object.entries(PROXY_FIELDS)) {
    const base = proxyBase();
    if (spec.withoutKeys) {
      delete base.secretId;
      delete base.secretKey;
      base.tokenSecret = TOKEN_SECRET; // handles need a secret that does not rotate
    }
    await runPosition({
      label: `createSigningProxy({ ${field} })`,
      field: field === "secretId" || field === "secretKey" ? ["secretId", "secretKey"] : field,
      call: (v, name) => createSigningProxy(withField(base, field, name, v)),
      accepts: spec.accepts,
      // A proxy whose upstream is not the mock is only asked something it refuses by itself.
      verify: (outcome) => usableProxy(outcome, field !== "upstream"),
    }, [...HOSTILE, [THROWING_FIELD]]);
  }
  assertOnlyKnownProblems("createSigningProxy(");
});

// ---------------------------------------------------------------------------------------------
// MpsClient

const clientBase = { ...KEYS };
const withoutKeys = {};
const CLIENT_FIELDS = {
  secretId: { accepts: { "a string": PRINTABLE } },
  secretKey: { accepts: { "a string": "any string is a possible secret key" } },
  token: { accepts: { ...absent, "a string": PRINTABLE }, base: clientBase },
  // Without keys, an absent credentials (or proxyToken) leaves an anonymous client, which is allowed
  // for a non-Tencent endpoint such as the mock (a proxy that authorizes by origin).
  credentials: { accepts: { ...absent, "a function": FN }, base: withoutKeys },
  proxyToken: { accepts: { ...absent, "a string": PRINTABLE, "a function": "a function returns the token before each attempt (a page renews it)" }, base: withoutKeys },
  endpoint: { accepts: { ...absent } },
  region: { accepts: { ...absent, "a string": PRINTABLE } },
  language: { accepts: { ...absent } },
  fetch: { accepts: { ...absent, "a function": FN } },
  timeoutMs: { accepts: { ...absent, Infinity: POSITIVE_MS, "1e308": POSITIVE_MS } },
  maxRetries: { accepts: { ...absent, 0: "0 to 20 retries; 0 turns retries off" } },
  rateLimit: { accepts: { ...absent, true: "true means the default limits", false: "false turns pacing off (documented)" } },
};

test("new MpsClient(options): every hostile value for the options and for each option", async () => {
  await runPosition({
    label: "new MpsClient(options)",
    field: ["MpsClient options", "secretId", "boom", "hostile", "k0", "name", "a is not"],
    call: (v) => new MpsClient(v),
  });
  for (const [field, spec] of Object.entries(CLIENT_FIELDS)) {
    // No retries: a client that fails (a hostile fetch, say) should say so within HANG_MS.
    const base = { endpoint: mock.url, maxRetries: 0, ...(spec.base ?? clientBase) };
    await runPosition({
      label: `new MpsClient({ ${field} })`,
      field: field === "secretId" || field === "secretKey" ? ["secretId", "secretKey"] : field,
      call: (v, name) => new MpsClient(withField(base, field, name, v)),
      accepts: spec.accepts,
      verify: usableClient,
    }, [...HOSTILE, [THROWING_FIELD]]);
  }
  for (const field of ["create", "describe"]) {
    await runPosition({
      label: `new MpsClient({ rateLimit: { ${field} } })`,
      field,
      call: (v, name) => new MpsClient({ ...KEYS, endpoint: mock.url, maxRetries: 0, rateLimit: withField({}, field, name, v) }),
      accepts: { ...absent },
      verify: usableClient,
    }, [...HOSTILE, [THROWING_FIELD]]);
  }
  assertOnlyKnownProblems("new MpsClient");
});

// ---------------------------------------------------------------------------------------------
// The client's methods. Each is called under both of its names.

const LIST = { accepts: { ...absent, "an empty array": "an empty list" } };
const REQUEST_FIELDS = {
  // Prompt is required here (no image), so an absent Prompt is MissingParameter.
  Prompt: { base: { ModelName: "Kling" }, accepts: { "a string": "a prompt" } },
  ModelName: {
    accepts: { ...absent, "a string": "models not in the documented list are accepted (the list changes)", "an empty string": CONTENTS },
  },
  ExtraParameters: {
    accepts: { ...absent, "an object": "unknown nested fields pass through", "an object with 5,000 keys": "unknown nested fields pass through" },
  },
  AdditionalParameters: {
    accepts: { ...absent, "an object": "an object is serialized into the JSON string the API wants", "an object with 5,000 keys": "an object is serialized into the JSON string the API wants" },
  },
  Custom: { accepts: anyJson },
};
/** The typed fields each kind has beyond those: its counts, its lists, a URL. */
const KIND_FIELDS = {
  video: {
    Duration: { accepts: { ...absent } },
    ImageUrl: { accepts: { ...absent, "a string": "a URL is not checked by the client (the server does)", "an empty string": CONTENTS } },
    ImageInfos: LIST,
  },
  image: { OutputImageCount: { accepts: { ...absent } }, ImageInfos: LIST },
  audio: { AudioInfos: LIST, OutputAudioFormat: { accepts: { ...absent, "a string": CONTENTS, "an empty string": CONTENTS } } },
};

/** The positions of a request argument of `kind`: the whole request, then each field. */
function requestPositions(label, call, kind = KINDS[0]) {
  const positions = [{
    label: `${label}(request)`,
    field: ["request", "Prompt", "self", "boom", "a.a", "hostile", "k0"],
    call,
  }];
  for (const [field, spec] of Object.entries({ ...REQUEST_FIELDS, ...KIND_FIELDS[kind.name] })) {
    positions.push({
      label: `${label}({ ${field} })`,
      field,
      call: (v, name) => call(withField(spec.base ?? { Prompt: "a cat" }, field, name, v)),
      accepts: spec.accepts,
      values: [...HOSTILE, [THROWING_FIELD]],
    });
  }
  return positions;
}

/** The positions of a call-options argument: the object, then `signal`. */
function callOptionPositions(label, call) {
  return [
    { label: `${label}(…, options)`, field: ["call options", "boom", "hostile", "self", "k0", "a is not"], call, accepts: { ...absent } },
    {
      label: `${label}(…, { signal })`,
      field: "signal",
      call: (v, name) => call(withField({}, "signal", name, v)),
      accepts: { ...absent },
      values: [...HOSTILE, [THROWING_FIELD]],
    },
  ];
}

async function runAll(positions, verify) {
  for (const p of positions) await runPosition({ verify, ...p }, p.values ?? HOSTILE);
}

// Each kind's methods, and the short names (video's).
const named = (verb) => [...KINDS.map((kind) => [`${verb}Aigc${kind.noun}Task`, kind]), [verb, KINDS[0]]];

for (const [name, kind] of named("create")) {
  test(`client.${name}(request, options): every hostile request, field and option`, async () => {
    await runAll(requestPositions(`client.${name}`, (r) => target[name](r), kind), sentToServer);
    await runAll(callOptionPositions(`client.${name}`, (o) => target[name]({ Prompt: "a cat" }, o)), sentToServer);
    assertOnlyKnownProblems(`client.${name}(`);
  });
}

for (const [name, kind] of named("describe")) {
  test(`client.${name}(taskId, options): every hostile task id and option`, async () => {
    const doneTask = doneTasks[kind.name];
    await runAll([{
      label: `client.${name}(taskId)`,
      field: "TaskId",
      call: (v) => target[name](v),
      accepts: { "a string": "any non-empty string may be a task id: the server says whether it exists" },
    }], sentToServer);
    await runAll(callOptionPositions(`client.${name}`, (o) => target[name](doneTask, o)), sentToServer);
    assertOnlyKnownProblems(`client.${name}(`);
  });
}

const WAIT_FIELDS = {
  signal: { accepts: { ...absent } },
  timeoutMs: { accepts: { ...absent, Infinity: POSITIVE_MS, "1e308": POSITIVE_MS } },
  intervalMs: { accepts: { ...absent, Infinity: POSITIVE_MS, "1e308": POSITIVE_MS } },
  maxIntervalMs: { accepts: { ...absent, Infinity: POSITIVE_MS, "1e308": POSITIVE_MS } },
  onUpdate: { accepts: { ...absent, "a function": FN } },
};

for (const [name, kind] of named("wait")) {
  test(`client.${name}(taskId, waitOptions): every hostile task id, options object and option`, async () => {
    const doneTask = doneTasks[kind.name];
    // A wait for a task that exists only ends when the task does: "a string" is not a task, so the
    // mock answers TaskNotFound and the wait fails with that (the server's verdict).
    await runAll([{
      label: `client.${name}(taskId)`,
      field: "TaskId",
      call: (v) => target[name](v),
      accepts: { "a string": "any non-empty string may be a task id: the server says whether it exists" },
    }], sentToServer);
    await runAll([{
      label: `client.${name}(…, waitOptions)`,
      field: ["wait options", "boom", "hostile", "self", "k0", "a is not"],
      call: (v) => target[name](doneTask, v),
      accepts: { ...absent },
    }], waitedToDone);
    for (const [field, spec] of Object.entries(WAIT_FIELDS)) {
      await runAll([{
        label: `client.${name}(…, { ${field} })`,
        field,
        call: (v, n) => target[name](doneTask, withField({}, field, n, v)),
        accepts: spec.accepts,
        values: [...HOSTILE, [THROWING_FIELD]],
      }], waitedToDone);
    }
    assertOnlyKnownProblems(`client.${name}(`);
  });
}

test("client.call(action, payload, options): every hostile action, payload and option", async () => {
  await runAll([
    { label: "client.call(action)", field: "action", call: (v) => target.call(v, { TaskId: doneTask }) },
    {
      label: "client.call(…, payload)",
      field: ["payload", "self", "boom", "a.a"],
      call: (v) => target.call(DESCRIBE, v),
      // The payload goes as it is; the server says what is missing (MissingParameter TaskId).
      accepts: { ...absent, "an object": "any JSON object is a payload", "an object with 5,000 keys": "any JSON object is a payload" },
    },
    ...callOptionPositions("client.call", (o) => target.call(DESCRIBE, { TaskId: doneTask }, o)),
  ], sentToServer);
  assertOnlyKnownProblems("client.call(");
});

// ---------------------------------------------------------------------------------------------
// signTc3

const signBase = { ...KEYS, action: DESCRIBE, body: "{}", timestamp: 1_700_000_000 };
const SIGN_FIELDS = {
  secretId: { accepts: { "a string": PRINTABLE } },
  secretKey: { accepts: { "a string": "any string is a possible secret key" } },
  token: { accepts: { ...absent, "a string": PRINTABLE } },
  action: { accepts: { "a string": PRINTABLE } },
  body: { accepts: { "a string": "the exact body to sign", "an empty string": "an empty body is signed as such" } },
  service: { accepts: { ...absent, "a string": PRINTABLE } },
  host: { accepts: { ...absent, "a string": PRINTABLE } },
  version: { accepts: { ...absent, "a string": PRINTABLE } },
  timestamp: { accepts: { ...absent, 0: "Unix second 0 is a whole second" } },
  contentType: { accepts: { ...absent, "a string": PRINTABLE } },
  region: { accepts: { ...absent, "a string": PRINTABLE } },
  language: { accepts: { ...absent, "a string": PRINTABLE } },
  signActionHeader: { accepts: { ...absent, true: "a flag", false: "a flag" } },
};

test("signTc3(options): every hostile value for the options and for each field", async () => {
  await runPosition({
    label: "signTc3(options)",
    field: ["signTc3 options", "boom", "hostile", "self", "k0", "a is not"],
    call: (v) => signTc3(v),
  });
  for (const [field, spec] of Object.entries(SIGN_FIELDS)) {
    await runPosition({
      label: `signTc3({ ${field} })`,
      field,
      call: (v, name) => signTc3(withField(signBase, field, name, v)),
      accepts: spec.accepts,
      verify: signed,
    }, [...HOSTILE, [THROWING_FIELD]]);
  }
  assertOnlyKnownProblems("signTc3(");
});

// ---------------------------------------------------------------------------------------------
// adviseAigc*Task

for (const kind of KINDS) {
  const name = `adviseAigc${kind.noun}Task`;
  test(`${name}(request): every hostile request and field`, async () => {
    const advised = (outcome) => (Array.isArray(outcome.value) ? null : `returned ${describeText(outcome.value)}`);
    // Advice never refuses a request (a request create refuses gets the advice its readable fields
    // allow): every JSON value is accepted, as the request or in any field. What is not JSON data at
    // all (NaN, a function, a cyclic object, a throwing getter, too much text) is refused, as by create.
    const NEVER = "advice never refuses a request: it advises on what it can read";
    const json = Object.fromEntries(Object.keys(anyJson).map((n) => [n, NEVER]));
    const positions = requestPositions(name, (r) => lib[name](r), kind).map((p) => ({ ...p, accepts: json }));
    await runAll(positions, advised);
    assertOnlyKnownProblems(`${name}(`);
  });
}

// ---------------------------------------------------------------------------------------------
// The end: a valid call still works, nothing escaped between calls, the memory stayed flat.

let fileGrowth;

test("afterwards: valid calls work, nothing escaped between calls, the wasm memory stayed flat", async () => {
  assert.equal(await health(), null);
  const { TaskId } = await target.create({ Prompt: "a cat after the storm" });
  assert.match(TaskId, /^4-AigcVideo-/);
  assert.equal((await target.wait(doneTask, { intervalMs: 10 })).Status, "DONE");
  assert.deepEqual(strays.map(describeText), [], "exceptions escaped outside any hostile call");
  fileGrowth = wasmMemoryBytes() - memoryAtStart;
  const unknown = problems.filter((p) => !p.known);
  const known = problems.filter((p) => p.known);
  const perBug = {};
  for (const p of known) perBug[p.known] = (perBug[p.known] ?? 0) + 1;
  const counts = Object.entries(perBug).map(([bug, n]) => `${bug}: ${n}`);
  console.log(
    `hostile calls: ${hostileCalls}; accepted values checked: ${[...accepted.values()].reduce((n, l) => n + l.length, 0)}; ` +
      `problems: ${unknown.length} unknown, ${known.length} known (${counts.join(", ") || "none"}); ` +
      `wasm memory: ${memoryAtStart} -> ${wasmMemoryBytes()} bytes (+${(fileGrowth / 1048576).toFixed(2)} MiB)`,
  );
  if (process.env.MPS_HOSTILE_ACCEPTED) {
    for (const [label, list] of accepted) console.log(`accepted: ${label}: ${list.map(([n, why]) => `${n} (${why})`).join("; ")}`);
  }
  assert.ok(hostileCalls > 2000, `${hostileCalls} hostile calls`);
  // Memory growth not explained by a known bug fails here; the known ones fail the todo test below.
  const growers = problems.filter((p) => /grew the wasm memory/.test(p.problem));
  if (growers.length === 0) {
    assert.ok(fileGrowth <= GROWTH_PER_FILE, `the wasm memory grew by ${fileGrowth} bytes over the file`);
  }
});

/** Fails with every problem of positions starting with `prefix` that no known bug explains. */
function assertOnlyKnownProblems(prefix) {
  const mine = problems.filter((p) => p.label.startsWith(prefix));
  for (const p of mine.filter((q) => q.known)) console.log(`known library bug ${p.known}: ${p.label}: ${p.problem}`);
  const unknown = mine.filter((p) => !p.known).map((p) => `${p.label}: ${p.problem}`);
  assert.deepEqual(unknown, [], `${unknown.length} unexpected problems`);
}

// ---------------------------------------------------------------------------------------------
// Library bugs this file found, all fixed (see the commit that fixed B1-B7): a Proxy or getter that
// threw escaped through wasm as a plain Error or left a promise unsettled (B1, B2, B5); strings
// outside convert::to_json were copied into wasm memory uncapped (B3, B7) or decoded lossily (B4);
// an unreadable proxy body was a 500 rather than a 4xx (B6). A bug found later goes into KNOWN as
// [label pattern, problem pattern, name], so the per-export tests print it while the last test
// fails until it is fixed.
const KNOWN = [];

function knownBug(label, problem) {
  for (const [l, p, bug] of KNOWN) if (l.test(label) && p.test(problem)) return bug;
  return undefined;
}

test("no library bug reproduces, and the wasm memory stayed flat over the whole file", () => {
  const reproduced = [...new Set(problems.filter((p) => p.known).map((p) => p.known))];
  assert.ok(fileGrowth === undefined || fileGrowth <= GROWTH_PER_FILE, `the wasm memory grew by ${((fileGrowth ?? 0) / 1048576).toFixed(1)} MiB over the file`);
  assert.deepEqual(reproduced, []);
});
