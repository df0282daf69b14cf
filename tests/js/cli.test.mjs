// The command line (pkg/cli.mjs), run as users run it: a child process, flags and environment
// variables in, one JSON document on stdout, progress and errors on stderr, an exit code.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KEYS, TOKEN, startMockMps, toScanLog } from "./helpers.mjs";

const CLI = fileURLToPath(new URL("../../pkg/cli.mjs", import.meta.url));
const SAMPLE = readFileSync(new URL("../../mock/assets/sample.mp4", import.meta.url));
const CREATE = "CreateAigcVideoTask";
const PROXY_TOKEN = "proxy-token-EXAMPLE-abcdefghijklmnop";
const TASK_ID = /4-AigcVideo-[0-9a-f]{32}/;
// Every stdout and stderr of the file, for the secret scan at the end.
const outputs = [];

const dir = mkdtempSync(join(tmpdir(), "mps-aigc-cli-"));
const cleanups = [() => rmSync(dir, { recursive: true, force: true })];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A mock that takes the example keys with an STS token, with short tasks. */
async function mock(options = {}) {
  const m = await startMockMps({ credentials: [{ ...KEYS, token: TOKEN }], task: { waitMs: 50, runMs: 200 }, ...options });
  cleanups.push(() => m.close());
  return m;
}

/** The environment of a user with keys: built from scratch, so the developer's own keys never leak in. */
function envFor(m, extra = {}) {
  return {
    PATH: process.env.PATH,
    TENCENTCLOUD_SECRET_ID: KEYS.secretId,
    TENCENTCLOUD_SECRET_KEY: KEYS.secretKey,
    TENCENTCLOUD_SESSION_TOKEN: TOKEN,
    TENCENTCLOUD_REGION: "ap-guangzhou",
    ...(m ? { MPS_ENDPOINT: m.url } : {}),
    ...extra,
  };
}

/**
 * Starts the CLI. `waitForStderr(re)` resolves once stderr matches; `done` resolves with
 * { code, stdout, stderr } when the process has exited.
 */
function start(args, { env = envFor(), input } = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { env, cwd: dir });
  let stdout = "";
  let stderr = "";
  const watchers = [];
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => {
    stderr += d;
    for (const w of watchers) if (w.re.test(stderr)) w.resolve(stderr);
  });
  child.stdin.end(input);
  const done = new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      outputs.push(stdout, stderr);
      toScanLog([stdout, stderr]);
      resolve({ code, signal, stdout, stderr });
    });
  });
  const waitForStderr = (re) =>
    re.test(stderr) ? Promise.resolve(stderr) : new Promise((resolve) => watchers.push({ re, resolve }));
  return { child, done, waitForStderr };
}

const run = (args, options) => start(args, options).done;

