// Type-checked against the installed package with `tsc --strict --noEmit` (no DOM or Node types):
// what a user writes must compile, and the @ts-expect-error lines must be errors.
import {
  MpsClient,
  MpsError,
  TaskFailedError,
  WaitTimeoutError,
  signTc3,
  adviseAigcVideoTask,
  ready,
  type CreateAigcVideoTaskRequest,
  type CreateAigcImageTaskRequest,
  type CreateAigcAudioTaskRequest,
  type DescribeAigcImageTaskResult,
  type DescribeAigcAudioTaskResult,
  adviseAigcImageTask,
  adviseAigcAudioTask,
  taskKinds,
  isBadInput,
  mintProxyToken,
  createSigningProxy,
  type ProxyStore,
  type DescribeAigcVideoTaskResult,
  type MpsClientOptions,
  type Advice,
  type ClientErrorCode,
  type RequestLike,
} from "mps-aigc";

const options: MpsClientOptions = {
  secretId: "AKID",
  secretKey: "key",
  region: "ap-guangzhou",
  language: "en-US",
  timeoutMs: 10_000,
  maxRetries: 2,
  rateLimit: { describe: 20, CreateAigcImageTask: 5 },
};
const client = new MpsClient(options);
const rotating = new MpsClient({ credentials: async () => ({ secretId: "a", secretKey: "b", token: "t" }) });
const viaProxy = new MpsClient({ endpoint: "https://proxy.example/mps", proxyToken: "pt" });

const request: CreateAigcVideoTaskRequest = {
  ModelName: "Kling",
  ModelVersion: "2.1",
  Prompt: "a cat",
  Duration: 5,
  ImageInfos: [{ ImageUrl: "https://e/x.png", ReferenceType: "asset" }],
  ExtraParameters: { Resolution: "1080P", AspectRatio: "16:9", EnableAudio: true },
  AdditionalParameters: { camera_control: { type: "simple" } },
};
const later: CreateAigcVideoTaskRequest = { ModelName: "SomeFutureModel", Prompt: "x" };

export async function run(signal: AbortSignalLikeLocal): Promise<string | undefined> {
  await ready();
  const { TaskId, RequestId } = await client.create(request, { signal });
  const seen: string[] = [RequestId];
  try {
    const done: DescribeAigcVideoTaskResult = await client.wait(TaskId, {
      signal,
      timeoutMs: 600_000,
      intervalMs: 1000,
      maxIntervalMs: 5000,
      onUpdate: (r) => void seen.push(r.Status),
    });
    return done.VideoUrls[0];
  } catch (e) {
    if (e instanceof TaskFailedError) return e.taskId + e.message;
    if (e instanceof WaitTimeoutError) return `${e.taskId} ${e.lastStatus ?? ""}`;
    if (e instanceof MpsError) {
      const fields: [string, boolean, boolean, string | undefined, number | undefined] = [
        e.code,
        e.retryable,
        e.maybeCreated,
        e.requestId,
        e.httpStatus,
      ];
      return fields.join();
    }
    throw e;
  }
}

/** Image and music tasks, typed end to end. */
export async function others(): Promise<string[]> {
  const image: CreateAigcImageTaskRequest = { ModelName: "Hunyuan", Prompt: "a cat", OutputImageCount: 2, ExtraParameters: { Resolution: "2K" } };
  const music: CreateAigcAudioTaskRequest = { ModelName: "MiniMaxMusic", Prompt: "piano", OutputAudioFormat: "wav" };
  const a = await client.createAigcImageTask(image);
  const images: DescribeAigcImageTaskResult = await client.waitAigcImageTask(a.TaskId, { onUpdate: (r) => void r.ImageUrls.length });
  const b = await client.createAigcAudioTask(music);
  const songs: DescribeAigcAudioTaskResult = await client.waitAigcAudioTask(b.TaskId);
  const hints = [...adviseAigcImageTask(image), ...adviseAigcAudioTask(music)].map((x) => x.message);
  return [...images.ImageUrls, ...songs.AudioInfos.map((x) => x.Url), ...hints, ...taskKinds.map((k) => k.create), String(isBadInput(null))];
}

/** A proxy for the public, and a page's client renewing its token. */
export function publicProxy(secret: string) {
  const store: ProxyStore = { take: async (_key, windows, _now) => (windows.length > 0 ? 0 : 1) };
  const handler = createSigningProxy({
    secretId: "a",
    secretKey: "b",
    tokenSecret: [secret, "old-secret-kept-for-rotation-0123456789"],
    allowOrigins: ["https://app.example"],
    limits: { createsPerMinute: 2 },
    store,
    authorize: async (request) => (request.headers.get("cookie") ? { subject: "u-1", limits: { createsPerDay: 10 } } : null),
    checkBody: (action, body, caller) => ({ ...body, StoreCosParam: { CosBucketName: "app-1250000000", CosBucketPath: `${caller.subject}/${action}` } }),
  });
  const token: string = mintProxyToken({ tokenSecret: secret, subject: "u-1", ttlSeconds: 600, actions: ["DescribeAigcVideoTask"] });
  const page = new MpsClient({ endpoint: "https://proxy.example/", proxyToken: async () => token });
  return [handler, page];
}

/** What a signing proxy answers with, read without DOM or Node types. */
export async function answered(request: RequestLike): Promise<number> {
  const proxy = createSigningProxy({ secretId: "a", secretKey: "b", proxyTokens: ["x"] });
  const answer = await proxy(request);
  return answer.status + (answer.headers.get("retry-after") ?? "").length;
}

