// The webhook: a settled record, POSTed as JSON to the URL given at submit, signed so the receiver
// knows it came from this coordinator, with an id that stays the same on every retry of it (in the
// body as `delivery: { id, firstAttemptAt }`, so that the signature covers it).
//
//   X-Mps-Signature: sha256=<hex HMAC-SHA256(secret, body)>
//   X-Mps-Delivery:  <id>
import { glue } from "../loader.js";

/** One attempt may take this long before it counts as failed. */
const DELIVERY_TIMEOUT_MS = 10_000;

/** The signature header's value for `body` (a string) under `secret`. */
export function signature(secret, body) {
  return `sha256=${glue.hmacSha256Hex(secret, body)}`;
}

/** One attempt: undefined when the receiver answered 2xx, else what went wrong (no secret in it). */
export async function deliver(notify, delivery, tools) {
  let response;
  try {
    response = await tools.fetch(notify.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "User-Agent": "mps-aigc coordinator",
        "X-Mps-Delivery": delivery.id,
        "X-Mps-Signature": signature(notify.secret, delivery.body),
      },
      body: delivery.body,
      redirect: "manual", // a redirect is not an answer: the receiver is misconfigured, or moved
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
  } catch (e) {
    return `the receiver could not be reached: ${e?.name === "TimeoutError" ? `no answer in ${DELIVERY_TIMEOUT_MS} ms` : e?.message ?? e}`;
  }
  await response.body?.cancel().catch(() => {}); // its answer is not read, only its status
  if (response.status >= 200 && response.status < 300) return undefined;
  return `the receiver answered HTTP ${response.status}`;
}
