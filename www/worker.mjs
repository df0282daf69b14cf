// The signing proxy as a Cloudflare Worker: pages send unsigned requests with a short-lived token
// their app's server minted (or servers send a static token); the Worker checks the caller, its
// quota and its body, signs with its own keys (Worker secrets) and forwards to MPS.
//
// Configuration (wrangler.toml [vars] and `wrangler secret put`), see the README's "Signing proxy":
//   TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY   secrets: the keys requests are signed with
//   TENCENTCLOUD_SESSION_TOKEN                        secret, optional: an STS token with them
//   PROXY_TOKEN_SECRET                                secret: checks tokens made by mintProxyToken
//                                                     (comma-separated to rotate: every one verifies)
//   PROXY_TOKENS                                      secret: static bearer tokens for servers, comma-separated
//   ALLOW_ANONYMOUS                                   "1": pages from ALLOW_ORIGINS may call without a token,
//                                                     all as one subject (demos only)
//   ALLOW_ORIGINS                                     origins of the pages that may call, comma-separated
//   LIMIT_CREATES_PER_MINUTE, LIMIT_CREATES_PER_DAY, LIMIT_DESCRIBES_PER_SECOND   per-subject limits
//   TENCENTCLOUD_REGION, ALLOW_ACTIONS, MPS_UPSTREAM  optional
//   MPS_COORDINATOR                                   optional Durable Object binding (wrangler.toml):
//                                                     quotas are then counted once for every isolate
//                                                     (and kept across restarts), and requests to MPS
//                                                     paced to the account's limits
// The Worker refuses to serve (every request gets a 500 naming the missing setting) until it has a
// caller check: PROXY_TOKEN_SECRET, PROXY_TOKENS or ALLOW_ANONYMOUS=1.
import { createSigningProxy } from "mps-aigc";
import { MpsCoordinator, coordinatorStore } from "mps-aigc/cloudflare";

// The coordinator's class, for wrangler.toml's binding (it lives in this Worker).
export { MpsCoordinator };

let proxy;

export default {
  async fetch(request, env) {
    // Secrets exist only per request, so the proxy is made on the first one and kept (with its
    // quotas: in the coordinator when it is bound, else in this isolate's memory).
    if (!proxy) {
      try {
        proxy = createSigningProxy(optionsFrom(env));
      } catch (error) {
        return misconfigured(error.message);
      }
    }
    return proxy(request);
  },
};

/** The Worker's settings, by the library's option names. */
const SETTINGS = {
  secretId: "TENCENTCLOUD_SECRET_ID",
  secretKey: "TENCENTCLOUD_SECRET_KEY",
  token: "TENCENTCLOUD_SESSION_TOKEN",
  region: "TENCENTCLOUD_REGION",
  upstream: "MPS_UPSTREAM",
  tokenSecret: "PROXY_TOKEN_SECRET",
  proxyTokens: "PROXY_TOKENS",
  allowAnonymous: "ALLOW_ANONYMOUS",
  allowOrigins: "ALLOW_ORIGINS",
  allowActions: "ALLOW_ACTIONS",
  limits: "LIMIT_*",
  createsPerMinute: "LIMIT_CREATES_PER_MINUTE",
  createsPerDay: "LIMIT_CREATES_PER_DAY",
  describesPerSecond: "LIMIT_DESCRIBES_PER_SECOND",
};

function optionsFrom(env) {
  const list = (value) => (value ? String(value).split(",").map((s) => s.trim()).filter(Boolean) : undefined);
  const text = (value) => (value ? String(value) : undefined);
  // Everything missing is named at once, so one deploy fixes it.
  const missing = [];
  const keys = ["TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"].filter((name) => !env[name]);
  if (keys.length) missing.push(`set ${keys.join(" and ")} (the keys requests are signed with)`);
  if (!env.PROXY_TOKEN_SECRET && !env.PROXY_TOKENS && env.ALLOW_ANONYMOUS !== "1") {
    missing.push(
      "set PROXY_TOKEN_SECRET (tokens your app mints), PROXY_TOKENS (static tokens for servers) or ALLOW_ANONYMOUS=1 " +
        "(with ALLOW_ORIGINS; demos only): without a caller check the proxy would sign for anyone",
    );
  }
  if (missing.length) throw new Error(missing.join("; "));
  const limits = {};
  for (const name of ["createsPerMinute", "createsPerDay", "describesPerSecond"]) {
    const value = env[SETTINGS[name]];
    if (value !== undefined && value !== "") limits[name] = Number(value);
  }
  return {
    secretId: text(env.TENCENTCLOUD_SECRET_ID),
    secretKey: text(env.TENCENTCLOUD_SECRET_KEY),
    token: text(env.TENCENTCLOUD_SESSION_TOKEN),
    region: text(env.TENCENTCLOUD_REGION),
    upstream: text(env.MPS_UPSTREAM),
    tokenSecret: list(env.PROXY_TOKEN_SECRET),
    proxyTokens: list(env.PROXY_TOKENS),
    allowAnonymous: env.ALLOW_ANONYMOUS === "1" || undefined,
    allowOrigins: list(env.ALLOW_ORIGINS),
    allowActions: list(env.ALLOW_ACTIONS),
    limits: Object.keys(limits).length ? limits : undefined,
    // Bound: quotas counted, and upstream requests paced to the account's limits, for every isolate.
    store: env.MPS_COORDINATOR ? coordinatorStore(env.MPS_COORDINATOR) : undefined,
    ...(env.MPS_COORDINATOR ? { coordinator: env.MPS_COORDINATOR } : {}),
  };
}

/** A misconfigured Worker answers like the API would, naming the Worker's settings (never a secret). */
function misconfigured(message) {
  // The library's messages name createSigningProxy's options; whoever reads this sets the Worker's
  // variables, so those are named instead, and where they go.
  // camelCase option names anywhere; plain words (token, region, ...) only where a message starts.
  const named = String(message).replace(/\b[a-z][A-Za-z]+\b/g, (word, at) =>
    SETTINGS[word] && (/[A-Z]/.test(word) || at === 0) ? SETTINGS[word] : word,
  );
  const hint =
    " (secrets by `wrangler secret put NAME`, or in .dev.vars for `wrangler dev`; the others in wrangler.toml [vars])";
  const body = {
    Response: {
      Error: { Code: "InternalError.ProxyMisconfigured", Message: `the proxy is misconfigured: ${named}${hint}` },
      RequestId: "proxy-misconfigured",
    },
  };
  return new Response(JSON.stringify(body), { status: 500, headers: { "Content-Type": "application/json" } });
}
