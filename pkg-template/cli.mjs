#!/usr/bin/env node
// mps-aigc: the command line over the package's Node entry. Create AI video, image and music tasks
// on Tencent Cloud MPS, describe them, wait for them and download what they made.
//
// The contract scripts rely on: stdout gets exactly one JSON document per command and nothing
// else; progress, advice and errors go to stderr; the exit code says what kind of failure it was
// (see EXIT below). No secret key or token is ever printed.
//
// The task kinds, their request fields and where their outputs are come from the package's
// vocabulary (`taskKinds`, generated from the Rust tables): a kind's create flags are its request
// schema's fields, so a field or a kind added there is a flag or a command here without an edit.
import { parseArgs } from "node:util";
import { accessSync, constants, createWriteStream, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, extname } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as lib from "./node.mjs";
import { MpsClient, MpsError, TaskFailedError, WaitTimeoutError, isBadInput, redactSecrets, taskKinds } from "./node.mjs";
import { DEFAULTS } from "./vocab.js";

const EXIT = { ok: 0, failure: 1, usage: 2, taskFailed: 3, waitTimeout: 4, interrupted: 130 };

// Off-peak tasks are finished "within 48 hours"; the library's 30-minute default would give up early.
const OFF_PEAK_TIMEOUT_S = 48 * 3600;
const OFF_PEAK = "ExtraParameters.OffPeak";

// ---------------------------------------------------------------------------------------------
// The task kinds. `mps-aigc <command>` is `mps-aigc video <command>`, as it was before there were
// other kinds.

const KINDS = new Map(taskKinds.map((kind) => [kind.name, kind]));
const DEFAULT_KIND = KINDS.get("video");
const KIND_NAMES = taskKinds.map((k) => k.name);

/** "a, b or c" */
const either = (words) => (words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} or ${words.at(-1)}`);

/** How the user names a command of `kind`: `mps-aigc wait` for video, `mps-aigc image wait` for image. */
const commandOf = (kind, command) => `mps-aigc ${kind === DEFAULT_KIND ? "" : `${kind.name} `}${command}`;

// ---------------------------------------------------------------------------------------------
// Flags. The CLI's own flags are fixed; the flags of a kind's create come from its request schema.

const COMMON_FLAGS = {
  endpoint: { type: "string" },
  region: { type: "string" },
  language: { type: "string" },
  "proxy-token": { type: "string" },
  "timeout-ms": { type: "string" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
};
const WAIT_FLAGS = {
  timeout: { type: "string" },
  interval: { type: "string" },
  download: { type: "string" },
};
const CREATE_FLAGS = {
  request: { type: "string" },
  wait: { type: "boolean" },
};
const OWN_FLAGS = { ...COMMON_FLAGS, ...WAIT_FLAGS, ...CREATE_FLAGS };

/** Field types a flag can carry as one value; lists and objects come whole through --request. */
const SCALARS = new Set(["string", "boolean", "integer", "count", "number", "json-text"]);
/** The one object field whose members get flags of their own (--resolution, --off-peak, ...). */
const EXTRA = "ExtraParameters";
/** The names the CLI had before its flags came from the schema: each is valid where its field is. */
const ALIASES = {
  model: "ModelName",
  scene: "SceneType",
  image: "ImageUrl",
  "last-image": "LastImageUrl",
  audio: `${EXTRA}.EnableAudio`,
  additional: "AdditionalParameters",
};
/** Flags that add one entry to a list field per repetition: --reference-image A --reference-image B. */
const LIST_FLAGS = {
  "reference-image": "ImageInfos[].ImageUrl",
  "reference-video": "VideoInfos[].VideoUrl",
  "reference-audio": "AudioInfos[].AudioUrl",
};
/** What a flag's help says beyond its field, where the CLI itself does something with the field. */
const NOTES = {
  [OFF_PEAK]: `done within 48 hours; the wait's default --timeout becomes ${OFF_PEAK_TIMEOUT_S}`,
};

/** ModelName → model-name, OutputImageCount → output-image-count, CosURLPath → cos-url-path. */
const kebab = (name) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
    .toLowerCase();

/**
 * The create flags of one kind, in the schema's order (each alias after its field's own flag):
 * flag → { path, type, field, member?, list? }. `path` names the field as messages do
 * (`ExtraParameters.Resolution`, `ImageInfos[].ImageUrl`); `field` is the top-level field set and
 * `member` the field inside it. A name that is one of the CLI's own flags, or already taken, is
 * skipped (the field stays settable through --request; the tests list every field's flag).
 */
