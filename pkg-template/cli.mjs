#!/usr/bin/env node
// mps-aigc: the command line over the package's Node entry. Create AI video tasks on Tencent Cloud
// MPS, describe them, wait for them and download the result.
//
// The contract scripts rely on: stdout gets exactly one JSON document per command and nothing
// else; progress, advice and errors go to stderr; the exit code says what kind of failure it was
// (see EXIT below). No secret key or token is ever printed.
import { parseArgs } from "node:util";
import { createWriteStream, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  MpsClient,
  MpsError,
  TaskFailedError,
  WaitTimeoutError,
  adviseAigcVideoTask,
  isBadInput,
  redactSecrets,
} from "./node.mjs";
import { DEFAULTS } from "./vocab.js";

const EXIT = { ok: 0, failure: 1, usage: 2, taskFailed: 3, waitTimeout: 4, interrupted: 130 };

// Off-peak tasks are finished "within 48 hours"; the library's 30-minute default would give up early.
const OFF_PEAK_TIMEOUT_S = 48 * 3600;

const HELP = `Usage: mps-aigc <command> [flags]

Create AI video tasks on Tencent Cloud MPS (CreateAigcVideoTask), describe them, wait for them.

Commands:
  create [flags]            create a task; prints { TaskId, RequestId }
  describe <TaskId>         print the task's status (DescribeAigcVideoTask)
  wait <TaskId> [flags]     poll until the task is DONE; prints the DONE result
  help                      this text (also -h, --help, and <command> --help)

Flags of create (each sets one field of the request):
  --model NAME              ModelName, e.g. Kling, Hailuo, Vidu, Hunyuan
  --model-version VERSION   ModelVersion, e.g. 2.1
  --scene TYPE              SceneType
  --prompt TEXT             Prompt (required unless an image is given)
  --negative-prompt TEXT    NegativePrompt
  --enhance-prompt          EnhancePrompt: true
  --image URL               ImageUrl (the first frame)
  --last-image URL          LastImageUrl (the last frame)
  --reference-image URL     ImageInfos: [{ ImageUrl }]; repeat the flag for several images
  --duration SECONDS        Duration, a positive integer
  --resolution RES          ExtraParameters.Resolution, e.g. 720P, 1080P
  --aspect-ratio RATIO      ExtraParameters.AspectRatio, e.g. 16:9, 9:16, 1:1
  --audio                   ExtraParameters.EnableAudio: true
  --off-peak                ExtraParameters.OffPeak: true (done within 48 hours)
  --additional JSON         AdditionalParameters, a JSON object
  --request FILE            the whole request as JSON, in the API's field names ("-" reads
                            stdin); flags given as well override its fields
  --wait                    then wait for the task, as the wait command does
  --download PATH           then wait, and download the first video to PATH (implies --wait)
  --timeout, --interval     as for wait

Flags of wait:
  --timeout SECONDS         give up after this long (default ${DEFAULTS.wait.timeoutMs / 1000}; ${OFF_PEAK_TIMEOUT_S} for create --off-peak)
  --interval SECONDS        the first pause between polls (default ${DEFAULTS.wait.intervalMs / 1000}; each pause is 1.5 times
                            the last, up to ${DEFAULTS.wait.maxIntervalMs / 1000} or --interval if longer)
  --download PATH           download the first video to PATH (via PATH.part, then renamed)

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
          the DONE describe result (with TaskId after create --wait, and "Downloaded": PATH
          after --download). If the task is DONE but the download fails, the DONE result is
          still printed, without "Downloaded".
  stderr  progress while waiting (task, status, elapsed time, polls), the model's advice on a
          request, and errors: "mps-aigc: <code>: <message>".

Exit codes:
  0    success
  1    an API, network or download failure
  2    a usage or input error: an unknown command or flag, a missing TaskId, a bad value, an
       unreadable --request file, or an InvalidParameter*/MissingParameter* error
  3    the task failed (Status FAIL); the server's reason is on stderr
  4    the wait timed out; the task may still finish: mps-aigc wait <TaskId>
  130  interrupted (Ctrl-C); the task keeps running: mps-aigc wait <TaskId>
`;

