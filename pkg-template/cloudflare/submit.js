// What `tasks.submit(request, options)` checks before anything is recorded, and the task it records.
// Every refusal names the field; a request is checked by the same Rust code that builds the create's
// body, so a task that is accepted here cannot be refused later for its shape.
import { glue } from "../loader.js";
import { MpsError } from "../errors.js";
import { jsonText } from "../plain.js";
import { kindOf } from "../support.js";
import { DEFAULTS, KINDS } from "../vocab.js";

const OPTIONS = ["key", "kind", "copyTo", "notify", "poll"];
/** Durable tasks may be off-peak ones, which take up to 48 hours. */
const POLL_TIMEOUT_MS = 48 * 3600_000;
const CONTROL = /[\u0000-\u001f\u007f]/;

const bad = (field, problem, code = "InvalidParameter") => new MpsError(`${field} ${problem}`, { code });

/** An options object with only `known` names, or a refusal naming the stranger. */
function object(value, field, known, required = false) {
  if (value === undefined || value === null) {
    if (required) throw bad(field, "is required", "MissingParameter");
    return undefined;
  }
  if (typeof value !== "object" || Array.isArray(value)) throw bad(field, `must be an object, got ${kindOf(value)}`);
  for (const name of Object.keys(value)) {
    if (!known.includes(name)) throw bad(`${field}.${name}`, `is not an option (known: ${known.join(", ")})`);
  }
  return value;
}

function text(value, field, { min = 1, max = 512, required = false } = {}) {
  if (value === undefined || value === null) {
    if (required) throw bad(field, "is required", "MissingParameter");
    return undefined;
  }
  if (typeof value !== "string") throw bad(field, `must be a string, got ${kindOf(value)}`);
  if (value.length < min || value.length > max) throw bad(field, `must be ${min} to ${max} characters`);
  if (CONTROL.test(value)) throw bad(field, "must not contain control characters");
  return value;
}

function millis(value, field, min, fallback) {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw bad(field, `must be a number of milliseconds, at least ${min}`);
  }
  return value;
}

/**
 * The task `submit` records: `{ key, record, work, due, fingerprint }`. `env` is the coordinator's
 * (its R2 bindings); `now` the time of the submit.
 */
export function newTask(request, options, env, now) {
  const o = object(options, "submit options", OPTIONS, true);
  const key = text(o.key, "key", { required: true });
  const kindName = o.kind ?? "video";
  const kind = KINDS.findIndex((k) => k.name === kindName);
  if (kind < 0) throw bad("kind", `must be one of ${KINDS.map((k) => `"${k.name}"`).join(", ")}`);
  const body = new TextDecoder().decode(glue.createBody(kind, jsonText(request, "")));

  let copyTo;
  const c = object(o.copyTo, "copyTo", ["bucket", "prefix"]);
  if (c) {
    const bucket = text(c.bucket, "copyTo.bucket", { max: 128, required: true });
    const binding = env[bucket];
    if (typeof binding?.put !== "function" || typeof binding?.createMultipartUpload !== "function") {
      throw bad("copyTo.bucket", `names no R2 bucket binding of the coordinator's Worker: add [[r2_buckets]] binding = "${bucket}" to its wrangler.toml`);
    }
    copyTo = { bucket, prefix: text(c.prefix, "copyTo.prefix", { min: 0 }) ?? "" };
  }

  let notify;
  const n = object(o.notify, "notify", ["url", "secret"]);
  if (n) {
    const url = text(n.url, "notify.url", { max: 2048, required: true });
    let parsed;
    try {
      parsed = new URL(url);
    } catch {
      throw bad("notify.url", "must be an absolute http(s) URL");
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw bad("notify.url", "must be an http: or https: URL");
    if (parsed.username || parsed.password) throw bad("notify.url", "must not contain a user name or password");
    // The secret is only checked for length: it never appears in an error, a record or a log.
    if (typeof n.secret !== "string" || n.secret.length < 16 || n.secret.length > 512) {
      throw bad("notify.secret", "is required: a string of 16 to 512 characters that the receiver also knows", n.secret === undefined ? "MissingParameter" : "InvalidParameter");
    }
    notify = { url: parsed.href, secret: n.secret };
  }

  const p = object(o.poll, "poll", ["intervalMs", "maxIntervalMs", "timeoutMs"]) ?? {};
  const intervalMs = millis(p.intervalMs, "poll.intervalMs", 100, DEFAULTS.wait.intervalMs);
  const maxIntervalMs = millis(p.maxIntervalMs, "poll.maxIntervalMs", intervalMs, Math.max(DEFAULTS.wait.maxIntervalMs, intervalMs));
  const poll = { intervalMs, maxIntervalMs, timeoutMs: millis(p.timeoutMs, "poll.timeoutMs", 1000, POLL_TIMEOUT_MS) };

  // What makes two submits "the same": a key reused for anything else is refused, not ignored.
  const fingerprint = glue.hmacSha256Hex("mps-aigc submit", JSON.stringify([kind, body, copyTo ?? null, notify ?? null, poll]));
  return {
    key,
    due: now,
    record: {
      key,
      kind: KINDS[kind].name,
      TaskId: null,
      status: "PENDING",
      result: null,
      stored: [],
      error: null,
      maybeCreated: false,
      polls: 0,
      createdAt: now,
      updatedAt: now,
      deliveredAt: null,
      copyError: null,
      deliveryError: null,
    },
    work: { phase: "create", kind, body, copyTo, notify, poll, fingerprint, sending: false, attempts: 0, retries: 0 },
  };
}
