// What a Worker holds to talk to its coordinator: `mpsTasks(namespace)` for durable tasks and
// `coordinatorStore(namespace)` for the signing proxy's quotas. Both reach one instance by name
// ("default" unless given), the same one a client's `coordinator` option reaches.
import { monoMs } from "../clock.js";
import { MpsError, WaitTimeoutError } from "../errors.js";
import { abortedReason, unlisten } from "../transport.js";

/** How long one `wait` call to the coordinator may hold before it answers (the loop asks again). */
const HOLD_MS = 25_000;

/**
 * The coordinator of `namespace` (a Durable Object namespace binding) and `name`: a function that
 * makes its stub, called for each call (a stub belongs to the request that made it, and these
 * handles may be kept across requests).
 */
export function coordinatorStub(namespace, options, what) {
  const name = options?.name ?? "default";
  if (typeof namespace?.idFromName !== "function" || typeof namespace?.get !== "function") {
    throw new MpsError(`${what} needs a Durable Object namespace binding (such as env.MPS_COORDINATOR): is it bound in wrangler.toml?`, {
      code: "InvalidParameter",
    });
  }
  if (typeof name !== "string" || name === "") throw new MpsError("name must be a non-empty string", { code: "InvalidParameter" });
  return () => namespace.get(namespace.idFromName(name));
}

/** The coordinator's answer `{ value }`, or its `{ error }` thrown as the MpsError it was. */
function unwrap(answer) {
  if (answer?.error) {
    const { message, ...fields } = answer.error;
    throw new MpsError(message, fields);
  }
  return answer?.value;
}

/**
 * Durable tasks: `submit(request, { key, kind, copyTo, notify, poll })`, `get(key)`,
 * `wait(key, { signal, timeoutMs })`, `list({ status, limit, cursor })`, `retry(key)`.
 */
export function mpsTasks(namespace, options) {
  const stub = coordinatorStub(namespace, options, "mpsTasks");
  return {
    async submit(request, options) {
      return unwrap(await stub().submit(request, options));
    },
    async get(key) {
      return unwrap(await stub().get(key));
    },
    async list(options) {
      return unwrap(await stub().list(options));
    },
    async retry(key) {
      return unwrap(await stub().retry(key));
    },
    /**
     * The record once its outcome is known (DONE and copied if asked, FAIL, UNKNOWN, or polling
     * given up with `error`), or WaitTimeoutError after `timeoutMs`.
     */
    async wait(key, { signal, timeoutMs = Infinity } = {}) {
      if (typeof timeoutMs !== "number" || !(timeoutMs >= 0)) {
        throw new MpsError("timeoutMs must be a number of milliseconds", { code: "InvalidParameter" });
      }
      const deadline = monoMs() + timeoutMs;
      for (;;) {
        const early = abortedReason(signal);
        if (early) throw early.reason;
        const left = deadline - monoMs();
        const { record, settled } = unwrap(await untilAborted(stub().wait(key, Math.max(0, Math.min(left, HOLD_MS))), signal));
        if (settled) return record;
        if (deadline - monoMs() <= 0) {
          throw new WaitTimeoutError(`task ${JSON.stringify(key)} was still ${record.status} after ${timeoutMs} ms`, {
            code: "WaitTimeout",
            taskId: record.TaskId ?? undefined,
            lastStatus: record.status,
          });
        }
      }
    },
  };
}

/** `promise`, or the signal's reason as soon as it aborts. */
function untilAborted(promise, signal) {
  if (!signal) return promise;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortedReason(signal)?.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => unlisten(signal, onAbort));
  });
}

/** The signing proxy's `store`: quotas counted in the coordinator, for every isolate. */
export function coordinatorStore(namespace, options) {
  const stub = coordinatorStub(namespace, options, "coordinatorStore");
  return { take: (key, windows) => stub().take(key, windows), giveBack: (key) => stub().giveBack(key) };
}