// Every flag, and which commands take it. parseArgs reads them all, then each command refuses the
// ones that are not its own (so that flags may come before or after the command).
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
const REQUEST_FLAGS = {
  model: { type: "string" },
  "model-version": { type: "string" },
  scene: { type: "string" },
  prompt: { type: "string" },
  "negative-prompt": { type: "string" },
  "enhance-prompt": { type: "boolean" },
  image: { type: "string" },
  "last-image": { type: "string" },
  "reference-image": { type: "string", multiple: true },
  duration: { type: "string" },
  resolution: { type: "string" },
  "aspect-ratio": { type: "string" },
  audio: { type: "boolean" },
  "off-peak": { type: "boolean" },
  additional: { type: "string" },
  request: { type: "string" },
  wait: { type: "boolean" },
};
const COMMAND_FLAGS = {
  create: { ...REQUEST_FLAGS, ...WAIT_FLAGS },
  describe: {},
  wait: WAIT_FLAGS,
};
// Flags that copy a string straight into a top-level field of the request.
const STRING_FIELDS = {
  model: "ModelName",
  "model-version": "ModelVersion",
  scene: "SceneType",
  prompt: "Prompt",
  "negative-prompt": "NegativePrompt",
  image: "ImageUrl",
  "last-image": "LastImageUrl",
};

/** Bad command-line input: exit code 2. */
class UsageError extends Error {
  code = "UsageError";
}

/** The video could not be fetched or written: exit code 1. */
class DownloadError extends Error {
  code = "DownloadFailed";
}

// ---------------------------------------------------------------------------------------------
// Output. Everything the CLI prints goes through these two, which blank out the secrets: the
// library already keeps them out of its messages, but the CLI also prints text of its own.

const secrets = [];

const redact = (text) => redactSecrets(text, secrets);

function printJson(value) {
  process.stdout.write(redact(JSON.stringify(value, null, 2)) + "\n");
}

function printErr(text) {
  process.stderr.write(redact(text) + "\n");
}

// ---------------------------------------------------------------------------------------------
// Reading the command line.

function parseCommandLine(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...COMMON_FLAGS, ...REQUEST_FLAGS, ...WAIT_FLAGS },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    // parseArgs names the flag (unknown, missing its value, or given a value it doesn't take); its
    // advice on positionals that start with '-' is beside the point here.
    throw new UsageError(e.message.replace(/\. To specify a positional argument .*$/s, ""));
  }
  const [command, ...args] = parsed.positionals;
  return { command, args, values: parsed.values };
}