/** A signal need not have removeEventListener; codes of the coordinator and durable tasks are named. */
export function minimalSignal(): [Promise<DescribeAigcVideoTaskResult>, ClientErrorCode[]] {
  const signal = { aborted: false, reason: undefined, addEventListener(_type: "abort", _listener: () => void) {} };
  return [client.wait("t", { signal }), ["ClientCoordinatorError", "KeyConflict", "ResourceNotFound"]];
}

interface AbortSignalLikeLocal {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: () => void): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

const signed = signTc3({ secretId: "a", secretKey: "b", action: "DescribeAigcVideoTask", body: "{}", timestamp: 1 });
const auth: string = signed.authorization + signed.headers["X-TC-Timestamp"];
const advice: Advice[] = adviseAigcVideoTask(later);
const response: Promise<{ [field: string]: unknown }> = viaProxy.call("DescribeAigcVideoTask", { TaskId: "t" });
export { auth, advice, response, rotating };

// Mistakes the types catch:
// @ts-expect-error a rate limit is set by action name, or create and describe
new MpsClient({ secretId: "a", secretKey: "b", rateLimit: { CreateAigcVideoTsk: 5 } });
export function timedOutTask(e: WaitTimeoutError): string {
  // @ts-expect-error a durable task's wait may time out before the task has an id
  const id: string = e.taskId;
  return id;
}
// @ts-expect-error language is "zh-CN" or "en-US"
new MpsClient({ secretId: "a", secretKey: "b", language: "fr-FR" });
// @ts-expect-error an unknown option name
new MpsClient({ secretID: "a" });
// @ts-expect-error Duration is a number
export const wrongDuration: CreateAigcVideoTaskRequest = { Prompt: "x", Duration: "5" };
// @ts-expect-error signTc3 needs an action and a body
signTc3({ secretId: "a", secretKey: "b" });
// @ts-expect-error a task id is a string
client.describe(42);
// @ts-expect-error a limit is a number
createSigningProxy({ secretId: "a", secretKey: "b", proxyTokens: ["x"], limits: { createsPerMinute: "6" } });
// @ts-expect-error OutputImageCount is a number
export const wrongCount: CreateAigcImageTaskRequest = { Prompt: "x", OutputImageCount: "2" };
// @ts-expect-error a music task's result has no VideoUrls list of strings
export const wrongResult: string[] = ({} as DescribeAigcAudioTaskResult).VideoUrls;

// mps-aigc/cloudflare, as a Worker uses it (the bindings typed by shape, as @cloudflare/workers-types would).
import { MpsCoordinator, mpsTasks, coordinatorStore, type TaskRecord, type TaskWebhookBody, type MpsTasks } from "mps-aigc/cloudflare";
declare const env: { MPS_COORDINATOR: { idFromName(name: string): { toString(): string }; get(id: { toString(): string }): object } };
export { MpsCoordinator };
const fleetClient = new MpsClient({ secretId: "a", secretKey: "b", coordinator: env.MPS_COORDINATOR });
const namedClient = new MpsClient({ secretId: "a", secretKey: "b", coordinator: { namespace: env.MPS_COORDINATOR, name: "tenant-7" } });
const tasks: MpsTasks = mpsTasks(env.MPS_COORDINATOR);
export async function durable(): Promise<string | undefined> {
  const video = await tasks.submit({ Prompt: "a cat" }, { key: "k", copyTo: { bucket: "VIDEOS" }, notify: { url: "https://x.example/hook", secret: "0123456789abcdef" } });
  const image = await tasks.submit({ Prompt: "a cat" }, { key: "i", kind: "image" });
  const urls: string[] | undefined = video.result?.VideoUrls;
  const images: string[] | undefined = image.result?.ImageUrls;
  const settled: TaskRecord = await tasks.wait("k", { timeoutMs: 60_000 });
  const page = await tasks.list({ status: "UNKNOWN", limit: 10 });
  for (const r of page.records) if (r.status === "UNKNOWN") await tasks.retry(r.key);
  return urls?.[0] ?? images?.[0] ?? settled.stored[0] ?? page.cursor ?? undefined;
}
/** A webhook receiver's reading of a delivery (after its signature is checked). */
export function delivered(rawBody: string): [string, number, TaskRecord] {
  const { delivery, ...record }: TaskWebhookBody = JSON.parse(rawBody);
  return [delivery.id, delivery.firstAttemptAt, record];
}
// @ts-expect-error a delivery's time is Unix milliseconds, a number
export const deliveredAt: string = ({} as TaskWebhookBody).delivery.firstAttemptAt;
createSigningProxy({ secretId: "a", secretKey: "b", proxyTokens: ["x"], store: coordinatorStore(env.MPS_COORDINATOR) });
export { fleetClient, namedClient };
// @ts-expect-error the idempotency key is required
tasks.submit({ Prompt: "x" }, {});
// @ts-expect-error an image request's result is not a video's
export const wrongKind: Promise<TaskRecord<DescribeAigcVideoTaskResult>> = tasks.submit({ Prompt: "x" }, { key: "k", kind: "image" });
// @ts-expect-error a coordinator is a binding, not its name
new MpsClient({ secretId: "a", secretKey: "b", coordinator: "MPS_COORDINATOR" });