function kindFlags(kind) {
  const flags = new Map();
  const add = (flag, spec) => {
    if (!Object.hasOwn(OWN_FLAGS, flag) && !flags.has(flag)) flags.set(flag, spec);
  };
  const scalar = (field, member, type) => {
    const path = member === undefined ? field : `${field}.${member}`;
    add(kebab(member ?? field), { path, type, field, member });
    for (const [alias, target] of Object.entries(ALIASES)) {
      if (target === path) add(alias, { path, type, field, member, alias: true });
    }
  };
  for (const [field, { type, fields }] of Object.entries(kind.request)) {
    if (SCALARS.has(type)) scalar(field, undefined, type);
    else if (field === EXTRA && type === "object") {
      for (const [member, { type: memberType }] of Object.entries(fields)) {
        if (SCALARS.has(memberType)) scalar(field, member, memberType);
      }
    } else if (type === "objects") {
      for (const [flag, path] of Object.entries(LIST_FLAGS)) {
        const [listField, member] = path.split("[].");
        if (listField === field && fields[member]?.type === "string") {
          add(flag, { path, type: "string", field, member, list: true });
        }
      }
    }
  }
  return flags;
}

/** How parseArgs reads a flag. */
const parseOption = (spec) =>
  spec.type === "boolean" ? { type: "boolean" } : spec.list ? { type: "string", multiple: true } : { type: "string" };

// Every kind's create flags, and the union parseArgs reads (so that a flag of another kind is
// reported as such, not as unknown). parseArgs reads a name one way only: should two kinds ever
// give one name different forms (a boolean and a value), the later kind loses that flag.
const KIND_FLAGS = new Map();
const REQUEST_FLAGS = {};
for (const kind of taskKinds) {
  const flags = kindFlags(kind);
  for (const [flag, spec] of flags) {
    const option = parseOption(spec);
    const known = REQUEST_FLAGS[flag];
    if (known === undefined) REQUEST_FLAGS[flag] = option;
    else if (known.type !== option.type || known.multiple !== option.multiple) flags.delete(flag);
  }
  KIND_FLAGS.set(kind.name, flags);
}

const COMMAND_FLAGS = {
  create: { ...CREATE_FLAGS, ...WAIT_FLAGS, ...REQUEST_FLAGS },
  describe: {},
  wait: WAIT_FLAGS,
};

// ---------------------------------------------------------------------------------------------
// The help: the same text for every kind, with the create flags of the kinds asked about.

/** Where a flag's value goes, as the help shows it: NAME, TEXT, URL, N, JSON, VALUE. */
function placeholder(spec) {
  if (spec.type === "boolean") return "";
  if (spec.type === "json-text") return " JSON";
  if (spec.type === "count" || spec.type === "integer") return " N";
  if (spec.type === "number") return " NUMBER";
  const name = spec.member ?? spec.field;
  if (/Url$/.test(name)) return " URL";
  if (/Prompt$/.test(name)) return " TEXT";
  if (/Name$/.test(name)) return " NAME";
  return " VALUE";
}

function describeFlag(kind, spec) {
  let text = spec.path;
  if (spec.list) text = `${spec.field}: [{ ${spec.member} }]; repeat the flag for several`;
  else if (spec.type === "boolean") text += ": true";
  else if (spec.type === "count") text += ", a positive integer";
  else if (spec.type === "integer") text += ", an integer";
  else if (spec.type === "json-text") text += ", a JSON object";
  else if (spec.path === "ModelName" && kind.models.length > 0) text += `: ${kind.models.join(", ")}`;
  else if (spec.path === "Prompt" && kind.promptOptionalWith.length > 0) {
    text += ` (required unless ${either(kind.promptOptionalWith)} is given)`;
  }
  if (NOTES[spec.path]) text += ` (${NOTES[spec.path]})`;
  return text;
}

/**
 * Two columns, as in the rest of the help: the flags from column 2, what they do from column 28
 * (starting on the next line when the flags are longer), wrapped at 100 columns.
 */
function rows(entries) {
  const indent = " ".repeat(28);
  const wrap = (text) => {
    const lines = [""];
    for (const word of text.split(" ")) {
      const line = lines.at(-1);
      if (line !== "" && indent.length + line.length + 1 + word.length > 100) lines.push(word);
      else lines[lines.length - 1] = line === "" ? word : `${line} ${word}`;
    }
    return lines;
  };
  return entries
    .map(([left, right]) => {
      const [first, ...rest] = wrap(right);
      const head = left.length <= 24 ? `  ${left.padEnd(26)}${first}` : `  ${left}\n${indent}${first}`;
      return [head, ...rest.map((line) => indent + line)].join("\n");
    })
    .join("\n");
}

