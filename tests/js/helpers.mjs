// Shared by the JS suites: the package under test, the mock, the example keys, a secret scanner.
import { startMockMps, EXAMPLE_CREDENTIALS } from "../../mock/mps-mock.mjs";

/** The built package (pkg/node.mjs), or another entry named by MPS_AIGC_ENTRY. */
export const lib = await import(process.env.MPS_AIGC_ENTRY ?? new URL("../../pkg/node.mjs", import.meta.url).href);

export const KEYS = EXAMPLE_CREDENTIALS;
export const TOKEN = "sts-session-token-EXAMPLE-0123456789";
export { startMockMps };

/** Everything a test produced that a user could see: messages, JSON, strings. */
const seen = [];
export function see(...things) {
  for (const t of things) {
    if (t instanceof Error) seen.push(t.message, String(t), JSON.stringify(t), JSON.stringify(Object.entries(t)));
    else seen.push(typeof t === "string" ? t : JSON.stringify(t) ?? String(t));
  }
}
export function seenText() {
  return seen.join("\n");
}

/** Runs `fn`, expecting a rejection; returns the error (and remembers it for the secret scan). */
export async function rejection(promiseOrFn) {
  try {
    await (typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    see(e);
    return e;
  }
  throw new Error("expected a rejection");
}

/** A client for `mock` with the example keys and fast test timings. */
export function clientFor(mock, options = {}) {
  return new lib.MpsClient({ ...KEYS, endpoint: mock.url, region: "ap-guangzhou", ...options });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Timers and other handles that keep Node's event loop alive. */
export function activeTimers() {
  return process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
}
