// The command line (pkg/cli.mjs), run as users run it: a child process, flags and environment
// variables in, one JSON document on stdout, progress and errors on stderr, an exit code.
//
// Every behaviour that is not about one kind runs for video, image and audio (the fixtures of
// kinds.mjs): `mps-aigc create ...` for video, as before there were kinds, and `mps-aigc image
// create ...`, `mps-aigc audio create ...` for the others. The flags each kind must have are
// derived here from the package's vocabulary (`taskKinds`), independently of the CLI's own code.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KEYS, TOKEN, lib, startMockMps, toScanLog } from "./helpers.mjs";
import { KINDS } from "./kinds.mjs";

const CLI = fileURLToPath(new URL("../../pkg/cli.mjs", import.meta.url));
const asset = (name) => readFileSync(new URL(`../../mock/assets/${name}`, import.meta.url));
/** What the mock serves for a DONE task of each kind. */
const SAMPLES = { video: asset("sample.mp4"), image: asset("sample.png"), audio: asset("sample.wav") };
const EXT = { video: "mp4", image: "png", audio: "wav" };
const VIDEO = KINDS.find((k) => k.name === "video");
const PROXY_TOKEN = "proxy-token-EXAMPLE-abcdefghijklmnop";
// Every stdout and stderr of the file, for the secret scan at the end.
const outputs = [];

const dir = mkdtempSync(join(tmpdir(), "mps-aigc-cli-"));
const cleanups = [() => rmSync(dir, { recursive: true, force: true })];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** How a user names a kind's command: `create` for video (the default), `image create` for image. */
const cmd = (kind, ...args) => (kind.name === "video" ? args : [kind.name, ...args]);
/** The same, as the CLI prints it in its hints. */
const said = (kind, command) => `mps-aigc ${kind.name === "video" ? "" : `${kind.name} `}${command}`;
const taskIdPattern = (kind) => new RegExp(`4-Aigc${kind.noun}-[0-9a-f]{32}`);
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** The kind's entry in the package's vocabulary. */
const vocab = (kind) => lib.taskKinds.find((k) => k.name === kind.name);

/** A mock that takes the example keys with an STS token, with short tasks. */
async function mock(options = {}) {
  const m = await startMockMps({ credentials: [{ ...KEYS, token: TOKEN }], task: { waitMs: 50, runMs: 200 }, ...options });
  cleanups.push(() => m.close());
  return m;
}