function kindHelp(kind) {
  const byPath = new Map();
  for (const [flag, spec] of KIND_FLAGS.get(kind.name)) {
    if (!byPath.has(spec.path)) byPath.set(spec.path, { spec, names: [] });
    byPath.get(spec.path).names.push(`--${flag}${placeholder(spec)}`);
  }
  const flagRows = [...byPath.values()].map(({ spec, names }) => [names.join(", "), describeFlag(kind, spec)]);
  return `Flags of ${commandOf(kind, "create")} (each sets one field of ${kind.create}):\n${rows(flagRows)}\n`;
}

function outputsOf(kind) {
  return kind.outputs.map(({ field, member }) => (member ? `${field}[].${member}` : field));
}

/** The help text, with the create flags of `kinds` (all of them unless a kind was named). */
function helpText(kinds) {
  const one = kinds.length === 1 ? kinds[0] : undefined;
  const kindWord = one ? one.name : "KIND";
  // Off-peak (video) tasks get a longer default wait: said where a kind shown has the flag.
  const offPeak = kinds.find((k) => KIND_FLAGS.get(k.name).has("off-peak"));
  const offPeakTimeout = offPeak ? `; ${OFF_PEAK_TIMEOUT_S} for ${commandOf(offPeak, "create")} --off-peak` : "";
  const kindRows = taskKinds.map((k) => [
    k.name + (k === DEFAULT_KIND ? " (default)" : ""),
    `${k.create}, ${k.describe}; outputs ${either(outputsOf(k))}`,
  ]);
  return `Usage: mps-aigc [${KIND_NAMES.join("|")}] <command> [flags]

Create AI ${either(KIND_NAMES)} tasks on Tencent Cloud MPS, describe them, wait for them and
download what they made. Without a kind, the command is for ${DEFAULT_KIND.name}: mps-aigc create is
mps-aigc ${DEFAULT_KIND.name} create.

Commands:
${rows([
  [`${one ? kindWord : "[KIND]"} create [flags]`, "create a task; prints { TaskId, RequestId }"],
  [`${one ? kindWord : "[KIND]"} describe <TaskId>`, `print the task's status${one ? ` (${one.describe})` : ""}`],
  [`${one ? kindWord : "[KIND]"} wait <TaskId> [flags]`, "poll until the task is DONE; prints the DONE result"],
  ["help [KIND]", "this text (also -h, --help, <command> --help); with a kind, its flags only"],
])}

Kinds:
${rows(kindRows)}

${kinds.map(kindHelp).join("\n")}
Flags of create, for every kind:
  --request FILE            the whole request as JSON, in the API's field names ("-" reads
                            stdin); flags given as well override its fields (${EXTRA} field
                            by field)
  --wait                    then wait for the task, as the wait command does
  --download PATH           then wait, and download what the task made to PATH (implies --wait)
  --timeout, --interval     as for wait

Flags of wait:
  --timeout SECONDS         give up after this long (default ${DEFAULTS.wait.timeoutMs / 1000}${offPeakTimeout})
  --interval SECONDS        the first pause between polls (default ${DEFAULTS.wait.intervalMs / 1000}; each pause is 1.5 times
                            the last, up to ${DEFAULTS.wait.maxIntervalMs / 1000} or --interval if longer)
  --download PATH           download every output of the DONE task (via PATH.part, then renamed):
                            one output to PATH; several to PATH with -1, -2, ... inserted
                            before the extension (cat.png: cat-1.png, cat-2.png)