/** The one JSON document on stdout (JSON.parse refuses two). */
function json(result) {
  return JSON.parse(result.stdout);
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

test("--help lists every command, flag, environment variable and exit code; --version", async () => {
  const flags = [
    "--model", "--model-version", "--scene", "--prompt", "--negative-prompt", "--enhance-prompt", "--image",
    "--last-image", "--reference-image", "--duration", "--resolution", "--aspect-ratio", "--audio", "--off-peak",
    "--additional", "--request", "--wait", "--download", "--timeout", "--interval", "--endpoint", "--region",
    "--language", "--proxy-token", "--timeout-ms", "--quiet", "--help", "--version",
  ];
  const env = [
    "TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_SESSION_TOKEN", "TENCENTCLOUD_REGION",
    "MPS_ENDPOINT", "MPS_PROXY_TOKEN",
  ];
  for (const args of [["--help"], ["-h"], ["help"], ["create", "--help"], ["wait", "-h"]]) {
    const r = await run(args);
    assert.equal(r.code, 0, args.join(" "));
    assert.equal(r.stderr, "");
    for (const word of ["create", "describe <TaskId>", "wait <TaskId>", ...flags, ...env]) {
      assert.ok(r.stdout.includes(word), `${args.join(" ")}: the help names ${word}`);
    }
    for (const code of ["0", "1", "2", "3", "4", "130"]) assert.match(r.stdout, new RegExp(`^  ${code} +\\S`, "m"));
  }
  const version = JSON.parse(readFileSync(new URL("../../pkg/package.json", import.meta.url), "utf8")).version;
  const v = await run(["--version"]);
  assert.deepEqual([v.code, v.stdout], [0, `${version}\n`]);
  // No command at all: the help, on stderr, as a usage error.
  const none = await run([]);
  assert.deepEqual([none.code, none.stdout], [2, ""]);
  assert.match(none.stderr, /Usage: mps-aigc/);
});

test("create with flags: the request the mock received, and { TaskId, RequestId } on stdout", async () => {
  const m = await mock();
  const r = await run(
    [
      "create", "--model", "Kling", "--model-version", "2.1", "--scene", "motion_control", "--prompt", "a cat on grass",
      "--negative-prompt", "blur", "--enhance-prompt", "--image", "https://img.example/first.png",
      "--last-image", "https://img.example/last.png", "--reference-image", "https://img.example/a.png",
      "--reference-image", "https://img.example/b.png", "--duration", "5", "--resolution", "1080P",
      "--aspect-ratio", "16:9", "--audio", "--off-peak", "--additional", '{"camera_control":{"type":"simple"}}',
      "--region", "ap-shanghai", "--language", "en-US",
    ],
    { env: envFor(m) },
  );
  assert.equal(r.code, 0, r.stderr);
  const out = json(r);
  assert.deepEqual(Object.keys(out).sort(), ["RequestId", "TaskId"]);
  assert.match(out.TaskId, TASK_ID);
  assert.ok(m.tasks.has(out.TaskId));
  const sent = m.calls(CREATE)[0];
  assert.deepEqual(JSON.parse(sent.body), {
    ModelName: "Kling",
    ModelVersion: "2.1",
    SceneType: "motion_control",
    Prompt: "a cat on grass",
    NegativePrompt: "blur",
    EnhancePrompt: true,
    ImageUrl: "https://img.example/first.png",
    LastImageUrl: "https://img.example/last.png",
    ImageInfos: [{ ImageUrl: "https://img.example/a.png" }, { ImageUrl: "https://img.example/b.png" }],
    Duration: 5,
    ExtraParameters: { Resolution: "1080P", AspectRatio: "16:9", EnableAudio: true, OffPeak: true },
    AdditionalParameters: '{"camera_control":{"type":"simple"}}',
  });
  assert.equal(sent.signatureOk, true);
  assert.equal(sent.headers["x-tc-region"], "ap-shanghai", "--region wins over TENCENTCLOUD_REGION");
  assert.equal(sent.headers["x-tc-language"], "en-US");
  assert.equal(sent.headers["x-tc-token"], TOKEN, "the STS token from TENCENTCLOUD_SESSION_TOKEN");
});

test("create --request file.json, with flags overriding its fields; --request - reads stdin", async () => {
  const m = await mock();
  const file = join(dir, "request.json");
  const request = {
    ModelName: "Hailuo",
    Prompt: "from the file",
    Duration: 6,
    ExtraParameters: { Resolution: "768P", AspectRatio: "9:16" },
    StoreCosParam: { CosBucketName: "bucket" },
    FieldFromTheFuture: { x: 1 },
  };
  writeFileSync(file, JSON.stringify(request));
  const r = await run(["create", "--request", file, "--prompt", "from the flag", "--resolution", "1080P", "--endpoint", m.url], {
    env: envFor(null),
  });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(m.calls(CREATE)[0].body), {
    ...request,
    Prompt: "from the flag",
    ExtraParameters: { Resolution: "1080P", AspectRatio: "9:16" },
  });
  assert.equal(m.calls(CREATE)[0].headers["x-tc-region"], "ap-guangzhou", "TENCENTCLOUD_REGION");

  const piped = await run(["create", "--request", "-"], { env: envFor(m), input: '{"Prompt":"from stdin"}' });
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(JSON.parse(m.calls(CREATE)[1].body).Prompt, "from stdin");
});

test("describe prints the describe result", async () => {
  const m = await mock({ task: { waitMs: 10_000, runMs: 1000 } });
  const { TaskId } = json(await run(["create", "--prompt", "a cat"], { env: envFor(m) }));
  const r = await run(["describe", TaskId], { env: envFor(m) });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  const out = json(r);
  assert.equal(out.Status, "WAIT");
  assert.deepEqual(out.VideoUrls, []);
  assert.ok(out.RequestId);
  // An unknown task: the API's error, exit 1.
  const missing = await run(["describe", "4-AigcVideo-nope"], { env: envFor(m) });
  assert.equal(missing.code, 1);
  assert.equal(missing.stdout, "");
  assert.match(missing.stderr, /^mps-aigc: FailedOperation\.TaskNotFound: no task 4-AigcVideo-nope \(RequestId [-0-9a-f]+\)$/m);
});

