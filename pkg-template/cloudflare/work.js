// One step of a durable task, run by the coordinator when the task's work is due: create it, poll
// it, copy what it made to R2, announce it. Each step changes the task (its public record and its
// work) and says when the next is due; the coordinator writes the task down after every step.
//
//   phase "create"  PENDING: send the create (marked `sending`, durably, before it goes)
//         "poll"    WAIT / RUN: describe, on the wait policy's schedule
//         "copy"    DONE with copyTo: stream each output into R2, one a step
//         "notify"  settled, with notify: POST the final record until the receiver says 2xx
//         "settled" nothing left to do
import { glue } from "../loader.js";
import { random } from "../clock.js";
import { KINDS } from "../vocab.js";
import { copyNext } from "./copy.js";
import { deliver } from "./notify.js";

/**
 * How long things are retried (the coordinator's settings, in its Worker's environment):
 * copies while the result URLs live (12 hours after the task is done), webhooks and creates that
 * were refused for now (rate limits, keys being fixed) for 24 hours.
 */
export const RETRY_DEFAULTS = { copyForMs: 12 * 3600_000, notifyForMs: 24 * 3600_000, createForMs: 24 * 3600_000 };

/** The phase after a task's outcome is known: announce it if asked to, else nothing more. */
const afterOutcome = (task) => (task.work.notify ? "notify" : "settled");

/** Whether a task's outcome is known (and copied): what `tasks.wait` waits for. */
export const isSettled = (task) => task.work.phase === "notify" || task.work.phase === "settled";

/** A plain `{ code, message, ... }` of an error, for a record (never the request or a secret). */
export function errorOf(e, code = "InternalError") {
  const out = { code: typeof e?.code === "string" ? e.code : code, message: String(e?.message ?? e) };
  for (const key of ["requestId", "httpStatus", "retryable", "maybeCreated"]) if (e?.[key] !== undefined) out[key] = e[key];
  return out;
}

/**
 * Retries back off from `baseMs` (the coordinator's MPS_BACKOFF_MS, 5 s by default), three times
 * longer each time, up to an hour, with ±20% jitter so that many tasks do not retry in step.
 */
export function backoffMs(attempts, baseMs) {
  const grown = Math.min(baseMs * 3 ** Math.max(0, attempts - 1), 3600_000);
  return grown * (0.8 + 0.4 * random());
}

/** Credentials that a receiver can be told were refused: the ones an operator fixes, then it works. */
const isAuthFailure = (e) => typeof e?.code === "string" && e.code.startsWith("AuthFailure");

/**
 * Runs the task's due step. `tools`: { client (for describes), creator(beforeSend) (a client whose
 * every attempt, once its turn has come, first awaits `beforeSend`), markSending(task) (writes the
 * task down durably), bucket(name), fetch, now(), backoffMs(attempts), retry (the
 * RETRY_DEFAULTS, as set) }.
 */
export async function step(task, tools) {
  switch (task.work.phase) {
    case "create":
      return create(task, tools);
    case "poll":
      return poll(task, tools);
    case "copy":
      return copy(task, tools);
    case "notify":
      return notify(task, tools);
    default:
      task.due = null;
  }
}

function settle(task, phase, now) {
  task.work.phase = phase;
  task.due = phase === "settled" ? null : now;
}

async function create(task, tools) {
  const { record, work } = task;
  if (work.sending) {
    // Sent by an instance that stopped before it heard the answer: the task may exist. Never sent
    // again by itself; `tasks.retry(key)` sends it again on purpose.
    work.sending = false;
    record.status = "UNKNOWN";
    record.maybeCreated = true;
    record.error = { code: "UnknownOutcome", message: "the coordinator stopped while the create was being sent: the task may exist" };
    return settle(task, afterOutcome(task), tools.now());
  }
  work.firstTryAt ??= tools.now();
  const kind = KINDS[work.kind];
  // Marked only once the rate limit lets it go: a task still queued when the coordinator stops was
  // surely not sent, and is sent by the next instance.
  const client = tools.creator(() => (work.sending ? undefined : tools.markSending(task)));
  let created;
  try {
    created = await client[`createAigc${kind.noun}Task`](JSON.parse(work.body));
  } catch (e) {
    work.sending = false;
    const now = tools.now();
    record.error = errorOf(e);
    if (e?.maybeCreated) {
      record.status = "UNKNOWN";
      record.maybeCreated = true;
      return settle(task, afterOutcome(task), now);
    }
    // Surely not created: refused for now (limits, keys being fixed) is tried again; refused for
    // good (a bad request) is a FAIL.
    if ((e?.retryable || isAuthFailure(e)) && now - work.firstTryAt < tools.retry.createForMs) {
      work.attempts += 1;
      task.due = now + tools.backoffMs(work.attempts);
      return;
    }
    record.status = "FAIL";
    return settle(task, afterOutcome(task), now);
  }
  const now = tools.now();
  work.sending = false;
  work.attempts = 0;
  work.pollStartedAt = now;
  record.TaskId = created.TaskId;
  record.status = "WAIT";
  record.error = null;
  work.phase = "poll";
  task.due = now + Math.max(0, glue.pollDelayMs(1, now, now, random(), work.poll.intervalMs, work.poll.maxIntervalMs, work.poll.timeoutMs));
}