/** A local HTTP server for the test's lifetime; returns its URL. */
async function serve(handler) {
  const server = createServer(handler);
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return `http://127.0.0.1:${server.address().port}`;
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
function start(args, { env = envFor(), input, cwd = dir, cli = CLI } = {}) {
  const child = spawn(process.execPath, [cli, ...args], { env, cwd });
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

/** Runs many commands, a few at a time (each is a Node process). */
async function runAll(list, batch = 6) {
  const results = [];
  for (let i = 0; i < list.length; i += batch) {
    results.push(...(await Promise.all(list.slice(i, i + batch).map(([args, options]) => run(args, options)))));
  }
  return results;
}

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

/** A folder of its own under the test folder, for one test's files. */
function folder(name) {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  return path;
}

// ---------------------------------------------------------------------------------------------
// The flags each kind must have, from its request schema in the vocabulary: every top-level field
// that holds one value, and every such member of ExtraParameters, in kebab case; then today's
// names as aliases and the reference flags, each where its field exists.

const ONE_VALUE = new Set(["string", "boolean", "integer", "count", "number", "json-text"]);
const kebab = (name) => name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
const ALIASES = {
  model: "ModelName",
  scene: "SceneType",
  image: "ImageUrl",
  "last-image": "LastImageUrl",
  audio: "ExtraParameters.EnableAudio",
  additional: "AdditionalParameters",
};
const LISTS = {
  "reference-image": ["ImageInfos", "ImageUrl"],
  "reference-video": ["VideoInfos", "VideoUrl"],
  "reference-audio": ["AudioInfos", "AudioUrl"],
};

/** flag → { field, member?, type, alias?, list? } for one kind. */
function expectedFlags(kind) {
  const { request } = vocab(kind);
  const flags = new Map();
  const typeAt = (path) => {
    const [field, member] = path.split(".");
    return member === undefined ? request[field]?.type : request[field]?.fields?.[member]?.type;
  };
  for (const [field, { type, fields }] of Object.entries(request)) {
    if (ONE_VALUE.has(type)) flags.set(kebab(field), { field, type });
    if (field === "ExtraParameters") {
      for (const [member, m] of Object.entries(fields)) {
        if (ONE_VALUE.has(m.type)) flags.set(kebab(member), { field, member, type: m.type });
      }
    }
  }
  for (const [alias, path] of Object.entries(ALIASES)) {
    const [field, member] = path.split(".");
    if (typeAt(path)) flags.set(alias, { field, member, type: typeAt(path), alias: true });
  }
  for (const [flag, [field, member]] of Object.entries(LISTS)) {
    if (request[field]?.type === "objects" && request[field].fields[member]?.type === "string") {
      flags.set(flag, { field, member, type: "string", list: true });
    }
  }
  return flags;
}

/** The command-line words and the request fields for setting every flag in `flags`. */
function flagsAndRequest(flags) {
  const args = [];
  const request = {};
  const set = (spec, value) => {
    if (spec.member === undefined || spec.list) request[spec.field] = value;
    else request[spec.field] = { ...request[spec.field], [spec.member]: value };
  };
  for (const [flag, spec] of flags) {
    const name = spec.member ?? spec.field;
    if (spec.list) {
      args.push(`--${flag}`, `https://in.example/${flag}/1`, `--${flag}`, `https://in.example/${flag}/2`);
      set(spec, [1, 2].map((n) => ({ [spec.member]: `https://in.example/${flag}/${n}` })));
    } else if (spec.type === "boolean") {
      args.push(`--${flag}`);
      set(spec, true);
    } else if (spec.type === "json-text") {
      args.push(`--${flag}`, `{"from":"--${flag}"}`);
      set(spec, `{"from":"--${flag}"}`); // the API's AdditionalParameters is JSON text
    } else if (spec.type === "count" || spec.type === "integer") {
      args.push(`--${flag}`, "3");
      set(spec, 3);
    } else if (spec.type === "number") {
      args.push(`--${flag}`, "1.5");
      set(spec, 1.5);
    } else {
      args.push(`--${flag}`, `${name} from --${flag}`);
      set(spec, `${name} from --${flag}`);
    }
  }
  return { args, request };
}

/** Every kind's flags, for the checks of what one kind must refuse. */
const allFlags = () => new Map(KINDS.flatMap((k) => [...expectedFlags(k)]));

/** A flag as the help lists it: at the start of a row, or after a comma, with its value's placeholder. */
const helpRow = (flag) => new RegExp(`^  (\\S.*, )?--${escape(flag)}( [A-Z]+)?(,|  |$)`, "m");

test("the tests have a fixture for every kind the package knows, and derive the flags the brief names", () => {
  assert.deepEqual(KINDS.map((k) => k.name), lib.taskKinds.map((k) => k.name));
  const named = (kind) => [...expectedFlags(KINDS.find((k) => k.name === kind)).keys()];
  const videoFlags = [
    "model-name", "model", "enhance-prompt", "duration", "resolution", "aspect-ratio", "off-peak", "audio", "enable-audio",
    "image", "last-image", "reference-image", "reference-video", "reference-audio", "additional",
  ];
  for (const flag of videoFlags) {
    assert.ok(named("video").includes(flag), `video has --${flag}`);
  }
  const imageFlags = [
    "model-name", "output-image-count", "enhance-prompt", "resolution", "aspect-ratio", "output-format", "reference-image",
    "additional",
  ];
  for (const flag of imageFlags) {
    assert.ok(named("image").includes(flag), `image has --${flag}`);
  }
  for (const flag of ["duration", "off-peak", "audio", "image", "last-image", "reference-video", "reference-audio"]) {
    assert.ok(!named("image").includes(flag), `image has no --${flag}`);
  }
  for (const flag of ["model-name", "output-audio-format", "resource-id", "reference-video", "reference-audio", "scene"]) {
    assert.ok(named("audio").includes(flag), `audio has --${flag}`);
  }
  for (const flag of ["enhance-prompt", "reference-image", "resolution", "audio", "duration"]) {
    assert.ok(!named("audio").includes(flag), `audio has no --${flag}`);
  }
  assert.equal(expectedFlags(VIDEO).get("enhance-prompt").type, "boolean");
});

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
  // Without a kind the help is every kind's: all their flags, each in a row of its own kind's list.
  const everyFlag = [...allFlags().keys()].map((f) => `--${f}`);
  for (const args of [["--help"], ["-h"], ["help"], ["create", "--help"], ["wait", "-h"]]) {
    const r = await run(args);
    assert.equal(r.code, 0, args.join(" "));
    assert.equal(r.stderr, "");
    for (const word of ["create", "describe <TaskId>", "wait <TaskId>", ...flags, ...env, ...everyFlag]) {
      assert.ok(r.stdout.includes(word), `${args.join(" ")}: the help names ${word}`);
    }
    for (const kind of KINDS) assert.ok(r.stdout.includes(`Flags of ${said(kind, "create")} `), `${args.join(" ")}: ${kind.name}`);
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

for (const kind of KINDS) {
  test(`${kind.name} --help lists ${kind.name}'s flags from its schema, and no other kind's`, async () => {
    const own = expectedFlags(kind);
    const foreign = [...allFlags().keys()].filter((f) => !own.has(f));
    if (kind.name !== "video") assert.ok(foreign.length > 3, "there are flags of other kinds to leave out");
    for (const args of [[kind.name, "--help"], ["help", kind.name], [kind.name, "create", "-h"]]) {
      const r = await run(args);
      assert.equal(r.code, 0, args.join(" "));
      assert.equal(r.stderr, "");
      assert.ok(r.stdout.includes(`Flags of ${said(kind, "create")} (each sets one field of ${kind.create})`), args.join(" "));
      for (const [flag, spec] of own) {
        assert.match(r.stdout, helpRow(flag), `${args.join(" ")}: --${flag}`);
        // The row says which field the flag sets.
        const row = r.stdout.split("\n").findIndex((line) => helpRow(flag).test(`${line}\n`));
        const text = r.stdout.split("\n").slice(row, row + 2).join(" ");
        assert.ok(text.includes(spec.member && !spec.list ? `${spec.field}.${spec.member}` : spec.field), `--${flag} names its field`);
      }
      for (const flag of foreign) assert.doesNotMatch(r.stdout, helpRow(flag), `${args.join(" ")}: no --${flag}`);
      for (const other of KINDS.filter((k) => k !== kind)) assert.ok(!r.stdout.includes(`Flags of ${said(other, "create")} `));
      assert.match(r.stdout, new RegExp(`^  4 .*${escape(said(kind, "wait"))} <TaskId>$`, "m"));
    }
    // A kind without a command: its help, on stderr, as a usage error.
    const bare = await run([kind.name]);
    assert.deepEqual([bare.code, bare.stdout], [2, ""]);
    assert.ok(bare.stderr.includes(`Flags of ${said(kind, "create")} `));
  });
}

test("without the proxy's wasm (which redaction runs on in Node), a command stops before it sends anything, in one line", async () => {
  const m = await mock();
  const copy = mkdtempSync(join(tmpdir(), "mps-aigc-cli-pkg-"));
  cleanups.push(() => rmSync(copy, { recursive: true, force: true }));
  const pkg = fileURLToPath(new URL("../../pkg/", import.meta.url));
  cpSync(pkg, copy, { recursive: true, filter: (from) => !from.endsWith("mps_aigc_proxy_bg.wasm") });
  for (const args of [["create", "--prompt", "a cat"], ["describe", "4-AigcVideo-0123456789abcdef0123456789abcdef"]]) {
    const r = await run(args, { env: envFor(m), cli: join(copy, "cli.mjs") });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^mps-aigc: ClientNotReady: redactSecrets needs mps_aigc_proxy_bg\.wasm, on which it runs in Node, which could not be loaded \(not found: \S*mps_aigc_proxy_bg\.wasm; [^\n]*\)\n$/);
  }
  assert.equal(m.requests.length, 0, "nothing reached the server");
});

test("create with flags: the request the mock received, and { TaskId, RequestId } on stdout", async () => {
  const m = await mock();
  const r = await run(
    [
      "create", "--model", "Kling", "--model-version", "2.1", "--scene", "motion_control", "--prompt", "a cat on grass",
      "--negative-prompt", "blur", "--enhance-prompt", "--image", "https://img.example/first.png",
      "--last-image", "https://img.example/last.png", "--reference-image", "https://img.example/a.png",
      "--reference-image", "https://img.example/b.png", "--reference-video", "https://vid.example/v.mp4",
      "--reference-audio", "https://aud.example/a.wav", "--duration", "5", "--resolution", "1080P",
      "--aspect-ratio", "16:9", "--audio", "--off-peak", "--additional", '{"camera_control":{"type":"simple"}}',
      "--region", "ap-shanghai", "--language", "en-US",
    ],
    { env: envFor(m) },
  );
  assert.equal(r.code, 0, r.stderr);
  const out = json(r);
  assert.deepEqual(Object.keys(out).sort(), ["RequestId", "TaskId"]);
  assert.match(out.TaskId, taskIdPattern(VIDEO));
  assert.ok(m.tasks.has(out.TaskId));
  const sent = m.calls(VIDEO.create)[0];
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
    VideoInfos: [{ VideoUrl: "https://vid.example/v.mp4" }],
    AudioInfos: [{ AudioUrl: "https://aud.example/a.wav" }],
    Duration: 5,
    ExtraParameters: { Resolution: "1080P", AspectRatio: "16:9", EnableAudio: true, OffPeak: true },
    AdditionalParameters: '{"camera_control":{"type":"simple"}}',
  });
  assert.equal(sent.signatureOk, true);
  assert.equal(sent.headers["x-tc-region"], "ap-shanghai", "--region wins over TENCENTCLOUD_REGION");
  assert.equal(sent.headers["x-tc-language"], "en-US");
  assert.equal(sent.headers["x-tc-token"], TOKEN, "the STS token from TENCENTCLOUD_SESSION_TOKEN");
});