/** Refuses flags that belong to another command, e.g. `describe --prompt`. */
function checkFlags(command, values) {
  const allowed = { ...COMMON_FLAGS, ...COMMAND_FLAGS[command] };
  for (const name of Object.keys(values)) {
    if (!Object.hasOwn(allowed, name)) throw new UsageError(`--${name} is not a flag of ${command}`);
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

/** The CreateAigcVideoTask request: the --request file, if any, with the flags laid over it. */
function buildRequest(values) {
  const request = values.request === undefined ? {} : readRequestFile(values.request);
  for (const [flag, field] of Object.entries(STRING_FIELDS)) {
    if (values[flag] !== undefined) request[field] = values[flag];
  }
  if (values["enhance-prompt"]) request.EnhancePrompt = true;
  if (values["reference-image"]) request.ImageInfos = values["reference-image"].map((url) => ({ ImageUrl: url }));
  // Whole numbers only reach the API; the library refuses 0 and fractions with their own message.
  if (values.duration !== undefined) request.Duration = parseNumber("duration", values.duration);
  if (values.additional !== undefined) request.AdditionalParameters = parseJson("--additional", values.additional);

  // ExtraParameters is merged field by field, so that --resolution keeps the file's AspectRatio.
  const extra = { ...request.ExtraParameters };
  if (values.resolution !== undefined) extra.Resolution = values.resolution;
  if (values["aspect-ratio"] !== undefined) extra.AspectRatio = values["aspect-ratio"];
  if (values.audio) extra.EnableAudio = true;
  if (values["off-peak"]) extra.OffPeak = true;
  if (Object.keys(extra).length > 0) request.ExtraParameters = extra;
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

/** Fails before a task is created (and paid for) if the video could not be saved where asked. */
function checkDownloadTarget(path) {
  let isDir = false;
  try {
    isDir = statSync(dirname(path)).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new UsageError(`--download ${path}: the folder ${dirname(path)} does not exist`);
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

async function waitForTask(client, taskId, options, ctx) {
  const progress = progressLine(taskId, ctx);
  try {
    return await client.wait(taskId, { ...options, signal: ctx.signal, onUpdate: (r) => progress.update(r) });
  } finally {
    progress.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Download: streamed to PATH.part and renamed at the end, so that PATH never names half a video.

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

/** Prints a DONE result, after downloading its first video if asked to. */
async function printDone(result, downloadPath, ctx) {
  if (downloadPath === undefined) return printJson(result);
  const url = result.VideoUrls?.[0];
  ctx.downloading = true;
  try {
    if (!url) throw new DownloadError("the task is DONE but has no VideoUrls to download");
    await download(url, downloadPath, ctx);
  } catch (e) {
    // The task did finish: its result (and the URL, valid for 12 hours) is still worth having.
    printJson(result);
    throw e;
  }
  printJson({ ...result, Downloaded: downloadPath });
}

// ---------------------------------------------------------------------------------------------
// The commands. Each checks its input before calling `connect()` for a client, so that a usage
// error is reported as one even without keys. `ctx` carries the abort signal and what the error
// report needs to know: the task id once there is one, whether a create or a download was in
// flight.

async function createCommand(connect, values, args, ctx) {
  if (args.length > 0) throw new UsageError(`create takes no arguments, got '${args[0]}' (did you mean --prompt?)`);
  const request = buildRequest(values);
  const waiting = values.wait === true || values.download !== undefined;
  // Everything that could refuse the command is checked before the task exists.
  const options = waitOptions(values, { offPeak: request.ExtraParameters?.OffPeak === true });
  if (values.download !== undefined) checkDownloadTarget(values.download);
  const client = connect();
  showAdvice(request, ctx);

  ctx.creating = true;
  const created = await client.create(request, { signal: ctx.signal });
  ctx.creating = false;
  ctx.taskId = created.TaskId;
  if (!waiting) return printJson(created);

  const done = await waitForTask(client, created.TaskId, options, ctx);
  await printDone({ TaskId: created.TaskId, ...done }, values.download, ctx);
}

/** The library's model-specific advice (allowed durations, resolutions, ...) as warnings. */
function showAdvice(request, ctx) {
  if (ctx.quiet) return;
  let advice;
  try {
    advice = adviseAigcVideoTask(request);
  } catch {
    return; // an invalid request: create refuses it with the same message
  }
  for (const { field, message } of advice) printErr(`mps-aigc: advice: ${field}: ${message}`);
}

function taskIdArgument(command, args) {
  if (args.length === 0) throw new UsageError(`${command} needs a TaskId: mps-aigc ${command} <TaskId>`);
  if (args.length > 1) throw new UsageError(`${command} takes one TaskId, got ${args.length} arguments`);
  return args[0];
}

async function describeCommand(connect, values, args, ctx) {
  const taskId = taskIdArgument("describe", args);
  const client = connect();
  ctx.taskId = taskId;
  printJson(await client.describe(taskId, { signal: ctx.signal }));
}

async function waitCommand(connect, values, args, ctx) {
  const taskId = taskIdArgument("wait", args);
  const options = waitOptions(values);
  if (values.download !== undefined) checkDownloadTarget(values.download);
  const client = connect();
  ctx.taskId = taskId;
  const done = await waitForTask(client, taskId, options, ctx);
  await printDone(done, values.download, ctx);
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
    const resume = exit === EXIT.waitTimeout || error?.retryable ? `; resume with: mps-aigc wait ${taskId}` : "";
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
    printErr(`mps-aigc: Interrupted: task ${ctx.taskId} keeps running; resume with: mps-aigc wait ${ctx.taskId}`);
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
    const { command, args, values } = parseCommandLine(argv);
    if (values.version) {
      process.stdout.write(`${packageVersion()}\n`);
      return EXIT.ok;
    }
    if (values.help || command === "help") {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    if (command === undefined) {
      process.stderr.write(HELP);
      return EXIT.usage;
    }
    // hasOwn, not `in`: `toString` is no command.
    if (!Object.hasOwn(COMMANDS, command)) throw new UsageError(`unknown command '${command}' (create, describe, wait or help)`);
    checkFlags(command, values);
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
