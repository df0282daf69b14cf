// The signing proxy as a Cloudflare Worker: browsers send unsigned requests with a proxy token; the
// Worker checks them, signs with its own keys (Worker secrets) and forwards them to MPS.
//
// Configuration (wrangler.toml [vars] and `wrangler secret put`):
//   TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY   secrets: the keys requests are signed with
//   TENCENTCLOUD_SESSION_TOKEN                        secret, optional: an STS token with them
//   PROXY_TOKENS                                      secret: accepted bearer tokens, comma-separated
//   ALLOW_ORIGINS                                     origins of the pages that may call, comma-separated
//   TENCENTCLOUD_REGION                               optional X-TC-Region
//   ALLOW_ACTIONS                                     optional, default the two video actions
//   MPS_UPSTREAM                                      optional, default https://mps.tencentcloudapi.com
import { createSigningProxy } from "mps-aigc";

let proxy;

export default {
  async fetch(request, env) {
    // Secrets exist only per request, so the proxy is made on the first one and kept.
    if (!proxy) {
      try {
        proxy = createSigningProxy(optionsFrom(env));
      } catch (error) {
        // A misconfigured Worker answers like the API would (the message names the setting, never
        // a secret), instead of an opaque 500.
        return misconfigured(error);
      }
    }
    return proxy(request);
  },
};

function optionsFrom(env) {
  const list = (value) => (value ? String(value).split(",").map((s) => s.trim()).filter(Boolean) : undefined);
  const text = (value) => (value ? String(value) : undefined);
  return {
    secretId: text(env.TENCENTCLOUD_SECRET_ID),
    secretKey: text(env.TENCENTCLOUD_SECRET_KEY),
    token: text(env.TENCENTCLOUD_SESSION_TOKEN),
    region: text(env.TENCENTCLOUD_REGION),
    upstream: text(env.MPS_UPSTREAM),
    proxyTokens: list(env.PROXY_TOKENS),
    allowOrigins: list(env.ALLOW_ORIGINS),
    allowActions: list(env.ALLOW_ACTIONS),
  };
}

// The Worker's variable for each option name createSigningProxy's messages use.
const VARIABLES = {
  secretId: "TENCENTCLOUD_SECRET_ID",
  secretKey: "TENCENTCLOUD_SECRET_KEY",
  token: "TENCENTCLOUD_SESSION_TOKEN",
  region: "TENCENTCLOUD_REGION",
  upstream: "MPS_UPSTREAM",
  proxyTokens: "PROXY_TOKENS",
  allowOrigins: "ALLOW_ORIGINS",
  allowActions: "ALLOW_ACTIONS",
};

function misconfigured(error) {
  // The message names createSigningProxy's options; the person reading it sets this Worker's
  // variables, so name those too, and where they go.
  const message = String(error?.message ?? error);
  const named = Object.keys(VARIABLES).filter((option) => new RegExp(`\\b${option}\\b`).test(message));
  const hint = named.length
    ? ` (this Worker's variables: ${named.map((option) => VARIABLES[option]).join(", ")}; secrets by \`wrangler secret put NAME\`, ` +
      "or in .dev.vars for `wrangler dev`; the others in wrangler.toml [vars])"
    : "";
  const body = {
    Response: {
      Error: { Code: "InternalError.ProxyMisconfigured", Message: `the proxy is misconfigured: ${message}${hint}` },
      RequestId: "proxy-misconfigured",
    },
  };
  return new Response(JSON.stringify(body), { status: 500, headers: { "Content-Type": "application/json" } });
}