test("wait: progress on stderr, the DONE result on stdout, exit 0", async () => {
  const m = await mock();
  // Long enough that the wait, a new process, still sees the task running.
  m.nextTask({ waitMs: 0, runMs: 1500 });
  const { TaskId } = json(await run(["create", "--prompt", "a cat"], { env: envFor(m) }));
  const r = await run(["wait", TaskId, "--interval", "0.05"], { env: envFor(m) });
  assert.equal(r.code, 0, r.stderr);
  const out = json(r);
  assert.equal(out.Status, "DONE");
  assert.match(out.VideoUrls[0], new RegExp(`/videos/${TaskId}\\.mp4$`));
  assert.equal(out.TaskId, undefined, "wait prints the describe result as it is");
  // Not a terminal: one line per status change, each with the task, status, elapsed time and polls.
  const lines = r.stderr.trimEnd().split("\n");
  for (const line of lines) assert.match(line, new RegExp(`^${TaskId} (WAIT|RUN|DONE) \\d+s \\(poll \\d+\\)$`));
  assert.deepEqual(
    lines.map((l) => l.split(" ")[1]),
    ["RUN", "DONE"],
  );
  assert.ok(m.calls("DescribeAigcVideoTask").length > 3, "more polls than lines");
  assert.ok(!r.stderr.includes("\r"), "no carriage returns in a log");

  const quiet = await run(["wait", TaskId, "--quiet"], { env: envFor(m) });
  assert.deepEqual([quiet.code, quiet.stderr, json(quiet).Status], [0, "", "DONE"]);
});

test("create --wait prints the DONE result with its TaskId", async () => {
  const m = await mock();
  const r = await run(["create", "--prompt", "a cat", "--wait", "--interval", "0.05"], { env: envFor(m) });
  assert.equal(r.code, 0, r.stderr);
  const out = json(r);
  assert.match(out.TaskId, TASK_ID);
  assert.equal(out.Status, "DONE");
  assert.equal(Object.keys(out)[0], "TaskId");
  assert.equal(m.calls(CREATE).length, 1);
});

test("create --download writes the video byte for byte, through a .part file", async () => {
  const m = await mock();
  const target = join(dir, "video.mp4");
  const r = await run(["create", "--prompt", "a cat", "--download", target, "--interval", "0.05"], { env: envFor(m) });
  assert.equal(r.code, 0, r.stderr);
  const out = json(r);
  assert.equal(out.Status, "DONE");
  assert.equal(out.Downloaded, target);
  assert.ok(readFileSync(target).equals(SAMPLE), "the file is the mock's video");
  assert.ok(!existsSync(`${target}.part`));
  assert.match(r.stderr, new RegExp(`downloaded ${SAMPLE.length} bytes to `));

  // wait --download does the same for a task made earlier, and a relative path is the caller's.
  const again = await run(["wait", out.TaskId, "--download", "again.mp4"], { env: envFor(m) });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(json(again).Downloaded, "again.mp4");
  assert.ok(readFileSync(join(dir, "again.mp4")).equals(SAMPLE));
});

test("a failed download: exit 1 naming the URL, the DONE result still on stdout, no partial file", async () => {
  // A video host that answers 404, or cuts the video off half way.
  const host = createServer((req, res) => {
    if (req.url.startsWith("/missing/")) return res.writeHead(404).end("not found");
    res.writeHead(200, { "Content-Length": String(SAMPLE.length) });
    res.write(SAMPLE.subarray(0, 1000));
    setTimeout(() => res.destroy(), 20);
  });
  await new Promise((r) => host.listen(0, "127.0.0.1", r));
  cleanups.push(() => new Promise((r) => host.close(r)));
  const hostUrl = `http://127.0.0.1:${host.address().port}`;
  const cases = [
    [`${hostUrl}/missing`, /HTTP 404/],
    [`${hostUrl}/cut`, /could not download .* to /],
    [`http://127.0.0.1:${await closedPort()}`, /ECONNREFUSED/],
  ];
  for (const [publicUrl, why] of cases) {
    const m = await mock({ publicUrl, task: { waitMs: 0, runMs: 0 } });
    const target = join(dir, "broken.mp4");
    const r = await run(["create", "--prompt", "a cat", "--download", target], { env: envFor(m) });
    assert.equal(r.code, 1, r.stderr);
    const out = json(r);
    assert.equal(out.Status, "DONE");
    assert.equal(out.Downloaded, undefined);
    assert.match(r.stderr, new RegExp(`^mps-aigc: DownloadFailed: could not download ${publicUrl}/videos/${out.TaskId}\\.mp4`, "m"));
    assert.match(r.stderr, why);
    assert.ok(!existsSync(target) && !existsSync(`${target}.part`), `${publicUrl}: no file is left behind`);
  }
  // A folder that does not exist is refused before any task is created.
  const m = await mock();
  const r = await run(["create", "--prompt", "a cat", "--download", join(dir, "no/such/folder/v.mp4")], { env: envFor(m) });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /does not exist/);
  assert.equal(m.calls(CREATE).length, 0);
});

