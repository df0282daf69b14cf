// The checks every runtime runs against the installed package and the local mock: plain ESM with
// no runtime-specific API, so Node (ESM and CommonJS), workerd, Deno and a browser page run the same
// code. Returns { checks, failures }; a runtime passes when failures is empty and checks > 0.

// The shared vector "node-sdk-describe" (tests/vectors/tc3.json).
const VECTOR = {
  options: {
    secretId: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
    secretKey: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
    action: "DescribeAigcVideoTask",
    region: "ap-guangzhou",
    timestamp: 1767222000,
    body: '{"TaskId":"4-AigcVideo-c3b145ec764****55b699e63be17d"}',
  },
  signature: "9c50d9bdf456142e477dfacb9cb212196d350fb796f564b2e9220ec7dfeed9d0",
};

export async function scenario(lib, mockUrl, { beforeReady } = {}) {
  let checks = 0;
  const failures = [];
  const check = (ok, what) => {
    checks++;
    if (!ok) failures.push(what);
  };
  const attempt = async (what, fn) => {
    try {
      await fn();
    } catch (e) {
      checks++;
      failures.push(`${what}: threw ${e && e.stack ? e.stack : e}`);
    }
  };

  const exported = ["MpsClient", "MpsError", "TaskFailedError", "WaitTimeoutError", "signTc3", "ready", "createSigningProxy", "isBadInput"];
  for (const noun of ["Video", "Image", "Audio"]) exported.push(`adviseAigc${noun}Task`);
  for (const name of exported) {
    check(typeof lib[name] === "function", `exports ${name}`);
  }
  if (beforeReady) await attempt("before ready", () => beforeReady(lib, check));
  await lib.ready();

  await attempt("signTc3", () => {
    check(lib.signTc3(VECTOR.options).signature === VECTOR.signature, "signTc3 reproduces the shared vector");
  });

  await attempt("bad options", () => {
    try {
      new lib.MpsClient({ secretID: "x" });
      check(false, "bad options throw");
    } catch (e) {
      check(e instanceof lib.MpsError && e.code === "InvalidParameter", `bad options throw MpsError (${e})`);
    }
  });

  const client = new lib.MpsClient({
    secretId: VECTOR.options.secretId,
    secretKey: VECTOR.options.secretKey,
    endpoint: mockUrl,
    region: "ap-guangzhou",
  });

  await attempt("create, wait, DONE", async () => {
    const created = await client.create({ ModelName: "Kling", Prompt: "a cat in the rain", Duration: 5 });
    check(typeof created.TaskId === "string" && created.TaskId.length > 0, "create returns a TaskId");
    const seen = [];
    const done = await client.wait(created.TaskId, { intervalMs: 50, onUpdate: (r) => seen.push(r.Status) });
    check(done.Status === "DONE", `wait resolves DONE (${done.Status})`);
    check(Array.isArray(done.VideoUrls) && /\.mp4$/.test(done.VideoUrls[0]), "DONE has a video URL");
    check(seen.at(-1) === "DONE" && seen.length >= 2, `onUpdate after every poll (${seen})`);
  });

  // One task of each other kind, through its own methods.
  const others = [
    ["Image", { ModelName: "Hunyuan", Prompt: "a cat on a sofa" }, (r) => r.ImageUrls, /\.png$/],
    ["Audio", { ModelName: "MiniMaxMusic", Prompt: "a calm piano piece" }, (r) => r.AudioInfos.map((a) => a.Url), /\.wav$/],
  ];
  for (const [noun, request, outputs, file] of others) {
    await attempt(`${noun}: create, wait, DONE`, async () => {
      const created = await client[`createAigc${noun}Task`](request);
      check(new RegExp(`^4-Aigc${noun}-`).test(created.TaskId), `createAigc${noun}Task returns its TaskId (${created.TaskId})`);
      const done = await client[`waitAigc${noun}Task`](created.TaskId, { intervalMs: 50 });
      check(done.Status === "DONE" && file.test(outputs(done)[0] ?? ""), `waitAigc${noun}Task resolves DONE with its output (${JSON.stringify(done)})`);
      const advice = lib[`adviseAigc${noun}Task`]({ ...request, ModelVersion: "99" });
      check(advice.length === 1 && advice[0].field === "ModelVersion", `adviseAigc${noun}Task advises (${JSON.stringify(advice)})`);
    });
  }

  await attempt("FAIL", async () => {
    const { TaskId } = await client.create({ Prompt: "please fail this one" });
    try {
      await client.wait(TaskId, { intervalMs: 50 });
      check(false, "a failed task rejects");
    } catch (e) {
      check(e instanceof lib.TaskFailedError && e instanceof lib.MpsError, `TaskFailedError (${e})`);
      check(e.taskId === TaskId && e.code === "TaskFailed", "TaskFailedError carries the task");
    }
  });

  await attempt("validation", async () => {
    try {
      await client.create({ ModelName: "Kling" });
      check(false, "a request without Prompt or image is refused");
    } catch (e) {
      check(e instanceof lib.MpsError && e.code === "MissingParameter" && /^Prompt/.test(e.message), `refused (${e})`);
    }
  });

  await attempt("abort", async () => {
    const { TaskId } = await client.create({ Prompt: "slow" });
    const controller = new AbortController();
    const waiting = client.wait(TaskId, { signal: controller.signal, intervalMs: 10_000 });
    setTimeout(() => controller.abort("stopped"), 30);
    try {
      await waiting;
      check(false, "an aborted wait rejects");
    } catch (e) {
      check(e === "stopped", `an abort rejects with its reason (${e})`);
    }
  });

  // The signing proxy, which in Node and browsers runs on a wasm of its own, loaded when a proxy is
  // made (in a browser, fetched by its first request): a create through it reaches the mock signed
  // with the proxy's keys, and comes back as a task handle; a token minted afterwards is one.
  await attempt("signing proxy", async () => {
    const memory = lib.wasmMemoryBytes();
    const proxy = lib.createSigningProxy({
      secretId: VECTOR.options.secretId,
      secretKey: VECTOR.options.secretKey,
      proxyTokens: ["pkg-proxy-token-EXAMPLE-0123456789"],
      upstream: mockUrl,
      region: "ap-guangzhou",
    });
    const response = await proxy(
      new Request("http://proxy.invalid/", {
        method: "POST",
        headers: {
          authorization: "Bearer pkg-proxy-token-EXAMPLE-0123456789",
          "content-type": "application/json",
          "x-tc-action": "CreateAigcVideoTask",
        },
        body: JSON.stringify({ ModelName: "Kling", Prompt: "a cat through the proxy" }),
      }),
    );
    const answer = await response.json();
    check(response.status === 200 && /~/.test(answer.Response?.TaskId ?? ""), `a create through the proxy comes back as a handle (${response.status} ${JSON.stringify(answer)})`);
    const token = lib.mintProxyToken({ tokenSecret: "pkg-token-secret-EXAMPLE-0123456789abcdef", subject: "u-1" });
    check(typeof token === "string" && token.length > 40, "mintProxyToken mints a token");
    check(lib.wasmMemoryBytes() >= memory && memory > 0, `wasmMemoryBytes counts the proxy's wasm too (${memory} then ${lib.wasmMemoryBytes()})`);
  });

  await attempt("advice", () => {
    const advice = lib.adviseAigcVideoTask({ ModelName: "Kling", ModelVersion: "2.1", Prompt: "x", Duration: 7 });
    check(advice.length === 1 && advice[0].field === "Duration", "advice for a model-specific value");
  });

  await attempt("secrets", () => {
    const shown = JSON.stringify(client) + String(client);
    check(!shown.includes(VECTOR.options.secretKey), "no secret in JSON.stringify(client) or String(client)");
  });

  return { checks, failures };
}