test("video is the default kind: `mps-aigc video <command>` is `mps-aigc <command>`", async () => {
  const m = await mock();
  const args = ["create", "--model", "Kling", "--prompt", "a cat", "--duration", "5", "--resolution", "720P"];
  const plain = json(await run(args, { env: envFor(m) }));
  const named = json(await run(["video", ...args], { env: envFor(m) }));
  const [a, b] = m.calls(VIDEO.create);
  assert.equal(m.requests.length, 2);
  assert.equal(b.body, a.body);
  for (const id of [plain.TaskId, named.TaskId]) assert.match(id, taskIdPattern(VIDEO));
  const described = await run(["video", "describe", plain.TaskId], { env: envFor(m) });
  assert.equal(described.code, 0, described.stderr);
  assert.ok(Array.isArray(json(described).VideoUrls));
  const waited = await run(["video", "wait", named.TaskId, "--interval", "0.05", "--quiet"], { env: envFor(m) });
  assert.deepEqual([waited.code, json(waited).Status], [0, "DONE"]);
  assert.ok(m.calls(VIDEO.describe).length >= 2);
});

for (const kind of KINDS) {
  test(`${kind.name} create: every field of its request schema has its flag, and the old names are aliases`, async () => {
    const m = await mock();
    const flags = expectedFlags(kind);
    const primary = new Map([...flags].filter(([, spec]) => !spec.alias && !spec.list));
    const aliases = new Map([...flags].filter(([, spec]) => spec.alias || spec.list));
    for (const set of [primary, aliases]) {
      const { args, request } = flagsAndRequest(set);
      // The aliases have no Prompt of their own; the reference flags would make it optional anyway.
      if (!("Prompt" in request)) args.push("--prompt", "a prompt"), (request.Prompt = "a prompt");
      const r = await run(cmd(kind, "create", ...args, "--quiet"), { env: envFor(m) });
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      assert.match(json(r).TaskId, taskIdPattern(kind));
      const sent = m.calls(kind.create).at(-1);
      assert.deepEqual(JSON.parse(sent.body), request, args.join(" "));
    }
    assert.equal(m.calls(kind.create).length, 2);
    assert.equal(m.requests.length, 2, "nothing but the kind's create was sent");
  });

  test(`${kind.name} create: a flag of another kind is refused, naming the kind, before anything is sent`, async () => {
    const m = await mock();
    const own = expectedFlags(kind);
    const foreign = [...allFlags()].filter(([flag]) => !own.has(flag));
    assert.ok(foreign.length >= 4, `${kind.name} has flags of other kinds to refuse`);
    const results = await runAll(
      foreign.map(([flag, spec]) => [
        cmd(kind, "create", "--prompt", "a cat", `--${flag}`, ...(spec.type === "boolean" ? [] : ["1"])),
        { env: envFor(m) },
      ]),
    );
    for (const [i, r] of results.entries()) {
      const [flag] = foreign[i];
      assert.equal(r.code, 2, `--${flag}: ${r.stderr}`);
      assert.equal(r.stdout, "");
      const refusal = `^mps-aigc: UsageError: --${flag} is not a flag of ${kind.name} tasks: ${kind.create} has no `;
      assert.match(r.stderr, new RegExp(refusal, "m"));
    }
    assert.equal(m.requests.length, 0, "nothing reached the server");
  });

  test(`${kind.name} create --request file.json, with flags overriding its fields; --request - reads stdin`, async () => {
    const m = await mock();
    const file = join(folder(kind.name), "request.json");
    // The first string member of the kind's ExtraParameters, set by the file and by a flag.
    const extra = Object.entries(vocab(kind).request.ExtraParameters.fields).find(([, f]) => f.type === "string")[0];
    const request = {
      ...kind.request("from the file"),
      ExtraParameters: { [extra]: "from the file", FromTheFuture: "kept" },
      StoreCosParam: { CosBucketName: "bucket" },
      FieldFromTheFuture: { x: 1 },
    };
    writeFileSync(file, JSON.stringify(request));
    const args = ["create", "--request", file, "--prompt", "from the flag", `--${kebab(extra)}`, "from the flag"];
    const r = await run([...cmd(kind, ...args), "--endpoint", m.url], { env: envFor(null) });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(m.calls(kind.create)[0].body), {
      ...request,
      Prompt: "from the flag",
      ExtraParameters: { [extra]: "from the flag", FromTheFuture: "kept" },
    });
    assert.equal(m.calls(kind.create)[0].headers["x-tc-region"], "ap-guangzhou", "TENCENTCLOUD_REGION");

    const piped = await run(cmd(kind, "create", "--request", "-"), { env: envFor(m), input: '{"Prompt":"from stdin"}' });
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(JSON.parse(m.calls(kind.create)[1].body).Prompt, "from stdin");

    // A file's ExtraParameters that is no object is refused by name, flags or not, never sent.
    writeFileSync(file, JSON.stringify({ Prompt: "x", ExtraParameters: "oops" }));
    for (const flags of [[], [`--${kebab(extra)}`, "v"]]) {
      const bad = await run(cmd(kind, "create", "--request", file, ...flags), { env: envFor(m) });
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, /^mps-aigc: InvalidParameter: ExtraParameters must be an object/m);
    }
    assert.equal(m.calls(kind.create).length, 2);
  });

  test(`${kind.name} create prints the ${kind.name} adviser's advice on stderr, unless --quiet`, async () => {
    const m = await mock();
    const [request, { field, message }] = kind.advice;
    const file = join(folder(kind.name), "advised.json");
    writeFileSync(file, JSON.stringify(request));
    const r = await run(cmd(kind, "create", "--request", file), { env: envFor(m) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, `mps-aigc: advice: ${field}: ${message}\n`);
    const quiet = await run(cmd(kind, "create", "--request", file, "--quiet"), { env: envFor(m) });
    assert.deepEqual([quiet.code, quiet.stderr], [0, ""]);
    assert.equal(m.calls(kind.create).length, 2, "advice never refuses");
  });
}

