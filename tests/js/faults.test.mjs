// Fault injection against the mock: for every kind of broken answer, the client's outcome (a result
// after retries, or a typed MpsError), the exact number of requests the mock saw, proof that no
// create was repeated into a second task, and that every task the mock made reached its caller: its
// id is the TaskId of a result or the taskId of an error. Where the id never reached the client (the
// connection died, or the answer was replaced, before the id's bytes were sent), nobody can know it,
// and the error must say maybeCreated instead.
//
// Every scenario runs for each task kind (video, image, audio): the machines are the same, the
// actions, results and the mock's limits are the kind's. Each test pushes a row to `rows`; the
// `after` hook prints them, one table per kind (video's is the README's "Reliability" table).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { lib, startMockMps, clientFor, see } from "./helpers.mjs";
import { KINDS, methods } from "./kinds.mjs";

const { MpsError } = lib;
const MiB = 1 << 20;
const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** A gateway's HTML error page, as nginx sends it. */
const nginx = (status) => {
  const title = { 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out" }[status];
  return `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
};

const mocks = [];
async function mock(options = {}) {
  const m = await startMockMps({ task: { waitMs: 60_000, runMs: 60_000 }, ...options });
  mocks.push(m);
  return m;
}

/** One row per scenario, printed at the end. */
const rows = [];
after(async () => {
  for (const m of mocks) await m.close();
  const line = (cells) => `| ${cells.join(" | ")} |`;
  for (const kind of KINDS) {
    const mine = rows.filter((r) => r.kind === kind.name);
    const table = [
      line(["scenario", "action", "outcome", "requests the mock saw", "tasks created", "task ids that reached the caller"]),
      line(["---", "---", "---", "---", "---", "---"]),
      ...mine.map((r) => line([r.scenario, r.action, r.outcome, r.requests, r.tasks, r.reached])),
    ].join("\n");
    console.log(`\nFault suite, ${kind.name}: ${mine.length} scenarios\n\n${table}\n`);
  }
});

// --- calls and their outcomes ---------------------------------------------------------------------

for (const kind of KINDS) {
  const { create: CREATE, describe: DESCRIBE } = kind;

  let serial = 0;
  /** `{ prompt?, result }` or `{ prompt?, error }`: one API call's outcome. */
  async function settle(promise, prompt) {
    try {
      return { prompt, result: await promise };
    } catch (error) {
      see(error);
      return { prompt, error };
    }
  }
  /** A create with a Prompt of its own, so that the mock's tasks can be traced to the call that made them. */
  function create(client) {
    const prompt = `fault suite call ${++serial}`;
    return settle(methods(client, kind).create({ Prompt: prompt }), prompt);
  }
  const describe = (client, taskId) => settle(methods(client, kind).describe(taskId));

  /** Asserts a call failed with exactly these fields (unlisted ones: httpStatus, taskId absent, no requestId). */
  function expectError(call, want) {
    const e = call.error;
    assert.ok(e instanceof MpsError, `expected an MpsError, got ${call.result ? JSON.stringify(call.result) : e}`);
    const got = {
      code: e.code,
      retryable: e.retryable,
      maybeCreated: e.maybeCreated,
      httpStatus: e.httpStatus,
      taskId: e.taskId,
      requestId: typeof e.requestId === "string" && e.requestId.length > 0,
    };
    assert.deepEqual(got, { httpStatus: undefined, taskId: undefined, requestId: false, ...want }, e.message);
    assert.equal(e.action, call.prompt === undefined ? DESCRIBE : CREATE);
    if (want.taskId) assert.ok(e.message.includes(want.taskId), `the message names the task: ${e.message}`);
  }

  function expectDescribed(call) {
    assert.ok(call.result, `expected a result, got ${call.error?.code}: ${call.error?.message}`);
    assert.ok(["WAIT", "RUN", "DONE", "FAIL"].includes(call.result.Status), call.result.Status);
    assert.ok(call.result.RequestId);
  }

  // --- the audit every test ends with ---------------------------------------------------------------

  /** Whether the bytes the mock sent for request record `r` held its task's whole `"TaskId":"..."`. */
  function idWasSent(r) {
    if (["drop-after-create", "hang-after-create", "http-after-create"].includes(r.fault)) return false;
    return Buffer.from(r.response ?? "").subarray(0, r.sentBytes ?? Infinity).includes(`"TaskId":"${r.taskId}"`);
  }

  /** The attempts of one call, in order: records whose body carries this Prompt (create) or TaskId (describe). */
  function attemptsOf(m, key, value) {
    return m.requests.filter((r) => {
      try {
        return JSON.parse(r.body)[key] === value;
      } catch {
        return false;
      }
    });
  }

  /** Whether the mock surely did not process a request: it throttled it. */
  const throttled = (r) => r.throttled || r.status === 429 || /"Code":"RequestLimitExceeded/.test(r.response ?? "");

  function outcomeOf(call) {
    if (call.result) return call.result.TaskId ? "ok" : `ok (${call.result.Status})`;
    const e = call.error;
    const flags = [e.httpStatus && `HTTP ${e.httpStatus}`, e.retryable && "retryable", e.maybeCreated && "maybeCreated", e.taskId && "taskId"];
    const shown = flags.filter(Boolean);
    return `${e.code}${shown.length ? ` (${shown.join(", ")})` : ""}`;
  }

  function summary(calls) {
    const counts = new Map();
    for (const c of calls) counts.set(outcomeOf(c), (counts.get(outcomeOf(c)) ?? 0) + 1);
    if (counts.size === 1 && calls.length === 1) return outcomeOf(calls[0]);
    if (counts.size <= 3) return [...counts].map(([o, n]) => `${n}× ${o}`).join("; ");
    // A storm: totals, and the codes seen.
    const errors = calls.filter((c) => c.error).map((c) => c.error);
    const flags = [
      [errors.filter((e) => e.retryable).length, "retryable"],
      [errors.filter((e) => e.maybeCreated).length, "maybeCreated"],
      [errors.filter((e) => e.taskId).length, "with taskId"],
    ].filter(([n]) => n > 0);
    const codes = [...new Set(errors.map((e) => e.code))].sort();
    return (
      `${calls.length - errors.length} ok; ${errors.length} failed` +
      (flags.length ? ` (${flags.map(([n, f]) => `${n} ${f}`).join(", ")})` : "") +
      (codes.length ? `: ${codes.join(", ")}` : "")
    );
  }

  /**
   * The checks common to every scenario, then its row in the table:
   * - no create call made more than one task (tasks are traced to calls by their Prompt), and the mock
   *   has no task that no call asked for;
   * - a successful create returned the task its own call made; a create that failed without
   *   maybeCreated made none;
   * - every task made reached its caller (result TaskId, or error taskId), or else its id never
   *   reached the client and the caller was told maybeCreated.
   * `action` picks the requests counted in the row.
   */
  function audit(m, scenario, action, calls, note = "") {
    const creates = calls.filter((c) => c.prompt !== undefined);
    const made = m.requests.filter((r) => r.taskId);
    const madeByCall = new Map();
    for (const r of made) {
      const prompt = m.tasks.get(r.taskId).request.Prompt;
      assert.ok(!madeByCall.has(prompt), `DUPLICATE: the call "${prompt}" made two tasks`);
      madeByCall.set(prompt, r);
    }
    const asked = [...m.tasks.values()].filter((t) => t.request.Prompt !== undefined);
    assert.equal(asked.length, made.length, "every task the mock holds came from a traced request");
    assert.ok(made.length <= creates.length, `${made.length} tasks from ${creates.length} creates`);

    let reached = 0;
    let unknowable = 0;
    const dropped = [];
    for (const call of creates) {
      const r = madeByCall.get(call.prompt);
      if (call.result) {
        assert.ok(r, `the create "${call.prompt}" succeeded, so its task exists`);
        assert.equal(call.result.TaskId, r.taskId, "a successful create returned its own task");
      } else if (!call.error.maybeCreated) {
        assert.equal(r, undefined, `"${call.prompt}" failed with ${call.error.code} without maybeCreated, yet made a task`);
      }
      if (!r) continue;
      const got = call.result?.TaskId ?? call.error?.taskId;
      if (got === r.taskId) {
        reached++;
        continue;
      }
      assert.equal(got, undefined, "no wrong task id reaches a caller");
      assert.equal(call.error.maybeCreated, true, `task ${r.taskId} did not reach its caller, who must hear maybeCreated`);
      if (idWasSent(r)) dropped.push(`${r.taskId} (${r.fault}: its id was sent, the error lacks it)`);
      else unknowable++;
    }
    const parts = [];
    if (made.length) parts.push(`${reached} of ${made.length}`);
    if (unknowable) parts.push(`${unknowable} never sent (maybeCreated)`);
    if (dropped.length) parts.push(`**${dropped.length} sent but dropped by the client**`);
    rows.push({
      kind: kind.name,
      scenario,
      action: action === CREATE ? "create" : "describe",
      outcome: summary(calls) + note,
      requests: m.calls(action).length,
      tasks: made.length,
      reached: parts.length ? parts.join("; ") : "n/a",
    });
    assert.deepEqual(dropped, [], "every task id that reached the client reached its caller");
    return { made: made.length, reached, unknowable };
  }

  // --- bursts of 5xx --------------------------------------------------------------------------------

  test(`${kind.name}: describe: a burst of 5xx shorter than maxRetries is retried to success`, async () => {
    const m = await mock();
    const id = m.addTask({ kind: kind.name });
    m.fault({ kind: "http", status: 503, action: DESCRIBE, times: 2 });
    const call = await describe(clientFor(m, { maxRetries: 3 }), id);
    audit(m, "burst of 2× HTTP 503, maxRetries 3", DESCRIBE, [call]);
    expectDescribed(call);
    assert.equal(m.calls(DESCRIBE).length, 3);
  });

  test(`${kind.name}: describe: a burst of 5xx longer than maxRetries fails retryable`, async () => {
    const m = await mock();
    const id = m.addTask({ kind: kind.name });
    m.fault({ kind: "http", status: 500, action: DESCRIBE, times: 5 });
    const call = await describe(clientFor(m, { maxRetries: 2 }), id);
    audit(m, "burst of 5× HTTP 500, maxRetries 2", DESCRIBE, [call]);
    expectError(call, { code: "ServerNetworkError", retryable: true, maybeCreated: false, httpStatus: 500 });
    assert.equal(m.calls(DESCRIBE).length, 3);
  });

  test(`${kind.name}: describe: InternalError, ServiceUnavailable and ResourceUnavailable are each retried`, async () => {
    const m = await mock();
    const ids = [m.addTask({ kind: kind.name }), m.addTask({ kind: kind.name }), m.addTask({ kind: kind.name })];
    // Three describes at once: each one's first attempt takes one of the three faults.
    for (const code of ["InternalError", "ServiceUnavailable", "ResourceUnavailable"]) m.fault({ kind: "error", code, action: DESCRIBE });
    const client = clientFor(m, { maxRetries: 1 });
    const calls = await Promise.all(ids.map((id) => describe(client, id)));
    audit(m, "InternalError / ServiceUnavailable / ResourceUnavailable, 1 each", DESCRIBE, calls);
    calls.forEach(expectDescribed);
    assert.equal(m.calls(DESCRIBE).length, 6);
    for (const id of ids) assert.equal(attemptsOf(m, "TaskId", id).length, 2, "one fault and one retry per call");
  });

  test(`${kind.name}: create: a burst of 5xx before the task is made fails at once, maybeCreated`, async () => {
    const m = await mock();
    m.fault({ kind: "http", status: 502, action: CREATE, times: 3 });
    const call = await create(clientFor(m, { maxRetries: 3 }));
    const a = audit(m, "burst of 3× HTTP 502 (task not made)", CREATE, [call]);
    // The client cannot tell "502 before" from "502 after": it must not retry, and must warn.
    expectError(call, { code: "ServerNetworkError", retryable: false, maybeCreated: true, httpStatus: 502 });
    assert.equal(m.calls(CREATE).length, 1, "never retried");
    assert.equal(a.made, 0);
  });

  test(`${kind.name}: create: InternalError in a 200 fails at once, maybeCreated, with the RequestId`, async () => {
    const m = await mock();
    m.fault({ kind: "error", code: "InternalError", action: CREATE, times: 3 });
    const call = await create(clientFor(m, { maxRetries: 3 }));
    audit(m, "InternalError (task not made)", CREATE, [call]);
    expectError(call, { code: "InternalError", retryable: false, maybeCreated: true, httpStatus: 200, requestId: true });
    assert.equal(m.calls(CREATE).length, 1);
  });

  // --- resets mid-response ---------------------------------------------------------------------------

  test(`${kind.name}: describe: resets mid-answer are retried to success`, async () => {
    const m = await mock();
    const id = m.addTask({ kind: kind.name });
    m.fault({ kind: "truncated", action: DESCRIBE });
    m.fault({ kind: "truncated-after-create", bytes: 30, action: DESCRIBE });
    const call = await describe(clientFor(m, { maxRetries: 2 }), id);
    audit(m, "2 resets mid-answer", DESCRIBE, [call]);
    expectDescribed(call);
    assert.equal(m.calls(DESCRIBE).length, 3);
  });

  test(`${kind.name}: describe: connections dropped more often than maxRetries fail retryable`, async () => {
    const m = await mock();
    const id = m.addTask({ kind: kind.name });
    m.fault({ kind: "drop", action: DESCRIBE, times: 5 });
    const call = await describe(clientFor(m, { maxRetries: 2 }), id);
    audit(m, "5× dropped connection, maxRetries 2", DESCRIBE, [call]);
    expectError(call, { code: "ClientNetworkError", retryable: true, maybeCreated: false });
    assert.equal(m.calls(DESCRIBE).length, 3);
  });

  test(`${kind.name}: create: a connection dropped before the task is made: maybeCreated, no task`, async () => {
    const m = await mock();
    m.fault({ kind: "drop", action: CREATE });
    const call = await create(clientFor(m));
    const a = audit(m, "dropped before processing", CREATE, [call]);
    expectError(call, { code: "ClientNetworkError", retryable: false, maybeCreated: true });
    assert.equal(m.calls(CREATE).length, 1);
    assert.equal(a.made, 0);
  });

  test(`${kind.name}: create: a connection dropped after the task is made: maybeCreated (the id was never sent)`, async () => {
    const m = await mock();
    m.fault({ kind: "drop-after-create", action: CREATE });
    const call = await create(clientFor(m));
    const a = audit(m, "dropped after the task was made, before any byte", CREATE, [call]);
    // No byte of the answer left the mock: nobody can know the id; maybeCreated is all there is.
    expectError(call, { code: "ClientNetworkError", retryable: false, maybeCreated: true });
    assert.equal(m.calls(CREATE).length, 1);
    assert.deepEqual([a.made, a.unknowable], [1, 1]);
  });

  test(`${kind.name}: create: a reset after the TaskId (chunked answer): the error carries the taskId`, async () => {
    const m = await mock();
    m.fault({ kind: "truncated-after-create", chunked: true, action: CREATE });
    const call = await create(clientFor(m));
    const a = audit(m, "reset after the TaskId's bytes (chunked)", CREATE, [call]);
    expectError(call, { code: "ClientNetworkError", retryable: false, maybeCreated: true, taskId: m.requests[0].taskId });
    assert.equal(m.calls(CREATE).length, 1);
    assert.deepEqual([a.made, a.reached], [1, 1]);
  });

  test(
    `${kind.name}: create: a reset after the TaskId (answer with a Content-Length): the error carries the taskId`,
    async () => {
      const m = await mock();
      // Real servers send a Content-Length: this is the common case of a cut-off answer.
      m.fault({ kind: "truncated-after-create", action: CREATE });
      const call = await create(clientFor(m));
      const a = audit(m, "reset after the TaskId's bytes (Content-Length)", CREATE, [call]);
      expectError(call, { code: "ClientNetworkError", retryable: false, maybeCreated: true, taskId: m.requests[0].taskId });
      assert.equal(m.calls(CREATE).length, 1);
      assert.deepEqual([a.made, a.reached], [1, 1]);
    },
  );

  test(`${kind.name}: create: a reset inside the TaskId: maybeCreated (the whole id was never sent)`, async () => {
    const m = await mock();
    m.fault({ kind: "truncated-after-create", bytes: 40, chunked: true, action: CREATE });
    const call = await create(clientFor(m));
    const a = audit(m, "reset inside the TaskId", CREATE, [call]);
    // Half an id names nothing: the client must not make one up.
    expectError(call, { code: "ClientNetworkError", retryable: false, maybeCreated: true });
    assert.equal(m.calls(CREATE).length, 1);
    assert.deepEqual([a.made, a.unknowable], [1, 1]);
  });

  // --- answers that never finish (client timeoutMs 300) ---------------------------------------------

  test(`${kind.name}: describe: an answer that never comes is timed out and retried to success`, async () => {
    const m = await mock();
    const id = m.addTask({ kind: kind.name });
    m.fault({ kind: "hang", action: DESCRIBE });
    const call = await describe(clientFor(m, { timeoutMs: 300, maxRetries: 2 }), id);
    audit(m, "no answer once (timeoutMs 300)", DESCRIBE, [call]);
    expectDescribed(call);
    assert.equal(m.calls(DESCRIBE).length, 2);
  });

  test(`${kind.name}: describe: headers then silence, more often than maxRetries: ClientTimeout, retryable`, async () => {
    const m = await mock();
    const id = m.addTask({ kind: kind.name });
    m.fault({ kind: "headers-then-hang", bytes: 20, action: DESCRIBE, times: 3 });
    const call = await describe(clientFor(m, { timeoutMs: 300, maxRetries: 2 }), id);
    audit(m, "3× headers then silence, maxRetries 2", DESCRIBE, [call]);
    expectError(call, { code: "ClientTimeout", retryable: true, maybeCreated: false });
    assert.equal(m.calls(DESCRIBE).length, 3);
  });

  test(`${kind.name}: describe and create: a slow answer within timeoutMs is just an answer`, async () => {
    const m = await mock();
    const id = m.addTask({ kind: kind.name });
    m.fault({ kind: "slow", delayMs: 150, action: DESCRIBE });
    const d = await describe(clientFor(m, { timeoutMs: 300 }), id);
    audit(m, "answer after 150 ms (timeoutMs 300)", DESCRIBE, [d]);
    expectDescribed(d);
    assert.equal(m.calls(DESCRIBE).length, 1);

    const m2 = await mock();
    m2.fault({ kind: "slow", delayMs: 150, action: CREATE });
    const c = await create(clientFor(m2, { timeoutMs: 300 }));
    const a = audit(m2, "answer after 150 ms (timeoutMs 300)", CREATE, [c]);
    assert.match(c.result.TaskId, new RegExp(`^4-Aigc${kind.noun}-`));
    assert.equal(m2.calls(CREATE).length, 1);
    assert.deepEqual([a.made, a.reached], [1, 1]);
  });

  test(`${kind.name}: create: no answer before the task is made: ClientTimeout, maybeCreated, no task`, async () => {
    const m = await mock();
    m.fault({ kind: "hang", action: CREATE });
    const call = await create(clientFor(m, { timeoutMs: 300 }));
    const a = audit(m, "no answer, task not made", CREATE, [call]);
    expectError(call, { code: "ClientTimeout", retryable: false, maybeCreated: true });
    assert.equal(m.calls(CREATE).length, 1);
    assert.equal(a.made, 0);
  });

  test(`${kind.name}: create: the task is made and the answer never comes: maybeCreated (the id was never sent)`, async () => {
    const m = await mock();
    m.fault({ kind: "hang-after-create", action: CREATE });
    const call = await create(clientFor(m, { timeoutMs: 300 }));
    const a = audit(m, "task made, no answer", CREATE, [call]);
    // Nothing of the answer was sent: maybeCreated is all anyone can know.
    expectError(call, { code: "ClientTimeout", retryable: false, maybeCreated: true });
    assert.equal(m.calls(CREATE).length, 1);
    assert.deepEqual([a.made, a.unknowable], [1, 1]);
  });

  test(`${kind.name}: create: the task is made, headers come, the body never does: maybeCreated (no id sent)`, async () => {
    const m = await mock();
    m.fault({ kind: "headers-then-hang", action: CREATE });
    const call = await create(clientFor(m, { timeoutMs: 300 }));
    const a = audit(m, "task made, headers then silence", CREATE, [call]);
    // Headers only: no byte of the body, so no id, reached the client.
    expectError(call, { code: "ClientTimeout", retryable: false, maybeCreated: true });
    assert.equal(m.calls(CREATE).length, 1);
    assert.deepEqual([a.made, a.unknowable], [1, 1]);
  });

  test(
    `${kind.name}: create: the TaskId's bytes arrive, then the body stalls past timeoutMs: the error carries the taskId`,
    async () => {
      const m = await mock();
      m.fault({ kind: "headers-then-hang", bytes: 80, chunked: true, action: CREATE });
      const call = await create(clientFor(m, { timeoutMs: 300 }));
      const a = audit(m, "task made, the TaskId's bytes, then silence", CREATE, [call]);
      expectError(call, { code: "ClientTimeout", retryable: false, maybeCreated: true, taskId: m.requests[0].taskId });
      assert.equal(m.calls(CREATE).length, 1);
      assert.deepEqual([a.made, a.reached], [1, 1]);
    },
  );

  // --- truncated and malformed JSON ------------------------------------------------------------------

  test(`${kind.name}: describe: malformed JSON and a cut-off JSON body are retried to success`, async () => {
    const m = await mock();
    const id = m.addTask({ kind: kind.name });
    m.fault({ kind: "malformed", action: DESCRIBE });
    m.fault({ kind: "garbled-after-create", bytes: 25, action: DESCRIBE }); // a complete answer of 25 bytes of JSON
    const call = await describe(clientFor(m, { maxRetries: 2 }), id);
    audit(m, "malformed JSON, then JSON cut at 25 bytes", DESCRIBE, [call]);
    expectDescribed(call);
    assert.equal(m.calls(DESCRIBE).length, 3);
  });

  test(`${kind.name}: describe: a truncated JSON body more often than maxRetries: InvalidResponse, retryable`, async () => {
    const m = await mock();
    const id = m.addTask({ kind: kind.name });
    m.fault({ kind: "http", status: 200, body: '{"Response":{"Status":"RU', contentType: "application/json", action: DESCRIBE, times: 3 });
    const call = await describe(clientFor(m, { maxRetries: 2 }), id);
    audit(m, "3× truncated JSON in a 200, maxRetries 2", DESCRIBE, [call]);
    expectError(call, { code: "InvalidResponse", retryable: true, maybeCreated: false, httpStatus: 200 });
    assert.equal(m.calls(DESCRIBE).length, 3);
  });

  test(`${kind.name}: create: malformed JSON or a JSON that is not the envelope, task not made: maybeCreated`, async () => {
    const m = await mock();
    m.fault({ kind: "malformed", action: CREATE });
    m.fault({ kind: "wrong-shape", action: CREATE });
    const client = clientFor(m);
    const calls = [await create(client), await create(client)];
    const a = audit(m, "malformed JSON; JSON without Response (task not made)", CREATE, calls);
    for (const call of calls) expectError(call, { code: "InvalidResponse", retryable: false, maybeCreated: true, httpStatus: 200 });
    assert.equal(m.calls(CREATE).length, 2);
    assert.equal(a.made, 0);
  });

  test(`${kind.name}: create: a garbled answer that names the task: maybeCreated, with the taskId`, async () => {
    const m = await mock();
    m.fault({ kind: "garbled-after-create", action: CREATE });
    const call = await create(clientFor(m));
    const a = audit(m, "garbled JSON naming the task", CREATE, [call]);
    expectError(call, { code: "InvalidResponse", retryable: false, maybeCreated: true, httpStatus: 200, taskId: m.requests[0].taskId });
    assert.equal(m.calls(CREATE).length, 1);
    assert.deepEqual([a.made, a.reached], [1, 1]);
  });

  test(`${kind.name}: create: a complete but cut-off JSON answer that names the task: maybeCreated, with the taskId`, async () => {
    const m = await mock();
    m.fault({ kind: "garbled-after-create", bytes: 80, action: CREATE });
    const call = await create(clientFor(m));
    const a = audit(m, "JSON cut at 80 bytes, after the TaskId", CREATE, [call]);
    expectError(call, { code: "InvalidResponse", retryable: false, maybeCreated: true, httpStatus: 200, taskId: m.requests[0].taskId });
    assert.equal(m.calls(CREATE).length, 1);
    assert.deepEqual([a.made, a.reached], [1, 1]);
  });

  test(`${kind.name}: create: JSON cut inside the TaskId: maybeCreated (the whole id was never sent)`, async () => {
    const m = await mock();
    m.fault({ kind: "garbled-after-create", bytes: 40, action: CREATE });
    const call = await create(clientFor(m));
    const a = audit(m, "JSON cut inside the TaskId", CREATE, [call]);
    expectError(call, { code: "InvalidResponse", retryable: false, maybeCreated: true, httpStatus: 200 });
    assert.equal(m.calls(CREATE).length, 1);
    assert.deepEqual([a.made, a.unknowable], [1, 1]);
  });

  // --- HTML error pages ------------------------------------------------------------------------------

  test(`${kind.name}: describe: nginx 502 and 504 pages are retried to success`, async () => {
    const m = await mock();
    const id = m.addTask({ kind: kind.name });
    m.fault({ kind: "http", status: 502, body: nginx(502), action: DESCRIBE });
    m.fault({ kind: "http", status: 504, body: nginx(504), action: DESCRIBE });
    const call = await describe(clientFor(m, { maxRetries: 2 }), id);
    audit(m, "HTML 502, then HTML 504", DESCRIBE, [call]);
    expectDescribed(call);
    assert.equal(m.calls(DESCRIBE).length, 3);
  });

  test(`${kind.name}: describe: HTML 503 pages more often than maxRetries: ServerNetworkError, retryable, with the page's start`, async () => {
    const m = await mock();
    const id = m.addTask({ kind: kind.name });
    m.fault({ kind: "http", status: 503, body: nginx(503), action: DESCRIBE, times: 3 });
    const call = await describe(clientFor(m, { maxRetries: 2 }), id);
    audit(m, "3× HTML 503, maxRetries 2", DESCRIBE, [call]);
    expectError(call, { code: "ServerNetworkError", retryable: true, maybeCreated: false, httpStatus: 503 });
    assert.match(call.error.message, /^HTTP 503: <html> {2}<head><title>503 Service Temporarily Unavailable/);
    assert.equal(m.calls(DESCRIBE).length, 3);
  });

  test(`${kind.name}: create: an HTML 503 page, task not made: maybeCreated, never retried`, async () => {
    const m = await mock();
    m.fault({ kind: "http", status: 503, body: nginx(503), action: CREATE, times: 2 });
    const call = await create(clientFor(m, { maxRetries: 3 }));
    const a = audit(m, "HTML 503 (task not made)", CREATE, [call]);
    expectError(call, { code: "ServerNetworkError", retryable: false, maybeCreated: true, httpStatus: 503 });
    assert.equal(m.calls(CREATE).length, 1);
    assert.equal(a.made, 0);
  });

  test(`${kind.name}: create: the task is made and a gateway answers an HTML 504: maybeCreated (the id was never sent)`, async () => {
    const m = await mock();
    m.fault({ kind: "http-after-create", status: 504, body: nginx(504), action: CREATE });
    const call = await create(clientFor(m, { maxRetries: 3 }));
    const a = audit(m, "task made, then an HTML 504 from the gateway", CREATE, [call]);
    // The gateway's page replaced the answer: the id never left the server.
    expectError(call, { code: "ServerNetworkError", retryable: false, maybeCreated: true, httpStatus: 504 });
    assert.equal(m.calls(CREATE).length, 1);
    assert.deepEqual([a.made, a.unknowable], [1, 1]);
  });

  test(`${kind.name}: describe and create: an HTML page with status 200 (a portal or a WAF) is an InvalidResponse`, async () => {
    const m = await mock();
    const id = m.addTask({ kind: kind.name });
    const page = { kind: "http", status: 200, body: "<!doctype html><html><body>Please sign in to the Wi-Fi</body></html>" };
    m.fault({ ...page, action: DESCRIBE });
    m.fault({ ...page, action: CREATE });
    const client = clientFor(m, { maxRetries: 2 });
    const d = await describe(client, id);
    const c = await create(client);
    audit(m, "HTML page in a 200", DESCRIBE, [d]);
    const a = audit(m, "HTML page in a 200 (task not made)", CREATE, [c]);
    expectDescribed(d);
    expectError(c, { code: "InvalidResponse", retryable: false, maybeCreated: true, httpStatus: 200 });
    assert.deepEqual([m.calls(DESCRIBE).length, m.calls(CREATE).length, a.made], [2, 1, 0]);
  });

  // --- huge bodies -----------------------------------------------------------------------------------

  test(`${kind.name}: describe: a 4 MiB answer is refused and retried to success`, async () => {
    const m = await mock();
    const id = m.addTask({ kind: kind.name });
    m.fault({ kind: "huge", action: DESCRIBE });
    m.fault({ kind: "huge-after-create", action: DESCRIBE }); // the real answer, padded past 1 MiB
    const call = await describe(clientFor(m, { maxRetries: 2 }), id);
    audit(m, "4 MiB of junk, then a 2 MiB padded answer", DESCRIBE, [call]);
    expectDescribed(call);
    assert.equal(m.calls(DESCRIBE).length, 3);
  });

  test(`${kind.name}: describe: huge answers more often than maxRetries: InvalidResponse, retryable`, async () => {
    const m = await mock();
    const id = m.addTask({ kind: kind.name });
    m.fault({ kind: "huge", bytes: MiB + 64 * 1024, action: DESCRIBE, times: 2 });
    const call = await describe(clientFor(m, { maxRetries: 1 }), id);
    audit(m, "2× 1.06 MiB of junk, maxRetries 1", DESCRIBE, [call]);
    expectError(call, { code: "InvalidResponse", retryable: true, maybeCreated: false, httpStatus: 200 });
    assert.match(call.error.message, /larger than 1048576 bytes/);
    assert.equal(m.calls(DESCRIBE).length, 2);
  });

  test(`${kind.name}: create: a huge answer without a TaskId, task not made: maybeCreated`, async () => {
    const m = await mock();
    m.fault({ kind: "huge", action: CREATE });
    const call = await create(clientFor(m));
    const a = audit(m, "4 MiB without a TaskId (task not made)", CREATE, [call]);
    expectError(call, { code: "InvalidResponse", retryable: false, maybeCreated: true, httpStatus: 200 });
    assert.equal(m.calls(CREATE).length, 1);
    assert.equal(a.made, 0);
  });

  test(`${kind.name}: create: a huge answer starting with the TaskId (Content-Length, and chunked): the error carries it`, async () => {
    const m = await mock();
    m.fault({ kind: "huge-after-create", action: CREATE });
    m.fault({ kind: "huge-after-create", chunked: true, bytes: MiB, action: CREATE });
    const client = clientFor(m);
    const calls = [await create(client), await create(client)];
    const a = audit(m, "TaskId then 2 MiB (Content-Length); TaskId then 1 MiB (chunked)", CREATE, calls);
    calls.forEach((call, i) =>
      expectError(call, { code: "InvalidResponse", retryable: false, maybeCreated: true, httpStatus: 200, taskId: m.requests[i].taskId }),
    );
    assert.match(calls[0].error.message, new RegExp(`larger than 1048576 bytes \\(the answer names task 4-Aigc${kind.noun}-`));
    assert.equal(m.calls(CREATE).length, 2);
    assert.deepEqual([a.made, a.reached], [2, 2]);
  });

  // --- wrong content types ---------------------------------------------------------------------------

  test(`${kind.name}: describe: a valid answer labelled text/plain, text/html, octet-stream or nothing is accepted`, async () => {
    const m = await mock();
    const id = m.addTask({ kind: kind.name });
    const client = clientFor(m);
    const calls = [];
    for (const contentType of ["text/plain", "text/html; charset=utf-8", "application/octet-stream", null]) {
      m.fault({ kind: "content-type", contentType, action: DESCRIBE });
      calls.push(await describe(client, id));
    }
    audit(m, "text/plain, text/html, octet-stream, no Content-Type", DESCRIBE, calls);
    calls.forEach(expectDescribed);
    assert.equal(m.calls(DESCRIBE).length, 4, "none retried");
  });

  test(`${kind.name}: create: a valid answer labelled text/html is accepted, one task`, async () => {
    const m = await mock();
    m.fault({ kind: "content-type", contentType: "text/html", action: CREATE });
    m.fault({ kind: "content-type", contentType: "text/plain", action: CREATE });
    const client = clientFor(m);
    const calls = [await create(client), await create(client)];
    const a = audit(m, "text/html, text/plain", CREATE, calls);
    for (const call of calls) assert.match(call.result.TaskId, new RegExp(`^4-Aigc${kind.noun}-`));
    assert.equal(m.calls(CREATE).length, 2);
    assert.deepEqual([a.made, a.reached], [2, 2]);
  });

  // --- Date headers far off --------------------------------------------------------------------------

  test(`${kind.name}: create: the server's clock 6 hours ahead: corrected from Date, re-signed once, the offset kept`, async () => {
    const m = await mock({ clockSkewMs: 6 * HOUR });
    const client = clientFor(m);
    const call = await create(client);
    const a = audit(m, "server clock +6 h (SignatureExpire, Date +6 h)", CREATE, [call]);
    assert.match(call.result.TaskId, new RegExp(`^4-Aigc${kind.noun}-`));
    assert.deepEqual(m.requests.map((r) => r.signatureOk), [false, true]);
    assert.equal(JSON.parse(m.requests[0].response).Response.Error.Code, "AuthFailure.SignatureExpire");
    assert.equal(m.calls(CREATE).length, 2);
    assert.deepEqual([a.made, a.reached], [1, 1]);
    // The offset is kept: the next call is signed right the first time.
    expectDescribed(await describe(client, call.result.TaskId));
    assert.equal(m.calls(DESCRIBE).length, 1);
  });

  test(`${kind.name}: describe: the server's clock 3 days behind: corrected once`, async () => {
    const m = await mock({ clockSkewMs: -3 * DAY });
    const id = m.addTask({ kind: kind.name });
    const call = await describe(clientFor(m, { maxRetries: 0 }), id);
    audit(m, "server clock −3 days", DESCRIBE, [call]);
    expectDescribed(call);
    assert.equal(m.calls(DESCRIBE).length, 2);
    const [expired, resigned] = m.calls(DESCRIBE);
    assert.ok(Math.abs(Number(resigned.headers["x-tc-timestamp"]) * 1000 - m.now()) < 5000, "signed with the server's time");
    assert.notEqual(expired.headers.authorization.split("/")[1], resigned.headers.authorization.split("/")[1], "a new credential date");
  });

  test(`${kind.name}: create and describe: SignatureExpire with a garbage or missing Date cannot be corrected: fails at once`, async () => {
    const m = await mock({ clockSkewMs: 6 * HOUR });
    const id = m.addTask({ kind: kind.name });
    m.fault({ kind: "date", date: "the day after tomorrow", action: CREATE });
    m.fault({ kind: "date", date: null, action: DESCRIBE });
    const client = clientFor(m, { maxRetries: 3 });
    const c = await create(client);
    const d = await describe(client, id);
    const a = audit(m, "SignatureExpire with Date: garbage", CREATE, [c]);
    audit(m, "SignatureExpire with no Date", DESCRIBE, [d]);
    for (const call of [c, d]) expectError(call, { code: "AuthFailure.SignatureExpire", retryable: false, maybeCreated: false, httpStatus: 200, requestId: true });
    assert.deepEqual([m.calls(CREATE).length, m.calls(DESCRIBE).length, a.made], [1, 1, 0]);
  });

  test(`${kind.name}: create: a lying Date (2 days off, the server's clock right) costs one call, then heals`, async () => {
    const m = await mock();
    m.fault({ kind: "error", code: "AuthFailure.SignatureExpire", date: new Date(Date.now() + 2 * DAY), action: CREATE });
    const client = clientFor(m);
    // The client believes the Date, re-signs 2 days ahead, and the (right) server refuses that too:
    // one correction per call, so this call fails. The refusal's own Date is right: the next call heals.
    const first = await create(client);
    const second = await create(client);
    const a = audit(m, "SignatureExpire with a Date 2 days off (a lie)", CREATE, [first, second]);
    expectError(first, { code: "AuthFailure.SignatureExpire", retryable: false, maybeCreated: false, httpStatus: 200, requestId: true });
    assert.match(second.result.TaskId, new RegExp(`^4-Aigc${kind.noun}-`));
    assert.equal(m.calls(CREATE).length, 4, "2 per call");
    assert.deepEqual([a.made, a.reached], [1, 1]);
  });

  test(`${kind.name}: describe: a Date days off on a successful answer is ignored`, async () => {
    const m = await mock();
    const id = m.addTask({ kind: kind.name });
    m.fault({ kind: "date", date: new Date(Date.now() + 5 * DAY), action: DESCRIBE });
    m.fault({ kind: "date", date: "garbage", action: DESCRIBE });
    const client = clientFor(m);
    const calls = [await describe(client, id), await describe(client, id), await describe(client, id)];
    audit(m, "Date +5 days, then garbage, on good answers", DESCRIBE, calls);
    calls.forEach(expectDescribed);
    assert.equal(m.calls(DESCRIBE).length, 3);
    for (const r of m.requests) assert.ok(Math.abs(Number(r.headers["x-tc-timestamp"]) * 1000 - Date.now()) < 5000, "the clock was left alone");
  });

  // --- throttling storms -----------------------------------------------------------------------------

  test(`${kind.name}: create: a throttling storm (RequestLimitExceeded and 429) retried into exactly one task per call`, async () => {
    const m = await mock();
    // Ten creates at once; each attempt round takes the next ten faults: two rounds of throttling
    // (the second a mix of codes and HTTP 429), then every call goes through.
    m.fault({ kind: "error", code: "RequestLimitExceeded", action: CREATE, times: 15 });
    m.fault({ kind: "http", status: 429, body: "Too Many Requests", contentType: "text/plain", action: CREATE, times: 5 });
    const client = clientFor(m, { maxRetries: 3 });
    const calls = await Promise.all(Array.from({ length: 10 }, () => create(client)));
    const a = audit(m, "storm: 15× RequestLimitExceeded + 5× HTTP 429 over 10 concurrent creates", CREATE, calls);
    for (const call of calls) assert.match(call.result?.TaskId ?? "", new RegExp(`^4-Aigc${kind.noun}-`), call.error?.message);
    assert.equal(m.calls(CREATE).length, 30);
    for (const call of calls) assert.equal(attemptsOf(m, "Prompt", call.prompt).length, 3);
    assert.deepEqual([a.made, a.reached], [10, 10]);
  });

  test(`${kind.name}: create: throttled more often than maxRetries: RequestLimitExceeded, retryable, no task`, async () => {
    const m = await mock();
    m.fault({ kind: "error", code: "RequestLimitExceeded.UinLimitExceeded", action: CREATE, times: 3 });
    const call = await create(clientFor(m, { maxRetries: 2 }));
    const a = audit(m, "3× RequestLimitExceeded.UinLimitExceeded, maxRetries 2", CREATE, [call]);
    expectError(call, { code: "RequestLimitExceeded.UinLimitExceeded", retryable: true, maybeCreated: false, httpStatus: 200, requestId: true });
    assert.equal(m.calls(CREATE).length, 3);
    assert.equal(a.made, 0);
  });

  // Five clients at once, each within its own limit: together half again the mock's real limit.
  const LIMIT = kind.createsPerSecond;
  const EACH = Math.ceil((1.5 * LIMIT) / 5);
  test(`${kind.name}: create: 5 clients × ${EACH} creates against the mock's real ${LIMIT}/s limit: one task per success, none for failures`, async () => {
    const m = await mock();
    const clients = Array.from({ length: 5 }, () => clientFor(m, { maxRetries: 3 }));
    const calls = await Promise.all(clients.flatMap((c) => Array.from({ length: EACH }, () => create(c))));
    const a = audit(m, `storm: 5 clients × ${EACH} creates, mock limit ${LIMIT}/s`, CREATE, calls);
    const ok = calls.filter((c) => c.result);
    for (const call of calls.filter((c) => c.error)) {
      expectError(call, { code: "RequestLimitExceeded", retryable: true, maybeCreated: false, httpStatus: 200, requestId: true });
      assert.equal(attemptsOf(m, "Prompt", call.prompt).length, 4, "a failure used every retry");
    }
    assert.ok(ok.length >= LIMIT, `at least the first second's ${LIMIT} went through (${ok.length})`);
    assert.equal(a.made, ok.length);
    assert.equal(a.reached, ok.length);
    assert.equal(m.calls(CREATE).length, ok.length + m.calls(CREATE).filter((r) => r.throttled).length);
    assert.ok(m.maxInWindow(CREATE) > LIMIT, "the mock saw a storm");
    for (const call of calls) {
      const attempts = attemptsOf(m, "Prompt", call.prompt);
      assert.ok(attempts.slice(0, -1).every(throttled), "only throttled attempts were retried");
    }
  });

  // Four clients at once, each within its own limit: together twice the mock's real limit.
  const DESCRIBES = kind.describesPerSecond;
  test(`${kind.name}: describe: 4 clients × ${DESCRIBES / 2} describes against the mock's real ${DESCRIBES}/s limit: recover or fail retryable`, async () => {
    const m = await mock();
    const ids = Array.from({ length: 2 * DESCRIBES }, () => m.addTask({ kind: kind.name }));
    const clients = Array.from({ length: 4 }, () => clientFor(m, { maxRetries: 3 }));
    const calls = await Promise.all(ids.map((id, i) => describe(clients[i % 4], id)));
    audit(m, `storm: 4 clients × ${DESCRIBES / 2} describes, mock limit ${DESCRIBES}/s`, DESCRIBE, calls);
    let throttledRequests = 0;
    calls.forEach((call, i) => {
      const attempts = attemptsOf(m, "TaskId", ids[i]);
      throttledRequests += attempts.filter((r) => r.throttled).length;
      if (call.result) {
        expectDescribed(call);
        assert.ok(attempts.length <= 4);
      } else {
        expectError(call, { code: "RequestLimitExceeded", retryable: true, maybeCreated: false, httpStatus: 200, requestId: true });
        assert.equal(attempts.length, 4, "a failure used every retry");
      }
    });
    const ok = calls.filter((c) => c.result).length;
    assert.ok(ok >= DESCRIBES, `at least the first second's ${DESCRIBES} went through (${ok})`);
    assert.equal(m.calls(DESCRIBE).length, ok + throttledRequests, "every request either answered a call or was throttled");
    assert.ok(throttledRequests > 0, "the mock saw a storm");
  });

  // --- mixed storms ----------------------------------------------------------------------------------

  /** mulberry32: a small seeded PRNG, so that a storm's fault sequence is the same on every run. */
  function prng(seed) {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  test(`${kind.name}: create: a mixed storm of 50 concurrent creates under seeded random faults`, async () => {
    const SEED = 20261122;
    const random = prng(SEED);
    const m = await mock({ limits: { [CREATE]: 10_000 } });
    const mix = [
      { kind: "none" },
      { kind: "none" },
      { kind: "none" },
      { kind: "error", code: "RequestLimitExceeded" },
      { kind: "http", status: 429 },
      { kind: "http", status: 503, body: nginx(503) },
      { kind: "http-after-create", status: 504, body: nginx(504) },
      { kind: "error", code: "InternalError" },
      { kind: "drop" },
      { kind: "drop-after-create" },
      { kind: "truncated-after-create", chunked: true },
      { kind: "truncated-after-create" },
      { kind: "truncated-after-create", chunked: true, bytes: 30 },
      { kind: "garbled-after-create" },
      { kind: "huge-after-create", bytes: MiB },
      { kind: "hang" },
      { kind: "hang-after-create" },
      { kind: "headers-then-hang" },
      { kind: "headers-then-hang", bytes: 80, chunked: true },
      { kind: "malformed" },
      { kind: "content-type", contentType: "text/plain" },
      { kind: "date", date: "garbage" },
    ];
    for (let i = 0; i < 150; i++) m.fault({ ...mix[Math.floor(random() * mix.length)], action: CREATE });
    const client = clientFor(m, { timeoutMs: 300, maxRetries: 3, rateLimit: { create: 1000, describe: 50 } });
    const calls = await Promise.all(Array.from({ length: 50 }, () => create(client)));
    const a = audit(m, `mixed storm: 50 concurrent creates, 22 fault kinds (seed ${SEED})`, CREATE, calls);

    const ok = calls.filter((c) => c.result);
    const maybe = calls.filter((c) => c.error?.maybeCreated);
    const madeBy = new Set([...m.tasks.values()].map((t) => t.request.Prompt));
    // Globally: tasks == successful creates + the maybeCreated errors whose call did make one.
    assert.equal(m.tasks.size, ok.length + maybe.filter((c) => madeBy.has(c.prompt)).length);
    assert.ok(m.tasks.size <= ok.length + maybe.length);
    // Every failure is typed; only throttling can end retryable, and only that is ever retried.
    for (const call of calls) {
      const attempts = attemptsOf(m, "Prompt", call.prompt);
      assert.ok(attempts.length >= 1 && attempts.length <= 4);
      assert.ok(attempts.slice(0, -1).every(throttled), `"${call.prompt}" was retried after a maybe-processed attempt`);
      if (call.error) {
        assert.ok(call.error instanceof MpsError);
        assert.equal(call.error.retryable, call.error.code === "RequestLimitExceeded" || call.error.httpStatus === 429);
        assert.equal(call.error.maybeCreated, !call.error.retryable);
      }
    }
    assert.equal(a.made, a.reached + a.unknowable);
    assert.ok(ok.length > 0 && maybe.length > 0, "the storm had both outcomes");
    assert.ok(calls.some((c) => c.error?.taskId), "some error carried a salvaged taskId");
    assert.equal(
      m.calls(CREATE).length,
      calls.reduce((n, c) => n + attemptsOf(m, "Prompt", c.prompt).length, 0),
      "every request the mock saw belongs to one call",
    );
  });

  test(`${kind.name}: describe: a mixed storm of 50 concurrent describes under seeded random faults: recover or fail retryable`, async () => {
    const SEED = 7;
    const random = prng(SEED);
    const m = await mock({ limits: { [DESCRIBE]: 10_000 } });
    const ids = Array.from({ length: 50 }, () => m.addTask({ kind: kind.name }));
    const mix = [
      { kind: "none" },
      { kind: "http", status: 500 },
      { kind: "http", status: 502, body: nginx(502) },
      { kind: "http", status: 504, body: nginx(504) },
      { kind: "http", status: 429 },
      { kind: "error", code: "InternalError" },
      { kind: "error", code: "ServiceUnavailable" },
      { kind: "error", code: "ResourceUnavailable" },
      { kind: "error", code: "RequestLimitExceeded" },
      { kind: "drop" },
      { kind: "truncated" },
      { kind: "truncated-after-create" },
      { kind: "malformed" },
      { kind: "wrong-shape" },
      { kind: "huge", bytes: MiB + 1 },
      { kind: "hang" },
      { kind: "headers-then-hang" },
      { kind: "content-type", contentType: "text/html" },
    ];
    for (let i = 0; i < 150; i++) m.fault({ ...mix[Math.floor(random() * mix.length)], action: DESCRIBE });
    const client = clientFor(m, { timeoutMs: 300, maxRetries: 3, rateLimit: { create: 10, describe: 1000 } });
    const calls = await Promise.all(ids.map((id) => describe(client, id)));
    audit(m, `mixed storm: 50 concurrent describes, 18 fault kinds (seed ${SEED})`, DESCRIBE, calls);
    const harmless = (r) => r.fault === undefined || r.fault === "none" || r.fault === "content-type";
    calls.forEach((call, i) => {
      const attempts = attemptsOf(m, "TaskId", ids[i]);
      if (call.result) {
        expectDescribed(call);
        assert.ok(harmless(attempts.at(-1)), "the last attempt is the one that answered");
        assert.ok(attempts.slice(0, -1).every((r) => !harmless(r)), "only faulted attempts were retried");
      } else {
        assert.ok(call.error instanceof MpsError);
        assert.equal(call.error.retryable, true, `${call.error.code}: ${call.error.message}`);
        assert.equal(attempts.length, 4, "a failure used every retry");
        assert.ok(attempts.every((r) => !harmless(r)));
      }
    });
    assert.equal(
      m.calls(DESCRIBE).length,
      ids.reduce((n, id) => n + attemptsOf(m, "TaskId", id).length, 0),
      "every request the mock saw belongs to one call",
    );
  });
}
