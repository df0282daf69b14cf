// The demo: the page (www/), the signing proxy (www/worker.mjs in workerd) and, without credentials,
// a mock of MPS. Everything listens on 127.0.0.1. Run it with `scripts/demo`.
//
// With TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY (and optionally TENCENTCLOUD_SESSION_TOKEN,
// TENCENTCLOUD_REGION, MPS_ENDPOINT) in the environment, the proxy talks to the real API instead.
// PORT chooses the page's port (default 8080, or any free one if that is taken).
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { startMockMps, EXAMPLE_CREDENTIALS } from "../mock/mps-mock.mjs";
import { mintProxyToken } from "../pkg/node.mjs";
import { startProxyWorker } from "../tools/workerd.mjs";

const root = path.resolve(fileURLToPath(import.meta.url), "../..");
const www = path.join(root, "www");
const out = path.join(root, "target/demo");

/**
 * Starts the demo. `task` sets the mock's task schedule (tests use short ones); `tokenTtlSeconds`
 * how long the page's proxy tokens live (it renews them at half that).
 * @returns {Promise<{ url: string, mock?: object, proxyUrl: string, tokens: object, close: () => Promise<void> }>}
 */
export async function startDemo({ port = 8080, env = process.env, task = { waitMs: 2000, runMs: 6000 }, tokenTtlSeconds = 900 } = {}) {
  await bundlePage();
  const page = await servePage(port);
  const live = Boolean(env.TENCENTCLOUD_SECRET_ID && env.TENCENTCLOUD_SECRET_KEY);
  const mock = live ? undefined : await startMockMps({ task });
  const keys = live
    ? { id: env.TENCENTCLOUD_SECRET_ID, key: env.TENCENTCLOUD_SECRET_KEY, token: env.TENCENTCLOUD_SESSION_TOKEN }
    : { id: EXAMPLE_CREDENTIALS.secretId, key: EXAMPLE_CREDENTIALS.secretKey };
  // The app's token secret: a fresh one per run. The page gets short-lived tokens minted with it
  // from /token (standing in for the app's own signed-in session); only the page's origin may use
  // them from a browser, and each demo user has the proxy's per-subject limits.
  const tokenSecret = randomBytes(32).toString("base64url");
  const region = env.TENCENTCLOUD_REGION || undefined;
  const worker = await startProxyWorker({
    env: {
      TENCENTCLOUD_SECRET_ID: keys.id,
      TENCENTCLOUD_SECRET_KEY: keys.key,
      ...(keys.token ? { TENCENTCLOUD_SESSION_TOKEN: keys.token } : {}),
      ...(region ? { TENCENTCLOUD_REGION: region } : {}),
      MPS_UPSTREAM: live ? env.MPS_ENDPOINT || "https://mps.tencentcloudapi.com" : mock.url,
      PROXY_TOKEN_SECRET: tokenSecret,
      ALLOW_ORIGINS: page.url,
      LIMIT_CREATES_PER_MINUTE: "30",
    },
    outDir: path.join(out, "worker"),
    // The Worker's quotas in its Durable Object, as a deployment binds it (www/wrangler.toml).
    coordinator: true,
  });
  // What the page needs: where the proxy is and its token. A real deployment would hand the token
  // to signed-in users only; the secret key never leaves the proxy.
  page.config = { proxyUrl: worker.url, mode: live ? "live" : "mock", region };
  // The token endpoint: the app's server, after signing its user in, mints a token for that user.
  page.mint = () => {
    page.tokens.minted += 1;
    const token = mintProxyToken({ tokenSecret, subject: "demo-user", ttlSeconds: tokenTtlSeconds });
    return { token, expiresAt: Date.now() + tokenTtlSeconds * 1000 };
  };
  return {
    url: page.url,
    proxyUrl: worker.url,
    mock,
    tokens: page.tokens,
    async close() {
      await worker.dispose();
      await mock?.close();
      await page.close();
    },
  };
}

/** The page's script, bundled with the browser entry of the built package, and the wasm beside it. */
async function bundlePage() {
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [path.join(www, "app.mjs")],
    outfile: path.join(out, "app.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    alias: { "mps-aigc": path.join(root, "pkg/browser.mjs") },
    logLevel: "error",
  });
  cpSync(path.join(root, "pkg/mps_aigc_bg.wasm"), path.join(out, "mps_aigc_bg.wasm"));
}

const FILES = {
  "/": [www, "index.html", "text/html; charset=utf-8"],
  "/index.html": [www, "index.html", "text/html; charset=utf-8"],
  "/style.css": [www, "style.css", "text/css"],
  "/app.js": [out, "app.js", "text/javascript"],
  "/mps_aigc_bg.wasm": [out, "mps_aigc_bg.wasm", "application/wasm"],
};

function servePage(port) {
  const page = { config: undefined, tokens: { minted: 0 } };
  const server = createServer((req, res) => {
    const pathname = new URL(req.url, "http://x").pathname;
    if (pathname === "/config.json") {
      res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
      return res.end(JSON.stringify(page.config));
    }
    if (pathname === "/token" && req.method === "POST") {
      res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
      return res.end(JSON.stringify(page.mint()));
    }
    const file = FILES[pathname];
    if (!file || req.method !== "GET") return res.writeHead(404).end("not found");
    res.writeHead(200, { "Content-Type": file[2], "Cache-Control": "no-store" });
    res.end(readFileSync(path.join(file[0], file[1])));
  });
  return new Promise((resolve, reject) => {
    const listen = (p) => server.listen(p, "127.0.0.1");
    server.on("error", (e) => (e.code === "EADDRINUSE" && port !== 0 ? listen(0) : reject(e)));
    server.on("listening", () => {
      page.url = `http://127.0.0.1:${server.address().port}`;
      page.close = () => new Promise((r) => server.close(r));
      resolve(page);
    });
    listen(port);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const demo = await startDemo({ port: Number(process.env.PORT ?? 8080) });
  const mode = demo.mock ? `a mock of MPS at ${demo.mock.url}` : "the real MPS API";
  console.log(
    `mps-aigc demo: open ${demo.url}\n  (signing proxy in workerd at ${demo.proxyUrl}, its quotas and pacing in its MpsCoordinator Durable Object, talking to ${mode}; Ctrl-C stops)`,
  );
  const stop = async () => {
    await demo.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