for (const kind of KINDS) {
  test(`${kind.name} describe prints the describe result`, async () => {
    const m = await mock({ task: { waitMs: 10_000, runMs: 1000 } });
    const { TaskId } = json(await run(cmd(kind, "create", "--prompt", "a cat"), { env: envFor(m) }));
    const r = await run(cmd(kind, "describe", TaskId), { env: envFor(m) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const out = json(r);
    assert.equal(out.Status, "WAIT");
    for (const [field, value] of Object.entries(kind.empty)) assert.deepEqual(out[field], value, field);
    assert.ok(out.RequestId);
    assert.deepEqual(
      m.requests.map((q) => q.action),
      [kind.create, kind.describe],
    );
    // An unknown task: the API's error, exit 1.
    const missing = await run(cmd(kind, "describe", `4-Aigc${kind.noun}-nope`), { env: envFor(m) });
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, "");
    assert.match(
      missing.stderr,
      new RegExp(`^mps-aigc: FailedOperation\\.TaskNotFound: no task 4-Aigc${kind.noun}-nope \\(RequestId [-0-9a-f]+\\)$`, "m"),
    );
  });

  test(`${kind.name} wait: progress on stderr, the DONE result on stdout, exit 0`, async () => {
    const m = await mock();
    // Long enough that the wait, a new process, still sees the task running.
    m.nextTask({ waitMs: 0, runMs: 1500 });
    const { TaskId } = json(await run(cmd(kind, "create", "--prompt", "a cat"), { env: envFor(m) }));
    const r = await run(cmd(kind, "wait", TaskId, "--interval", "0.05"), { env: envFor(m) });
    assert.equal(r.code, 0, r.stderr);
    const out = json(r);
    assert.equal(out.Status, "DONE");
    assert.match(kind.outputs(out)[0], kind.output);
    assert.ok(kind.outputs(out)[0].includes(TaskId));
    assert.equal(out.TaskId, undefined, "wait prints the describe result as it is");
    // Not a terminal: one line per status change, each with the task, status, elapsed time and polls.
    const lines = r.stderr.trimEnd().split("\n");
    for (const line of lines) assert.match(line, new RegExp(`^${TaskId} (WAIT|RUN|DONE) \\d+s \\(poll \\d+\\)$`));
    assert.deepEqual(
      lines.map((l) => l.split(" ")[1]),
      ["RUN", "DONE"],
    );
    assert.ok(m.calls(kind.describe).length > 3, "more polls than lines");
    assert.ok(!r.stderr.includes("\r"), "no carriage returns in a log");

    const quiet = await run(cmd(kind, "wait", TaskId, "--quiet"), { env: envFor(m) });
    assert.deepEqual([quiet.code, quiet.stderr, json(quiet).Status], [0, "", "DONE"]);
  });

  test(`${kind.name} create --wait prints the DONE result with its TaskId`, async () => {
    const m = await mock();
    const r = await run(cmd(kind, "create", "--prompt", "a cat", "--wait", "--interval", "0.05"), { env: envFor(m) });
    assert.equal(r.code, 0, r.stderr);
    const out = json(r);
    assert.match(out.TaskId, taskIdPattern(kind));
    assert.equal(out.Status, "DONE");
    assert.equal(Object.keys(out)[0], "TaskId");
    assert.match(kind.outputs(out)[0], kind.output);
    assert.equal(m.calls(kind.create).length, 1);
  });

  test(`${kind.name} create --download writes the one output byte for byte, through a .part file`, async () => {
    const m = await mock();
    const here = folder(`download-${kind.name}`);
    const target = join(here, `out.${EXT[kind.name]}`);
    const r = await run(cmd(kind, "create", "--prompt", "a cat", "--download", target, "--interval", "0.05"), { env: envFor(m) });
    assert.equal(r.code, 0, r.stderr);
    const out = json(r);
    assert.equal(out.Status, "DONE");
    assert.equal(kind.outputs(out).length, 1);
    assert.equal(out.Downloaded, target, "one output: the PATH itself, as a string");
    assert.ok(readFileSync(target).equals(SAMPLES[kind.name]), "the file is the mock's output");
    assert.deepEqual(readdirSync(here), [`out.${EXT[kind.name]}`], "no .part file, nothing else");
    assert.match(r.stderr, new RegExp(`downloaded ${SAMPLES[kind.name].length} bytes to `));

    // wait --download does the same for a task made earlier, and a relative path is the caller's.
    const again = await run(cmd(kind, "wait", out.TaskId, "--download", "again.bin"), { env: envFor(m), cwd: here });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(json(again).Downloaded, "again.bin");
    assert.ok(readFileSync(join(here, "again.bin")).equals(SAMPLES[kind.name]));
  });

  test(`${kind.name}: a failed download: exit 1 naming the URL, the DONE result still on stdout, no partial file`, async () => {
    // A file host that answers 404, or cuts the file off half way.
    const sample = SAMPLES[kind.name];
    const hostUrl = await serve((req, res) => {
      if (req.url.startsWith("/missing/")) return res.writeHead(404).end("not found");
      res.writeHead(200, { "Content-Length": String(sample.length) });
      res.write(sample.subarray(0, 300));
      setTimeout(() => res.destroy(), 20);
    });
    const cases = [
      [`${hostUrl}/missing`, /HTTP 404/],
      [`${hostUrl}/cut`, /could not download .* to /],
      [`http://127.0.0.1:${await closedPort()}`, /ECONNREFUSED/],
    ];
    const here = folder(`broken-${kind.name}`);
    for (const [publicUrl, why] of cases) {
      const m = await mock({ publicUrl, task: { waitMs: 0, runMs: 0 } });
      const target = join(here, `broken.${EXT[kind.name]}`);
      const r = await run(cmd(kind, "create", "--prompt", "a cat", "--download", target), { env: envFor(m) });
      assert.equal(r.code, 1, r.stderr);
      const out = json(r);
      assert.equal(out.Status, "DONE");
      assert.equal(out.Downloaded, undefined);
      const [url] = kind.outputs(out);
      assert.ok(url.startsWith(`${publicUrl}/`));
      assert.match(r.stderr, new RegExp(`^mps-aigc: DownloadFailed: could not download ${escape(url)}`, "m"));
      assert.match(r.stderr, why);
      assert.deepEqual(readdirSync(here), [], `${publicUrl}: no file is left behind`);
    }
    // A folder that does not exist is refused before any task is created.
    const m = await mock();
    const r = await run(cmd(kind, "create", "--prompt", "a cat", "--download", join(dir, "no/such/folder/v.bin")), { env: envFor(m) });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /does not exist/);
    // So are no name, a name ending in a slash, and a folder: each would fail only at the rename.
    for (const [target, why] of [
      ["", /not a folder's/],
      [`${here}/`, /not a folder's/],
      [here, /that is a folder/],
    ]) {
      const refused = await run(cmd(kind, "create", "--prompt", "a cat", "--download", target), { env: envFor(m) });
      assert.equal(refused.code, 2, `${JSON.stringify(target)}: ${refused.stderr}`);
      assert.match(refused.stderr, why);
    }
    assert.equal(m.calls(kind.create).length, 0);
  });
}

test("image --download with 2 outputs: PATH-1 and PATH-2, and the list of both in Downloaded", async () => {
  const image = KINDS.find((k) => k.name === "image");
  const m = await mock();
  const here = folder("two-images");
  const target = join(here, "cat.png");
  const r = await run(["image", "create", "--prompt", "a cat", "--output-image-count", "2", "--download", target, "--interval", "0.05"], {
    env: envFor(m),
  });
  assert.equal(r.code, 0, r.stderr);
  const out = json(r);
  assert.equal(JSON.parse(m.calls(image.create)[0].body).OutputImageCount, 2);
  assert.equal(out.ImageUrls.length, 2);
  const paths = [join(here, "cat-1.png"), join(here, "cat-2.png")];
  assert.deepEqual(out.Downloaded, paths);
  for (const path of paths) assert.ok(readFileSync(path).equals(SAMPLES.image), path);
  assert.deepEqual(readdirSync(here).sort(), ["cat-1.png", "cat-2.png"], "no .part file, and no cat.png");
  for (const path of paths) {
    assert.match(r.stderr, new RegExp(`^mps-aigc: downloaded ${SAMPLES.image.length} bytes to ${escape(path)}$`, "m"));
  }

  // A name without an extension gets the number at its end; a relative one stays relative.
  const again = await run(["image", "wait", out.TaskId, "--download", "pic", "--quiet"], { env: envFor(m), cwd: here });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(json(again).Downloaded, ["pic-1", "pic-2"]);
  for (const name of ["pic-1", "pic-2"]) assert.ok(readFileSync(join(here, name)).equals(SAMPLES.image));

  // The second output fails: exit 1, the DONE result without Downloaded; the first one is whole.
  const hostUrl = await serve((req, res) => {
    if (/-1\.png$/.test(req.url)) return res.writeHead(404).end("not found");
    res.writeHead(200, { "Content-Length": String(SAMPLES.image.length) }).end(SAMPLES.image);
  });
  const failing = await mock({ publicUrl: hostUrl, task: { waitMs: 0, runMs: 0 } });
  const half = folder("half-images");
  const broken = await run(["image", "create", "--prompt", "a cat", "--output-image-count", "2", "--download", join(half, "cat.png")], {
    env: envFor(failing),
  });
  assert.equal(broken.code, 1, broken.stderr);
  const result = json(broken);
  assert.equal(result.Status, "DONE");
  assert.equal(result.Downloaded, undefined);
  assert.match(broken.stderr, new RegExp(`^mps-aigc: DownloadFailed: could not download ${escape(result.ImageUrls[1])}: HTTP 404`, "m"));
  assert.match(broken.stderr, /^mps-aigc: downloaded \d+ bytes to .*cat-1\.png$/m);
  assert.deepEqual(readdirSync(half), ["cat-1.png"], "the whole first image, no partial second one");
});

test("audio --download: the music to PATH; with a video too, PATH-1 (the audio) and PATH-2 (the video)", async () => {
  const audio = KINDS.find((k) => k.name === "audio");
  const m = await mock();
  const here = folder("music");
  const args = ["audio", "create", "--model", "MiniMaxMusic", "--prompt", "a calm song", "--download", "song.wav"];
  const r = await run([...args, "--interval", "0.05"], { env: envFor(m), cwd: here });
  assert.equal(r.code, 0, r.stderr);
  const out = json(r);
  assert.equal(out.Downloaded, "song.wav");
  assert.deepEqual(out.VideoInfos, []);
  assert.ok(readFileSync(join(here, "song.wav")).equals(SAMPLES.audio));

  // Music made for a reference video comes back with the video as well: a describe that says so.
  const describes = [];
  const api = await serve(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    describes.push({ action: req.headers["x-tc-action"], body: JSON.parse(body) });
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(
      JSON.stringify({
        Response: {
          Status: "DONE",
          Message: "ok",
          AudioInfos: [{ Url: `${m.url}/audio/mixed.wav`, Duration: 2 }],
          VideoInfos: [{ Url: `${m.url}/videos/mixed.mp4`, Duration: 2 }],
          RequestId: "request-1",
        },
      }),
    );
  });
  const mixed = await run(["audio", "wait", "4-AigcAudio-mixed", "--download", "mixed.wav", "--endpoint", api], {
    env: envFor(null),
    cwd: here,
  });
  assert.equal(mixed.code, 0, mixed.stderr);
  assert.deepEqual(describes, [{ action: audio.describe, body: { TaskId: "4-AigcAudio-mixed" } }]);
  assert.deepEqual(json(mixed).Downloaded, ["mixed-1.wav", "mixed-2.wav"]);
  assert.ok(readFileSync(join(here, "mixed-1.wav")).equals(SAMPLES.audio), "the audio first");
  assert.ok(readFileSync(join(here, "mixed-2.wav")).equals(SAMPLES.video), "then the video");
  assert.deepEqual(readdirSync(here).sort(), ["mixed-1.wav", "mixed-2.wav", "song.wav"]);
});

for (const kind of KINDS) {
  test(`${kind.name}: a failed task: exit 3 with the server's message and the task id`, async () => {
    const m = await mock();
    m.nextTask({ outcome: "FAIL", message: "the image was refused by content review" });
    const r = await run(cmd(kind, "create", "--prompt", "a cat", "--wait", "--interval", "0.05"), { env: envFor(m) });
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, "");
    const [TaskId] = taskIdPattern(kind).exec(r.stderr);
    assert.match(r.stderr, /^mps-aigc: TaskFailed: .*the image was refused by content review \(RequestId [-0-9a-f]+\)$/m);
    assert.match(r.stderr, new RegExp(`^mps-aigc: task ${TaskId}, last status FAIL$`, "m"));
    assert.match(r.stderr, new RegExp(`^${TaskId} FAIL `, "m"), "the progress saw FAIL");

    // The mock fails any prompt with the word "fail"; wait on it reports the same way.
    const { TaskId: id } = json(await run(cmd(kind, "create", "--prompt", "please fail"), { env: envFor(m) }));
    const w = await run(cmd(kind, "wait", id, "--interval", "0.05", "--quiet"), { env: envFor(m) });
    assert.equal(w.code, 3);
    assert.match(w.stderr, /refused by content review/);
  });

  test(`${kind.name}: a wait that times out: exit 4, the task id and how to resume`, async () => {
    const m = await mock();
    m.nextTask({ runMs: 60_000 });
    const { TaskId } = json(await run(cmd(kind, "create", "--prompt", "a slow cat"), { env: envFor(m) }));
    const started = performance.now();
    const r = await run(cmd(kind, "wait", TaskId, "--timeout", "0.4", "--interval", "0.05"), { env: envFor(m) });
    assert.equal(r.code, 4, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^mps-aigc: WaitTimeout: /m);
    const resume = `${said(kind, "wait")} ${TaskId}`;
    assert.match(r.stderr, new RegExp(`^mps-aigc: task ${TaskId}, last status RUN; resume with: ${escape(resume)}$`, "m"));
    assert.ok(performance.now() - started < 5000);
  });

  test(`${kind.name}: usage and input errors exit 2, with nothing on stdout and nothing sent`, async () => {
    const m = await mock();
    const here = folder(`usage-${kind.name}`);
    const cases = [
      [["create", "--prompt", "x", "--frobnicate"], /^mps-aigc: UsageError: Unknown option '--frobnicate'$/m],
      [["describe"], new RegExp(`^mps-aigc: UsageError: describe needs a TaskId: ${escape(said(kind, "describe"))} <TaskId>$`, "m")],
      [["wait"], new RegExp(`^mps-aigc: UsageError: wait needs a TaskId: ${escape(said(kind, "wait"))} <TaskId>$`, "m")],
      [["wait", "a", "b"], /takes one TaskId/],
      [["create", "--model"], /argument missing/],
      [
        ["create", "--prompt", "x", "--model", "A", "--model-name", "B"],
        /^mps-aigc: UsageError: --model-name and --model both set ModelName: give one$/m,
      ],
      [["create"], /^mps-aigc: MissingParameter: Prompt is required when no /m],
      [["create", "--request", join(here, "missing.json")], /cannot read the --request file .*missing\.json/],
      [["create", "--prompt", "x", "--additional", "{not json"], /--additional is not valid JSON/],
      [["create", "--prompt", "x", "--additional-parameters", "{not json"], /--additional-parameters is not valid JSON/],
      [["create", "--prompt", "x", "--additional", "[1]"], /^mps-aigc: InvalidParameter: AdditionalParameters/m],
      [["create", "--prompt"], /argument missing/],
      [["create", "a cat"], /create takes no arguments/],
      [["describe", "t", "--prompt", "x"], /--prompt is not a flag of describe/],
      [["wait", "t", "--model", "x"], /--model is not a flag of wait/],
      [["describe", "t", "--download", "x"], /--download is not a flag of describe/],
      [["wait", "t", "--timeout", "-1"], /UsageError/],
      [["wait", "t", "--interval", "0"], /--interval must be more than 0/],
      [["create", "--prompt", "x", "--language", "fr-FR"], /^mps-aigc: InvalidParameterValue: language must be/m],
      [["render", "--prompt", "x"], /unknown command 'render'/],
      [["toString"], /unknown command 'toString'/],
    ];
    // A count: not a number is the CLI's refusal, a fraction the library's.
    const count = [...expectedFlags(kind)].find(([, spec]) => spec.type === "count")?.[0];
    if (count) {
      const field = expectedFlags(kind).get(count).field;
      const notANumber = new RegExp(`^mps-aigc: UsageError: --${count} must be a number, got 'abc'$`, "m");
      const fraction = new RegExp(`^mps-aigc: InvalidParameterValue: ${field} must be a positive integer`, "m");
      cases.push([["create", "--prompt", "x", `--${count}`, "abc"], notANumber]);
      cases.push([["create", "--prompt", "x", `--${count}`, "2.5"], fraction]);
    }
    const notJson = join(here, "not-json.json");
    writeFileSync(notJson, "{ Prompt: x }");
    cases.push([["create", "--request", notJson], /is not valid JSON/]);
    const array = join(here, "array.json");
    writeFileSync(array, "[]");
    cases.push([["create", "--request", array], /must hold a JSON object/]);
    const results = await runAll(cases.map(([args]) => [cmd(kind, ...args), { env: envFor(m) }]));
    for (const [i, r] of results.entries()) {
      const [args, message] = cases[i];
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.equal(r.stdout, "", args.join(" "));
      assert.match(r.stderr, message, args.join(" "));
    }
    // Without keys (and not talking to a proxy) the keys are asked for; a proxy token needs an endpoint.
    const noKeys = await run(cmd(kind, "create", "--prompt", "x"), { env: { PATH: process.env.PATH } });
    assert.equal(noKeys.code, 2);
    assert.match(noKeys.stderr, /TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY/);
    const proxyNoEndpoint = await run(cmd(kind, "describe", "t"), { env: { PATH: process.env.PATH, MPS_PROXY_TOKEN: PROXY_TOKEN } });
    assert.equal(proxyNoEndpoint.code, 2);
    assert.match(proxyNoEndpoint.stderr, /--proxy-token needs --endpoint/);
    assert.equal(m.requests.length, 0, "nothing reached the server");
  });

  test(`${kind.name}: a network failure exits 1`, async () => {
    const r = await run(cmd(kind, "describe", `4-Aigc${kind.noun}-x`, "--endpoint", `http://127.0.0.1:${await closedPort()}`));
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^mps-aigc: ClientNetworkError: .*ECONNREFUSED/m);
  });

  test(`${kind.name}: a create whose connection dropped: exit 1, and a warning that a task may exist`, async () => {
    const m = await mock();
    m.fault({ kind: "drop-after-create", action: kind.create });
    const r = await run(cmd(kind, "create", "--prompt", "a cat", "--wait"), { env: envFor(m) });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^mps-aigc: ClientNetworkError: /m);
    assert.match(r.stderr, /^mps-aigc: warning: a task may have been created .*before creating it again$/m);
    assert.equal(m.calls(kind.create).length, 1, "not retried");
    assert.equal(m.tasks.size, 1, "and the task does exist");
  });

  test(`${kind.name}: Ctrl-C during a wait: exit 130, and the task id to resume with`, async () => {
    const m = await mock();
    m.nextTask({ runMs: 60_000 });
    const cli = start(cmd(kind, "create", "--prompt", "a long cat", "--wait", "--interval", "0.05"), { env: envFor(m) });
    await cli.waitForStderr(/ RUN /);
    const interrupted = performance.now();
    cli.child.kill("SIGINT");
    const r = await cli.done;
    assert.ok(performance.now() - interrupted < 2000, "stopped promptly");
    assert.equal(r.code, 130, r.stderr);
    assert.equal(r.stdout, "");
    const [TaskId] = taskIdPattern(kind).exec(r.stderr);
    const resume = `${said(kind, "wait")} ${TaskId}`;
    assert.match(r.stderr, new RegExp(`^mps-aigc: Interrupted: task ${TaskId} keeps running; resume with: ${escape(resume)}$`, "m"));
    const polls = m.calls(kind.describe).length;
    assert.ok(polls > 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(m.calls(kind.describe).length, polls, "no poll after the interrupt");
  });

  test(`${kind.name}: a signing proxy's token: sent as a bearer token, no keys sent`, async () => {
    const m = await mock();
    m.fault({ kind: "error", code: "AuthFailure.InvalidAuthorization", message: `bad token ${PROXY_TOKEN}` });
    const r = await run(cmd(kind, "describe", "t", "--proxy-token", PROXY_TOKEN, "--endpoint", m.url), { env: envFor(null) });
    assert.equal(r.code, 1);
    const sent = m.requests[0];
    assert.equal(sent.action, kind.describe);
    assert.equal(sent.headers.authorization, `Bearer ${PROXY_TOKEN}`);
    assert.equal(sent.headers["x-tc-token"], undefined, "the STS token is not sent to a proxy");
    assert.match(r.stderr, /bad token \*\* REDACTED \*\*/);
  });
}

test("no secret key or token appears in anything the CLI printed", async () => {
  // A server that echoes the secrets in its message, for good measure, to a create of each kind.
  for (const kind of KINDS) {
    const m = await mock();
    m.fault({ kind: "error", code: "AuthFailure.SignatureFailure", message: `key ${KEYS.secretKey} token ${TOKEN}` });
    const r = await run(cmd(kind, "create", "--prompt", "x"), { env: envFor(m) });
    assert.equal(r.code, 1);
    assert.equal(m.requests[0].action, kind.create);
    assert.match(r.stderr, /key \*\* REDACTED \*\* token \*\* REDACTED \*\*/);
  }
  const text = outputs.join("\n");
  assert.ok(outputs.length > 150 && text.length > 15000, "the file produced output to scan");
  assert.ok(!text.includes(KEYS.secretKey), "secret key leaked");
  assert.ok(!text.includes(TOKEN), "session token leaked");
  assert.ok(!text.includes(PROXY_TOKEN), "proxy token leaked");
});