test("a failed task: exit 3 with the server's message and the task id", async () => {
  const m = await mock();
  m.nextTask({ outcome: "FAIL", message: "the image was refused by content review" });
  const r = await run(["create", "--prompt", "a cat", "--wait", "--interval", "0.05"], { env: envFor(m) });
  assert.equal(r.code, 3, r.stderr);
  assert.equal(r.stdout, "");
  const [TaskId] = TASK_ID.exec(r.stderr);
  assert.match(r.stderr, /^mps-aigc: TaskFailed: .*the image was refused by content review \(RequestId [-0-9a-f]+\)$/m);
  assert.match(r.stderr, new RegExp(`^mps-aigc: task ${TaskId}, last status FAIL$`, "m"));
  assert.match(r.stderr, new RegExp(`^${TaskId} FAIL `, "m"), "the progress saw FAIL");

  // The mock fails any prompt with the word "fail"; wait on it reports the same way.
  const { TaskId: id } = json(await run(["create", "--prompt", "please fail"], { env: envFor(m) }));
  const w = await run(["wait", id, "--interval", "0.05", "--quiet"], { env: envFor(m) });
  assert.equal(w.code, 3);
  assert.match(w.stderr, /refused by content review/);
});

test("a wait that times out: exit 4, the task id and how to resume", async () => {
  const m = await mock();
  m.nextTask({ runMs: 60_000 });
  const { TaskId } = json(await run(["create", "--prompt", "a slow cat"], { env: envFor(m) }));
  const started = performance.now();
  const r = await run(["wait", TaskId, "--timeout", "0.4", "--interval", "0.05"], { env: envFor(m) });
  assert.equal(r.code, 4, r.stderr);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^mps-aigc: WaitTimeout: /m);
  assert.match(r.stderr, new RegExp(`^mps-aigc: task ${TaskId}, last status RUN; resume with: mps-aigc wait ${TaskId}$`, "m"));
  assert.ok(performance.now() - started < 5000);
});

test("usage and input errors exit 2, with nothing on stdout and nothing sent", async () => {
  const m = await mock();
  const cases = [
    [["create", "--prompt", "x", "--frobnicate"], /^mps-aigc: UsageError: Unknown option '--frobnicate'$/m],
    [["describe"], /^mps-aigc: UsageError: describe needs a TaskId/m],
    [["wait"], /^mps-aigc: UsageError: wait needs a TaskId/m],
    [["wait", "a", "b"], /takes one TaskId/],
    [["create", "--prompt", "x", "--duration", "abc"], /^mps-aigc: UsageError: --duration must be a number, got 'abc'$/m],
    [["create", "--prompt", "x", "--duration", "2.5"], /^mps-aigc: InvalidParameterValue: Duration must be a positive integer/m],
    [["create", "--model", "Kling"], /^mps-aigc: MissingParameter: Prompt is required when no image/m],
    [["create", "--request", join(dir, "missing.json")], /cannot read the --request file .*missing\.json/],
    [["create", "--prompt", "x", "--additional", "{not json"], /--additional is not valid JSON/],
    [["create", "--prompt", "x", "--additional", "[1]"], /^mps-aigc: InvalidParameter: AdditionalParameters/m],
    [["create", "--prompt"], /argument missing/],
    [["create", "a cat"], /create takes no arguments/],
    [["describe", "t", "--prompt", "x"], /--prompt is not a flag of describe/],
    [["wait", "t", "--timeout", "-1"], /UsageError/],
    [["wait", "t", "--interval", "0"], /--interval must be more than 0/],
    [["create", "--prompt", "x", "--language", "fr-FR"], /^mps-aigc: InvalidParameterValue: language must be/m],
    [["render", "--prompt", "x"], /unknown command 'render'/],
    [["toString"], /unknown command 'toString'/],
  ];
  const notJson = join(dir, "not-json.json");
  writeFileSync(notJson, "{ Prompt: x }");
  cases.push([["create", "--request", notJson], /is not valid JSON/]);
  const array = join(dir, "array.json");
  writeFileSync(array, "[]");
  cases.push([["create", "--request", array], /must hold a JSON object/]);
  for (const [args, message] of cases) {
    const r = await run(args, { env: envFor(m) });
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stdout, "", args.join(" "));
    assert.match(r.stderr, message, args.join(" "));
  }
  // Without keys (and not talking to a proxy) the keys are asked for; a proxy token needs an endpoint.
  const noKeys = await run(["create", "--prompt", "x"], { env: { PATH: process.env.PATH } });
  assert.equal(noKeys.code, 2);
  assert.match(noKeys.stderr, /TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY/);
  const proxyNoEndpoint = await run(["describe", "t"], { env: { PATH: process.env.PATH, MPS_PROXY_TOKEN: PROXY_TOKEN } });
  assert.equal(proxyNoEndpoint.code, 2);
  assert.match(proxyNoEndpoint.stderr, /--proxy-token needs --endpoint/);
  assert.equal(m.requests.length, 0, "nothing reached the server");
});

