// The page every bundler builds (Vite build and dev, webpack, esbuild as ESM and as IIFE), as a user
// would write it: a client made at load, one task created and waited for to DONE against the mock,
// then a synchronous call, then a signing proxy, whose glue and wasm a page loads only when it makes
// one (a chunk of its own where the bundler splits), refusing a request without a token. The driver
// (run.mjs) reads window.__result and watches for uncaught errors. `?wasm=URL` makes the page hand
// the .wasm's URL to ready() first (for bundles that cannot know it); `?mock=URL` is the mock MPS.
import { MpsClient, MpsError, createSigningProxy, ready, signTc3 } from "mps-aigc";

const params = new URLSearchParams(location.search);
// The example keys of the mock (a real page holds a proxy token instead, never keys).
const keys = { secretId: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", secretKey: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE" };

async function main() {
  const wasm = params.get("wasm");
  if (wasm) await ready(new URL(wasm, location.href));
  const client = new MpsClient({ ...keys, endpoint: params.get("mock") });
  const { TaskId } = await client.create({ Prompt: "a cat, from a bundled page" });
  const statuses = [];
  const done = await client.wait(TaskId, { intervalMs: 100, onUpdate: (r) => statuses.push(r.Status) });
  const { signature } = signTc3({ ...keys, action: "DescribeAigcVideoTask", body: "{}", timestamp: 1767222000 });
  const proxy = createSigningProxy({ ...keys, proxyTokens: ["page-proxy-token-EXAMPLE-0123456789"], upstream: params.get("mock") });
  const refused = await proxy(new Request(new URL("/", location.href), { method: "POST", body: "{}", headers: { "x-tc-action": "DescribeAigcVideoTask" } }));
  const proxyAnswer = { status: refused.status, code: (await refused.json()).Response?.Error?.Code };
  return { status: done.Status, taskId: TaskId, statuses, signature, proxyAnswer };
}

main().then(
  (result) => {
    window.__result = result;
  },
  (e) => {
    // A synchronous call after a failed load says why it failed, not "still loading".
    let sync;
    try {
      signTc3({ ...keys, action: "DescribeAigcVideoTask", body: "{}", timestamp: 1767222000 });
    } catch (s) {
      sync = String(s?.message ?? s);
    }
    window.__result = { error: { isMpsError: e instanceof MpsError, code: e?.code, message: String(e?.message ?? e) }, sync };
  },
);