async function poll(task, tools) {
  const { record, work } = task;
  const kind = KINDS[work.kind];
  let result;
  try {
    result = await tools.client[`describeAigc${kind.noun}Task`](record.TaskId);
  } catch (e) {
    const now = tools.now();
    work.attempts += 1;
    const pause = glue.pollDelayMs(record.polls + 1, work.pollStartedAt, now, random(), work.poll.intervalMs, work.poll.maxIntervalMs, work.poll.timeoutMs);
    if ((e?.retryable || isAuthFailure(e)) && pause >= 0) {
      task.due = now + Math.max(pause, tools.backoffMs(work.attempts));
      return;
    }
    record.error = errorOf(e);
    return settle(task, afterOutcome(task), now);
  }
  const now = tools.now();
  work.attempts = 0;
  record.polls += 1;
  record.result = result;
  const status = result?.Status;
  if (status === "DONE") {
    record.status = "DONE";
    work.doneAt = now;
    return settle(task, work.copyTo ? "copy" : afterOutcome(task), now);
  }
  if (status === "FAIL") {
    record.status = "FAIL";
    record.error = { code: "TaskFailed", message: `task ${record.TaskId} failed: ${result.Message || "no message"}` };
    return settle(task, afterOutcome(task), now);
  }
  if (status === "WAIT" || status === "RUN") record.status = status;
  const pause = glue.pollDelayMs(record.polls, work.pollStartedAt, now, random(), work.poll.intervalMs, work.poll.maxIntervalMs, work.poll.timeoutMs);
  if (pause < 0) {
    record.error = { code: "WaitTimeout", message: `task ${record.TaskId} was still ${record.status} after ${work.poll.timeoutMs} ms of polling` };
    return settle(task, afterOutcome(task), now);
  }
  task.due = now + pause;
}

async function copy(task, tools) {
  const { record, work } = task;
  let more;
  try {
    more = await copyNext(task, tools);
  } catch (e) {
    const now = tools.now();
    work.attempts += 1;
    const until = work.doneAt + tools.retry.copyForMs;
    if (now < until) {
      task.due = Math.min(now + tools.backoffMs(work.attempts), until);
      record.copyError = errorOf(e, "CopyFailed"); // so far; cleared once a copy succeeds
      return;
    }
    record.copyError = { ...errorOf(e, "CopyFailed"), message: `gave up when the result URLs expired: ${e?.message ?? e}` };
    work.attempts = 0;
    return settle(task, afterOutcome(task), now);
  }
  record.copyError = null;
  work.attempts = 0;
  if (more) task.due = tools.now(); // the next output, in a step of its own
  else settle(task, afterOutcome(task), tools.now());
}

async function notify(task, tools) {
  const { record, work } = task;
  const now = tools.now();
  // One delivery: the same id and the same bytes on every attempt, so a receiver can drop repeats.
  // The id and the first attempt's time are in the body, under the signature (X-Mps-Delivery only
  // repeats the id): a receiver that drops ids it has seen and deliveries older than the retries
  // cannot be fooled by a copy of one sent again with a new id, or days later.
  if (work.delivery?.body === undefined) {
    const id = crypto.randomUUID();
    work.delivery = { id, body: signedBody(record, id, now), firstAt: now, attempts: 0 };
  } else {
    // Begun by a version that signed the record alone: the same delivery, its id now under the
    // signature too (the bytes change this once).
    const sent = JSON.parse(work.delivery.body);
    if (sent.delivery === undefined) work.delivery.body = signedBody(sent, work.delivery.id, work.delivery.firstAt);
  }
  const delivery = work.delivery;
  const problem = await deliver(work.notify, delivery, tools);
  const later = tools.now();
  if (problem === undefined) {
    record.deliveredAt = later;
    record.deliveryError = null;
    work.delivery = { id: delivery.id, attempts: delivery.attempts + 1 }; // the body is no longer needed
    return settle(task, "settled", later);
  }
  delivery.attempts += 1;
  record.deliveryError = { code: "DeliveryFailed", message: problem, attempts: delivery.attempts };
  if (later - delivery.firstAt >= tools.retry.notifyForMs) {
    record.deliveryError.message = `gave up after ${delivery.attempts} attempts: ${problem}`;
    return settle(task, "settled", later);
  }
  // The last attempt comes when the retries end, not up to an hour after: receivers drop what is
  // older than that (plus a margin) as a replay.
  task.due = Math.min(later + tools.backoffMs(delivery.attempts), delivery.firstAt + tools.retry.notifyForMs);
}

/** A webhook's body: the record, and which delivery it is. */
function signedBody(record, id, firstAttemptAt) {
  return JSON.stringify({ ...record, delivery: { id, firstAttemptAt } });
}
