// Shared by the JS suites: the package under test, the mock, the example keys, a secret scanner.
import { appendFileSync } from "node:fs";
import { createServer } from "node:http";
import { startMockMps as startMock, EXAMPLE_CREDENTIALS } from "../../mock/mps-mock.mjs";

/** The built package (pkg/node.mjs), or another entry named by MPS_AIGC_ENTRY. */
export const lib = await import(process.env.MPS_AIGC_ENTRY ?? new URL("../../pkg/node.mjs", import.meta.url).href);

export const KEYS = EXAMPLE_CREDENTIALS;
export const TOKEN = "sts-session-token-EXAMPLE-0123456789";

// The whole-suite secret scan (scripts/test): with MPS_SECRET_SCAN_LOG set, what our code produced
// for a user to see goes to that file: every error, result and proxy answer tests pass to see(),
// and the CLI's output. (Not the mock's own answers: some echo a secret on purpose, to prove that
// the client and the proxy redact it.)
const scanLog = process.env.MPS_SECRET_SCAN_LOG;
export function toScanLog(texts) {
  if (scanLog && texts.length > 0) appendFileSync(scanLog, texts.join("\n") + "\n");
}
export const startMockMps = startMock;

/** Everything a test produced that a user could see: messages, JSON, strings. */
const seen = [];
export function see(...things) {
  const texts = [];
  for (const t of things) {
    if (t instanceof Error) texts.push(t.message, String(t), JSON.stringify(t), JSON.stringify(Object.entries(t)));
    else texts.push(typeof t === "string" ? t : (JSON.stringify(t) ?? String(t)));
  }
  seen.push(...texts);
  toScanLog(texts);
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

/** A node:http server with `listener` on 127.0.0.1: its `url` and `port`, and `close()`, which ends kept-alive connections too. */
export async function listen(listener) {
  const server = createServer(listener);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}