test("a network failure exits 1", async () => {
  const r = await run(["describe", "4-AigcVideo-x", "--endpoint", `http://127.0.0.1:${await closedPort()}`]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^mps-aigc: ClientNetworkError: .*ECONNREFUSED/m);
});

test("a create whose connection dropped: exit 1, and a warning that a task may exist", async () => {
  const m = await mock();
  m.fault({ kind: "drop-after-create", action: CREATE });
  const r = await run(["create", "--prompt", "a cat", "--wait"], { env: envFor(m) });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^mps-aigc: ClientNetworkError: /m);
  assert.match(r.stderr, /^mps-aigc: warning: a task may have been created .*before creating it again$/m);
  assert.equal(m.calls(CREATE).length, 1, "not retried");
  assert.equal(m.tasks.size, 1, "and the task does exist");
});

test("Ctrl-C during a wait: exit 130, and the task id to resume with", async () => {
  const m = await mock();
  m.nextTask({ runMs: 60_000 });
  const cli = start(["create", "--prompt", "a long cat", "--wait", "--interval", "0.05"], { env: envFor(m) });
  await cli.waitForStderr(/ RUN /);
  const interrupted = performance.now();
  cli.child.kill("SIGINT");
  const r = await cli.done;
  assert.ok(performance.now() - interrupted < 2000, "stopped promptly");
  assert.equal(r.code, 130, r.stderr);
  assert.equal(r.stdout, "");
  const [TaskId] = TASK_ID.exec(r.stderr);
  assert.match(r.stderr, new RegExp(`^mps-aigc: Interrupted: task ${TaskId} keeps running; resume with: mps-aigc wait ${TaskId}$`, "m"));
  const polls = m.calls("DescribeAigcVideoTask").length;
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(m.calls("DescribeAigcVideoTask").length, polls, "no poll after the interrupt");
});

test("a signing proxy's token: sent as a bearer token, no keys sent", async () => {
  const m = await mock();
  m.fault({ kind: "error", code: "AuthFailure.InvalidAuthorization", message: `bad token ${PROXY_TOKEN}` });
  const r = await run(["describe", "t", "--proxy-token", PROXY_TOKEN, "--endpoint", m.url], { env: envFor(null) });
  assert.equal(r.code, 1);
  const sent = m.requests[0];
  assert.equal(sent.headers.authorization, `Bearer ${PROXY_TOKEN}`);
  assert.equal(sent.headers["x-tc-token"], undefined, "the STS token is not sent to a proxy");
  assert.match(r.stderr, /bad token \*\* REDACTED \*\*/);
});

test("no secret key or token appears in anything the CLI printed", async () => {
  // A server that echoes the secrets in its message, for good measure.
  const m = await mock();
  m.fault({ kind: "error", code: "AuthFailure.SignatureFailure", message: `key ${KEYS.secretKey} token ${TOKEN}` });
  const r = await run(["create", "--prompt", "x"], { env: envFor(m) });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /key \*\* REDACTED \*\* token \*\* REDACTED \*\*/);
  const text = outputs.join("\n");
  assert.ok(outputs.length > 50 && text.length > 5000, "the file produced output to scan");
  assert.ok(!text.includes(KEYS.secretKey), "secret key leaked");
  assert.ok(!text.includes(TOKEN), "session token leaked");
  assert.ok(!text.includes(PROXY_TOKEN), "proxy token leaked");
});
