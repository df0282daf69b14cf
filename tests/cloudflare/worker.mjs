// The Worker the coordinator tests run twice (two isolates, "a" and "b"): "a" defines the Durable
// Object, "b" reaches the same one by script name. Each route is one thing a user's Worker does
// with the package; answers are JSON, errors as { error: { name, code, message, ... } }.
import { MpsClient, createSigningProxy } from "mps-aigc";
import { MpsCoordinator, coordinatorStore, mpsTasks } from "mps-aigc/cloudflare";

export { MpsCoordinator };

// Kept across requests, as apps keep them: a Durable Object stub made in one request cannot be
// used in another, so these must make theirs per call.
let tasks;
let client;
let proxy;

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const q = Object.fromEntries(url.searchParams);
    tasks ??= mpsTasks(env.MPS_COORDINATOR);
    const input = request.method === "POST" && url.pathname !== "/" ? await request.json() : {};
    switch (url.pathname) {
      case "/submit":
        return answer(() => tasks.submit(input.request, input.options));
      case "/submit-many": // one request, many submits at once (50 with one key, or a share of 300)
        return answer(() => Promise.all(input.submits.map((s) => tasks.submit(s.request, s.options).catch(errorOf))));
      case "/get":
        return answer(() => tasks.get(q.key));
      case "/wait":
        return answer(() => tasks.wait(q.key, { timeoutMs: Number(q.timeoutMs ?? 60_000) }));
      case "/wait-aborted":
        return answer(() => tasks.wait(q.key, { signal: AbortSignal.timeout(Number(q.abortMs)) }));
      case "/list":
        return answer(() => tasks.list(input));
      case "/retry":
        return answer(() => tasks.retry(q.key));
      case "/acquire": // the turns a client's `coordinator` asks for, asked directly
        return answer(() => coordinator(env).acquire(q.action, Number(q.limit), Number(q.waitMs), Number(q.leaseMs)));
      case "/release":
        return answer(async () => (await coordinator(env).release(Number(q.ticket))) ?? null);
      case "/quota-takes": // the proxy store's take for each key in turn: the waits
        return answer(async () => {
          const stub = coordinator(env);
          const waits = [];
          for (let i = 0; i < input.keys.length; i += 500) {
            waits.push(...(await Promise.all(input.keys.slice(i, i + 500).map((key) => stub.take(key, input.windows)))));
          }
          return waits;
        });
      case "/quota-give-back": // the proxy store's giveBack, as the proxy calls it for a request never sent
        return answer(async () => (await coordinatorStore(env.MPS_COORDINATOR).giveBack(q.key)) ?? null);
      case "/stats":
        return answer(() => coordinator(env).stats());
      case "/client-creates": {
        // A plain client creating directly: with account-wide limits (the coordinator), or, as
        // the control, with this isolate's own.
        const own = input.coordinator === false || input.rateLimit !== undefined;
        const make = () =>
          new MpsClient({
            secretId: env.TENCENTCLOUD_SECRET_ID,
            secretKey: env.TENCENTCLOUD_SECRET_KEY,
            endpoint: env.MPS_ENDPOINT,
            ...(input.coordinator === false ? {} : { coordinator: env.MPS_COORDINATOR }),
            ...(input.rateLimit ? { rateLimit: input.rateLimit } : {}),
          });
        const c = own ? make() : (client ??= make());
        return answer(() =>
          Promise.all(Array.from({ length: input.count }, (_, i) => c.create({ Prompt: `${input.label} ${i}` }).catch(errorOf))),
        );
      }
      case "/client-options": // what a client says about a coordinator it was given
        return answer(() => {
          try {
            return new MpsClient({ secretId: env.TENCENTCLOUD_SECRET_ID, secretKey: env.TENCENTCLOUD_SECRET_KEY, ...optionsFor(q.case, env) }).toJSON();
          } catch (e) {
            return errorOf(e);
          }
        });
      case "/": // the signing proxy (it answers only at its root)
        proxy ??= createSigningProxy({
          secretId: env.TENCENTCLOUD_SECRET_ID,
          secretKey: env.TENCENTCLOUD_SECRET_KEY,
          upstream: env.MPS_ENDPOINT,
          proxyTokens: [env.PROXY_TOKEN],
          limits: { createsPerMinute: 3 },
          store: coordinatorStore(env.MPS_COORDINATOR),
        });
        return proxy(request);
      default:
        return new Response("not found", { status: 404 });
    }
  },
};

function optionsFor(name, env) {
  switch (name) {
    case "missing-binding":
      return { coordinator: env.NOT_BOUND };
    case "not-a-namespace":
      return { coordinator: { get: 1 } };
    case "with-rate-limit-off":
      return { coordinator: env.MPS_COORDINATOR, rateLimit: false };
    case "named":
      return { coordinator: { namespace: env.MPS_COORDINATOR, name: "tenant-7" } };
    default:
      return { coordinator: env.MPS_COORDINATOR };
  }
}

function errorOf(e) {
  const out = { error: { name: e?.name, message: String(e?.message ?? e) } };
  for (const key of ["code", "taskId", "lastStatus", "retryable", "maybeCreated"]) if (e?.[key] !== undefined) out.error[key] = e[key];
  return out;
}

async function answer(fn) {
  try {
    return Response.json({ value: (await fn()) ?? null });
  } catch (e) {
    return Response.json(errorOf(e));
  }
}

/** The account's coordinator, as mpsTasks and coordinatorStore reach it. */
function coordinator(env) {
  return env.MPS_COORDINATOR.get(env.MPS_COORDINATOR.idFromName("default"));
}