Common flags:
  --endpoint URL            the API's URL: an MPS host, a signing proxy or a local mock
                            (default $MPS_ENDPOINT, else https://mps.tencentcloudapi.com)
  --region REGION           X-TC-Region, e.g. ap-guangzhou (default $TENCENTCLOUD_REGION)
  --language LANG           zh-CN or en-US: the language of the server's messages
  --proxy-token TOKEN       talk to a signing proxy (needs --endpoint): no keys are needed or
                            sent (default $MPS_PROXY_TOKEN)
  --timeout-ms MS           time limit of each HTTP attempt (default 30000)
  --quiet                   nothing on stderr but errors (no progress, advice or download size)
  -h, --help                this text
  --version                 the package's version

Environment:
  TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY   the API keys
  TENCENTCLOUD_SESSION_TOKEN                        the STS token that goes with temporary keys
  TENCENTCLOUD_REGION                               the default --region
  MPS_ENDPOINT                                      the default --endpoint
  MPS_PROXY_TOKEN                                   the default --proxy-token (keys are then ignored)

Output:
  stdout  one JSON document: the create result { TaskId, RequestId }, the describe result, or
          the DONE describe result (with TaskId after create --wait, and "Downloaded" after
          --download: the PATH, or the list of paths when there were several outputs). If the
          task is DONE but a download fails, the DONE result is still printed, without
          "Downloaded".
  stderr  progress while waiting (task, status, elapsed time, polls), the model's advice on a
          request, and errors: "mps-aigc: <code>: <message>".

Exit codes:
  0    success
  1    an API, network or download failure
  2    a usage or input error: an unknown command or flag, a flag of another kind, a missing
       TaskId, a bad value, an unreadable --request file, or an InvalidParameter*/MissingParameter*
       error
  3    the task failed (Status FAIL); the server's reason is on stderr
  4    the wait timed out; the task may still finish: ${commandOf(one ?? DEFAULT_KIND, "wait")} <TaskId>
  130  interrupted (Ctrl-C); the task keeps running: ${commandOf(one ?? DEFAULT_KIND, "wait")} <TaskId>
`;
}

/** Bad command-line input: exit code 2. */
class UsageError extends Error {
  code = "UsageError";
}

/** An output could not be fetched or written: exit code 1. */
class DownloadError extends Error {
  code = "DownloadFailed";
}

// ---------------------------------------------------------------------------------------------
// Output. Everything the CLI prints goes through these two, which blank out the secrets: the
// library already keeps them out of its messages, but the CLI also prints text of its own.

const secrets = [];

/**
 * Redaction runs in wasm (in Node, the proxy's: `main` loads it before anything is sent). Should
 * that fail, each secret is blanked out here, so that no message can show one even then.
 */
function redact(text) {
  try {
    return redactSecrets(text, secrets);
  } catch {
    let out = String(text);
    for (const secret of secrets) if (Buffer.byteLength(secret) >= 8) out = out.split(secret).join("** REDACTED **");
    return out;
  }
}

function printJson(value) {
  process.stdout.write(redact(JSON.stringify(value, null, 2)) + "\n");
}

function printErr(text) {
  process.stderr.write(redact(text) + "\n");
}

// ---------------------------------------------------------------------------------------------
// Reading the command line.

/**
 * The command line: [kind] command [arguments], with flags anywhere. parseArgs reads every flag of
 * every command and kind; `checkFlags` then refuses those that are not the command's or the kind's.
 */
function parseCommandLine(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...COMMON_FLAGS, ...COMMAND_FLAGS.create },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    // parseArgs names the flag (unknown, missing its value, or given a value it doesn't take); its
    // advice on positionals that start with '-' is beside the point here.
    throw new UsageError(e.message.replace(/\. To specify a positional argument .*$/s, ""));
  }
  const positionals = [...parsed.positionals];
  // hasOwn (a Map here), not `in`: `toString` is no kind.
  const kindGiven = KINDS.has(positionals[0]);
  const kind = kindGiven ? KINDS.get(positionals.shift()) : DEFAULT_KIND;
  const [command, ...args] = positionals;
  return { kind, kindGiven, command, args, values: parsed.values };
}

/**
 * Refuses flags that belong to another command (`describe --prompt`), or to another kind's create
 * (`image create --duration`: image requests have no Duration).
 */
function checkFlags(kind, command, values) {
  const allowed = { ...COMMON_FLAGS, ...COMMAND_FLAGS[command] };
  const own = KIND_FLAGS.get(kind.name);
  for (const name of Object.keys(values)) {
    if (!Object.hasOwn(allowed, name)) throw new UsageError(`--${name} is not a flag of ${command}`);
    if (Object.hasOwn(REQUEST_FLAGS, name) && !own.has(name)) {
      const others = taskKinds.filter((k) => KIND_FLAGS.get(k.name).has(name));
      const { path } = KIND_FLAGS.get(others[0].name).get(name);
      throw new UsageError(
        `--${name} is not a flag of ${kind.name} tasks: ${kind.create} has no ${path} ` +
          `(it is a flag of ${either(others.map((k) => k.name))} tasks)`,
      );
    }
  }
}

/** A non-negative decimal number such as `5` or `0.05`; anything else is a usage error. */
function parseNumber(flag, text) {
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text)) throw new UsageError(`--${flag} must be a number, got '${text}'`);
  return Number(text);
}

function parsePositive(flag, text) {
  const n = parseNumber(flag, text);
  if (n <= 0) throw new UsageError(`--${flag} must be more than 0, got '${text}'`);
  return n;
}

function parseJson(what, text) {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} is not valid JSON: ${e.message}`);
  }
}

/** The --request file ("-" for stdin): a JSON object in the API's own field names. */
function readRequestFile(path) {
  let text;
  try {
    text = readFileSync(path === "-" ? 0 : path, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read the --request file ${path}: ${e.message}`);
  }
  const request = parseJson(`the --request file ${path}`, text);
  if (request === null || typeof request !== "object" || Array.isArray(request)) {
    throw new UsageError(`the --request file ${path} must hold a JSON object`);
  }
  return request;
}

/**
 * A flag's text as its field's value. Numbers only have to be numbers here: the library refuses 0,
 * fractions where whole numbers are wanted, and the rest, with messages that name the field.
 */
function flagValue(flag, spec, text) {
  switch (spec.type) {
    case "boolean":
      return true;
    case "count":
      return parseNumber(flag, text);
    case "integer":
    case "number":
      if (!/^-?[0-9]+(\.[0-9]+)?$/.test(text)) throw new UsageError(`--${flag} must be a number, got '${text}'`);
      return Number(text);
    case "json-text":
      return parseJson(`--${flag}`, text);
    default:
      return text;
  }
}

const isPlainObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

/** The create request of `kind`: the --request file, if any, with the flags laid over it. */
function buildRequest(kind, values) {
  const request = values.request === undefined ? {} : readRequestFile(values.request);
  const extra = {};
  const given = new Map(); // path → the flag that set it
  for (const [flag, spec] of KIND_FLAGS.get(kind.name)) {
    if (values[flag] === undefined) continue;
    if (given.has(spec.path)) throw new UsageError(`--${given.get(spec.path)} and --${flag} both set ${spec.path}: give one`);
    given.set(spec.path, flag);
    if (spec.list) request[spec.field] = values[flag].map((url) => ({ [spec.member]: url }));
    else if (spec.field === EXTRA) extra[spec.member] = flagValue(flag, spec, values[flag]);
    else request[spec.field] = flagValue(flag, spec, values[flag]);
  }
  // ExtraParameters is merged field by field, so that --resolution keeps the file's AspectRatio. A
  // file's ExtraParameters that is no object is left as it is, for the library to refuse by name.
  if (Object.keys(extra).length > 0) {
    const fromFile = request[EXTRA];
    if (fromFile === undefined || fromFile === null) request[EXTRA] = extra;
    else if (isPlainObject(fromFile)) request[EXTRA] = { ...fromFile, ...extra };
  }
  return request;
}

/** The library's wait options from --timeout and --interval (seconds). */
function waitOptions(values, { offPeak = false } = {}) {
  const options = {};
  if (values.timeout !== undefined) options.timeoutMs = parsePositive("timeout", values.timeout) * 1000;
  else if (offPeak) options.timeoutMs = OFF_PEAK_TIMEOUT_S * 1000;
  if (values.interval !== undefined) {
    options.intervalMs = parsePositive("interval", values.interval) * 1000;
    // The pauses grow up to 10 s by default; a longer --interval is meant to be honoured.
    options.maxIntervalMs = Math.max(DEFAULTS.wait.maxIntervalMs, options.intervalMs);
  }
  return options;
}

/** Fails before a task is created (and paid for) if its outputs could not be saved where asked. */
function checkDownloadTarget(path) {
  const usage = (why) => new UsageError(`--download ${JSON.stringify(path)}: ${why}`);
  if (path === "" || /[\\/]$/.test(path)) throw usage("give a file's name, not a folder's");
  let target;
  try {
    target = statSync(path);
  } catch {
    // a new file: the usual case
  }
  if (target?.isDirectory()) throw usage("that is a folder; give a file's name in it");
  const folder = dirname(path);
  let isDir = false;
  try {
    isDir = statSync(folder).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw usage(`the folder ${folder} does not exist`);
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw usage(`the folder ${folder} cannot be written to`);
  }
}

// ---------------------------------------------------------------------------------------------
// The client, from flags and the standard environment variables.

function makeClient(values, env) {
  const endpoint = values.endpoint ?? (env.MPS_ENDPOINT || undefined);
  const proxyToken = values["proxy-token"] ?? (env.MPS_PROXY_TOKEN || undefined);
  const options = {
    endpoint,
    region: values.region ?? (env.TENCENTCLOUD_REGION || undefined),
    language: values.language,
    timeoutMs: values["timeout-ms"] === undefined ? undefined : parsePositive("timeout-ms", values["timeout-ms"]),
  };
  if (proxyToken) {
    // Without an endpoint the bearer token would go to Tencent itself, which cannot use it.
    if (!endpoint) throw new UsageError("--proxy-token needs --endpoint (or MPS_ENDPOINT): the signing proxy's URL");
    secrets.push(proxyToken);
    options.proxyToken = proxyToken;
  } else {
    options.secretId = env.TENCENTCLOUD_SECRET_ID || undefined;
    options.secretKey = env.TENCENTCLOUD_SECRET_KEY || undefined;
    options.token = env.TENCENTCLOUD_SESSION_TOKEN || undefined;
  }
  // The library refuses unknown options but takes undefined ones as absent; drop them anyway so
  // that its messages only ever talk about what the user gave.
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
  try {
    return new MpsClient(options);
  } catch (e) {
    if (e instanceof MpsError && e.code === "MissingParameter") {
      e.message += ": set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY, or give --proxy-token";
    }
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Progress while waiting: one line on stderr, rewritten in place on a terminal; in a log (not a
// terminal) one line per status change, so that a long wait does not fill the log.

function formatElapsed(ms) {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`;
}

function progressLine(taskId, { quiet }) {
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  let polls = 0;
  let lastStatus;
  let lastLength = 0;
  return {
    update(result) {
      polls += 1;
      if (quiet) return;
      const line = `${taskId} ${result.Status} ${formatElapsed(Date.now() - started)} (poll ${polls})`;
      if (tty) {
        // Pad with spaces to blank out the rest of a longer previous line.
        process.stderr.write(`\r${line.padEnd(lastLength)}`);
        lastLength = line.length;
      } else if (result.Status !== lastStatus) {
        printErr(line);
      }
      lastStatus = result.Status;
    },
    /** Ends the rewritten line, so that what follows starts on a line of its own. */
    end() {
      if (lastLength > 0) process.stderr.write("\n");
      lastLength = 0;
    },
  };
}

/** The client's three calls for `kind`: createAigcImageTask, describeAigcImageTask, ... */
function callsOf(client, kind) {
  return {
    create: (request, options) => client[`createAigc${kind.noun}Task`](request, options),
    describe: (taskId, options) => client[`describeAigc${kind.noun}Task`](taskId, options),
    wait: (taskId, options) => client[`waitAigc${kind.noun}Task`](taskId, options),
  };
}

async function waitForTask(calls, taskId, options, ctx) {
  const progress = progressLine(taskId, ctx);
  try {
    return await calls.wait(taskId, { ...options, signal: ctx.signal, onUpdate: (r) => progress.update(r) });
  } finally {
    progress.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Download: streamed to PATH.part and renamed at the end, so that PATH never names half a file.

async function download(url, path, ctx) {
  const part = `${path}.part`;
  let response;
  try {
    response = await fetch(url, { signal: ctx.signal });
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    throw new DownloadError(`could not download ${url}: ${e.cause?.message ?? e.message}`);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new DownloadError(`could not download ${url}: HTTP ${response.status}`);
  }
  try {
    await pipeline(Readable.fromWeb(response.body), createWriteStream(part));
    renameSync(part, path);
  } catch (e) {
    rmSync(part, { force: true });
    if (ctx.signal.aborted) throw e;
    throw new DownloadError(`could not download ${url} to ${path}: ${e.cause?.message ?? e.message}`);
  }
  const bytes = statSync(path).size;
  if (!ctx.quiet) printErr(`mps-aigc: downloaded ${bytes} bytes to ${path}`);
}

/**
 * The URLs of what a DONE task made, where the kind keeps them (the vocabulary's `outputs`): video
 * VideoUrls; image ImageUrls; audio AudioInfos[].Url, then VideoInfos[].Url.
 */
function outputUrls(kind, result) {
  const urls = [];
  for (const { field, member } of kind.outputs) {
    for (const entry of Array.isArray(result[field]) ? result[field] : []) {
      const url = member ? entry?.[member] : entry;
      if (typeof url === "string" && url !== "") urls.push(url);
    }
  }
  return urls;
}

/** One output goes to PATH; several to PATH with -1, -2, ... before its extension (a.png: a-1.png). */
function downloadPaths(path, count) {
  if (count === 1) return [path];
  const ext = extname(path);
  const stem = path.slice(0, path.length - ext.length);
  return Array.from({ length: count }, (_, i) => `${stem}-${i + 1}${ext}`);
}

/** Prints a DONE result, after downloading its outputs if asked to. */
async function printDone(kind, result, downloadPath, ctx) {
  if (downloadPath === undefined) return printJson(result);
  const urls = outputUrls(kind, result);
  const paths = downloadPaths(downloadPath, urls.length);
  ctx.downloading = true;
  try {
    if (urls.length === 0) {
      throw new DownloadError(`the task is DONE but has no ${either(kind.outputs.map((o) => o.field))} to download`);
    }
    for (const [i, url] of urls.entries()) await download(url, paths[i], ctx);
  } catch (e) {
    // The task did finish: its result (and the URLs, valid for 12 hours) is still worth having.
    printJson(result);
    throw e;
  }
  printJson({ ...result, Downloaded: paths.length === 1 ? paths[0] : paths });
}

// ---------------------------------------------------------------------------------------------
// The commands. Each checks its input before calling `connect()` for a client, so that a usage
// error is reported as one even without keys. `ctx` carries the kind, the abort signal and what
// the error report needs to know: the task id once there is one, whether a create or a download
// was in flight.

async function createCommand(connect, values, args, ctx) {
  const { kind } = ctx;
  if (args.length > 0) {
    const hint = KINDS.has(args[0]) ? `for ${args[0]} tasks: mps-aigc ${args[0]} create` : "did you mean --prompt?";
    throw new UsageError(`create takes no arguments, got '${args[0]}' (${hint})`);
  }
  const request = buildRequest(kind, values);
  const waiting = values.wait === true || values.download !== undefined;
  // Everything that could refuse the command is checked before the task exists. Off-peak (a
  // video field) is done within 48 hours, past the wait's usual default.
  const offPeak = KIND_FLAGS.get(kind.name).has("off-peak") && request[EXTRA]?.OffPeak === true;
  const options = waitOptions(values, { offPeak });
  if (values.download !== undefined) checkDownloadTarget(values.download);
  const calls = callsOf(connect(), kind);
  showAdvice(kind, request, ctx);

  ctx.creating = true;
  const created = await calls.create(request, { signal: ctx.signal });
  ctx.creating = false;
  ctx.taskId = created.TaskId;
  if (!waiting) return printJson(created);

  const done = await waitForTask(calls, created.TaskId, options, ctx);
  await printDone(kind, { TaskId: created.TaskId, ...done }, values.download, ctx);
}

/** The library's model-specific advice for the kind (durations, resolutions, ...) as warnings. */
function showAdvice(kind, request, ctx) {
  if (ctx.quiet) return;
  let advice;
  try {
    advice = lib[`adviseAigc${kind.noun}Task`](request);
  } catch {
    return; // an invalid request: create refuses it with the same message
  }
  for (const { field, message } of advice) printErr(`mps-aigc: advice: ${field}: ${message}`);
}

function taskIdArgument(kind, command, args) {
  if (args.length === 0) throw new UsageError(`${command} needs a TaskId: ${commandOf(kind, command)} <TaskId>`);
  if (args.length > 1) throw new UsageError(`${command} takes one TaskId, got ${args.length} arguments`);
  return args[0];
}

async function describeCommand(connect, values, args, ctx) {
  const taskId = taskIdArgument(ctx.kind, "describe", args);
  const calls = callsOf(connect(), ctx.kind);
  ctx.taskId = taskId;
  printJson(await calls.describe(taskId, { signal: ctx.signal }));
}

async function waitCommand(connect, values, args, ctx) {
  const taskId = taskIdArgument(ctx.kind, "wait", args);
  const options = waitOptions(values);
  if (values.download !== undefined) checkDownloadTarget(values.download);
  const calls = callsOf(connect(), ctx.kind);
  ctx.taskId = taskId;
  const done = await waitForTask(calls, taskId, options, ctx);
  await printDone(ctx.kind, done, values.download, ctx);
}

const COMMANDS = { create: createCommand, describe: describeCommand, wait: waitCommand };

// ---------------------------------------------------------------------------------------------
// Errors: one line with the code and message, then what the user needs to act on it.

function exitCodeFor(error) {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof TaskFailedError) return EXIT.taskFailed;
  if (error instanceof WaitTimeoutError) return EXIT.waitTimeout;
  if (isBadInput(error)) return EXIT.usage;
  return EXIT.failure;
}

/** Messages from servers may span lines; the contract is one line per error. */
const oneLine = (text) => String(text).replace(/\s*\n\s*/g, " ");

function reportError(error, ctx) {
  if (ctx.signal.aborted) return reportInterrupt(ctx);
  const code = error?.code ?? error?.name ?? "Error";
  const requestId = error?.requestId ? ` (RequestId ${error.requestId})` : "";
  printErr(`mps-aigc: ${code}: ${oneLine(error?.message ?? error)}${requestId}`);

  const exit = exitCodeFor(error);
  if (error instanceof UsageError) printErr("mps-aigc: see mps-aigc --help");
  // The task id matters once a task exists (create) or a wait has begun; describe's is the argument.
  const taskId = error?.taskId ?? ctx.taskId;
  if (taskId && ctx.command !== "describe" && !(error instanceof UsageError)) {
    const last = error?.lastStatus ? `, last status ${error.lastStatus}` : "";
    // After a timeout or a passing network trouble the task may still finish: say how to pick it up.
    const resume = exit === EXIT.waitTimeout || error?.retryable ? `; resume with: ${commandOf(ctx.kind, "wait")} ${taskId}` : "";
    printErr(`mps-aigc: task ${taskId}${last}${resume}`);
  }
  if (error?.maybeCreated) {
    printErr(
      "mps-aigc: warning: a task may have been created (and billed) even so: " +
        "check the MPS console before creating it again",
    );
  }
  return exit;
}

function reportInterrupt(ctx) {
  if (ctx.downloading) {
    // The task is DONE and its result (with the URL) is on stdout: only the download stopped.
    printErr(`mps-aigc: Interrupted: the download stopped; task ${ctx.taskId} is DONE, its result is on stdout`);
  } else if (ctx.creating) {
    printErr("mps-aigc: Interrupted: while creating the task");
    printErr("mps-aigc: warning: a task may have been created even so: check the MPS console before creating it again");
  } else if (ctx.taskId) {
    printErr(`mps-aigc: Interrupted: task ${ctx.taskId} keeps running; resume with: ${commandOf(ctx.kind, "wait")} ${ctx.taskId}`);
  } else {
    printErr("mps-aigc: Interrupted");
  }
  return EXIT.interrupted;
}

// ---------------------------------------------------------------------------------------------

function packageVersion() {
  return JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")).version;
}

async function main(argv, env) {
  // Secrets from the environment are known from the start, so that no message can show them.
  for (const name of ["TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_SESSION_TOKEN", "MPS_PROXY_TOKEN"]) {
    if (env[name]) secrets.push(env[name]);
  }
  const controller = new AbortController();
  const ctx = {
    signal: controller.signal,
    kind: DEFAULT_KIND,
    command: undefined,
    quiet: false,
    taskId: undefined,
    creating: false,
    downloading: false,
  };
  // Ctrl-C stops the wait (or the call in flight) cleanly, so that the task id can be reported.
  // `once`: a second Ctrl-C gets Node's default and ends the process at once.
  const onInterrupt = () => controller.abort();
  process.once("SIGINT", onInterrupt);
  try {
    const { kind, kindGiven, command, args, values } = parseCommandLine(argv);
    ctx.kind = kind;
    if (values.version) {
      process.stdout.write(`${packageVersion()}\n`);
      return EXIT.ok;
    }
    // The help of the kind named (mps-aigc image --help, mps-aigc help image), else of every kind.
    const helpKind = kindGiven ? kind : command === "help" ? KINDS.get(args[0]) : undefined;
    const help = helpText(helpKind ? [helpKind] : taskKinds);
    if (values.help || command === "help") {
      process.stdout.write(help);
      return EXIT.ok;
    }
    if (command === undefined) {
      process.stderr.write(help);
      return EXIT.usage;
    }
    // hasOwn, not `in`: `toString` is no command.
    if (!Object.hasOwn(COMMANDS, command)) {
      const kinds = kindGiven ? "" : `, after an optional kind: ${either(KIND_NAMES)}`;
      throw new UsageError(`unknown command '${command}' (create, describe, wait or help${kinds})`);
    }
    checkFlags(kind, command, values);
    // The wasm that redaction runs on, now: if it cannot be loaded, the command stops before it
    // sends anything (a create would be billed, and its answer could not be printed).
    redactSecrets("", []);
    ctx.command = command;
    ctx.quiet = values.quiet === true;
    await COMMANDS[command](() => makeClient(values, env), values, args, ctx);
    return EXIT.ok;
  } catch (error) {
    return reportError(error, ctx);
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}

// The exit code is set rather than forced with process.exit(), so that stdout is flushed first.
process.exitCode = await main(process.argv.slice(2), process.env);
