// Types for mps-aigc. Field names of requests and results are the API's own (PascalCase).
// `fetch`, `AbortSignal` and `Request`/`Response` are typed by shape, so no DOM or Node type
// library is needed; the real ones fit.

/** An `AbortSignal` (any object that behaves like one). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  /** Called when it is there and works (a listener not removed is harmless). */
  removeEventListener?(type: "abort", listener: () => void): void;
}

/**
 * The program's own `AbortSignal` type when it has one (the DOM's or Node's), else
 * `AbortSignalLike`: what the client hands to `fetch` is a real `AbortSignal`, and typing it so
 * lets the platform's `fetch` (whose `RequestInit` wants one) be passed as `fetch`.
 */
type PlatformAbortSignal = typeof globalThis extends { AbortSignal: { prototype: infer S } } ? S : AbortSignalLike;

/**
 * The program's own `Response` type when it has one (the DOM's, Node's or Workers'), else
 * `ResponseLike`: what a signing proxy resolves to is the runtime's `Response`.
 */
type PlatformResponse = typeof globalThis extends { Response: { prototype: infer S } } ? S : ResponseLike;

/**
 * A `Uint8Array` over a plain `ArrayBuffer` (what the client sends): `Uint8Array<ArrayBuffer>` in
 * TypeScript 5.7 and later, where a bare `Uint8Array` may be over a `SharedArrayBuffer` and is no
 * `BodyInit`; plain `Uint8Array` before 5.7, where the type is not generic.
 */
type PlainBytes = ReturnType<Uint8Array["slice"]>;

/** What the client passes to `fetch` as its second argument. */
export interface FetchInit {
  method: "POST";
  headers: Record<string, string>;
  body: PlainBytes;
  signal?: PlatformAbortSignal;
  /** Redirects are never followed: a redirect is reported, not re-sent elsewhere. */
  redirect?: "manual";
}

/** What the client reads from `fetch`'s answer. */
export interface ResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body?: unknown;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * A `fetch`; the client always calls it unbound, as `fetch(url, init)`. The platform's `fetch`
 * (`globalThis.fetch`, with DOM or Node types) fits, and so does a wrapper of it. Declared as a
 * method, whose parameters TypeScript compares both ways, so that a `fetch` typed by another
 * library's `RequestInit` fits too.
 */
export type FetchLike = { fetch(url: string, init: FetchInit): Promise<ResponseLike> }["fetch"];

/** A Tencent Cloud key pair; `token` for temporary (STS) credentials. */
export interface Credentials {
  secretId: string;
  secretKey: string;
  token?: string;
}

export interface MpsClientOptions {
  /** Permanent or temporary key pair (or use `credentials`, or `proxyToken`). */
  secretId?: string;
  secretKey?: string;
  /** STS session token, sent as `X-TC-Token`. */
  token?: string;
  /** Asked before every attempt, for rotating keys (cache inside it). */
  credentials?: () => Credentials | Promise<Credentials>;
  /** Talk to a signing proxy: `Authorization: Bearer <proxyToken>`, nothing signed locally. */
  proxyToken?: string | (() => string | Promise<string>);
  /** Default `"https://mps.tencentcloudapi.com"`. Any http(s) URL: intl or region host, a proxy, a mock. */
  endpoint?: string;
  /** `X-TC-Region`, e.g. `"ap-guangzhou"`; omitted when unset. */
  region?: string;
  /** `X-TC-Language`; omitted when unset. */
  language?: "zh-CN" | "en-US";
  /** Default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Per HTTP attempt, in milliseconds. Default 30000; `Infinity` for none. */
  timeoutMs?: number;
  /** Retries of retry-safe failures, 0 to 20. Default 3. */
  maxRetries?: number;
  /**
   * Requests per second per client, per action. Default each action's documented limit: video 10
   * creates and 50 describes, image and audio 20 and 20. `create` and `describe` set every kind's;
   * an action's name sets that action's (`{ CreateAigcImageTask: 5 }`); `false` turns it off.
   */
  rateLimit?: ({ create?: number; describe?: number } & { [action in AigcAction]?: number }) | boolean;
  /**
   * Hold the rate limits for the whole account, in every isolate, in the coordinator of
   * `mps-aigc/cloudflare`: its Durable Object namespace binding (the instance named "default"),
   * `{ namespace, name }`, or anything with `acquire` and `release`. Not with `rateLimit: false`.
   */
  coordinator?: DurableObjectNamespaceLike | { namespace: DurableObjectNamespaceLike; name?: string } | RateCoordinator;
}

/** The API actions of the AIGC task kinds, which a client paces. */
export type AigcAction =
  | "CreateAigcVideoTask"
  | "DescribeAigcVideoTask"
  | "CreateAigcImageTask"
  | "DescribeAigcImageTask"
  | "CreateAigcAudioTask"
  | "DescribeAigcAudioTask";

/** A Durable Object namespace binding (`env.MPS_COORDINATOR`), by shape. */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: any): any;
}

/** What holds rate limits for many clients: a turn per request, released when it has finished. */
export interface RateCoordinator {
  /**
   * A ticket once a request of `action` may go, or 0 if none came within `waitMs` (a 0 that comes
   * sooner is asked again after a pause of up to 100 ms).
   */
  acquire(action: string, limit: number, waitMs: number, leaseMs: number): number | Promise<number>;
  release(ticket: number): unknown;
}

export interface CallOptions {
  signal?: AbortSignalLike;
}

/** The options of a wait; `R` is the kind's describe result, which `onUpdate` receives. */
export interface WaitOptions<R = DescribeAigcVideoTaskResult> extends CallOptions {
  /** The wait's deadline in milliseconds. Default 1800000 (30 minutes); `Infinity` for none. */
  timeoutMs?: number;
  /** The first pause between polls. Default 2000, or `maxIntervalMs` if less; each pause is 1.5 times the last (±10%). */
  intervalMs?: number;
  /** The longest pause. Default 10000; given with `intervalMs`, not less than it. */
  maxIntervalMs?: number;
  /**
   * Called with every describe result, the last one included. A promise it returns is not
   * awaited; if it throws, or its promise rejects, the wait rejects with `ClientCallbackError`.
   */
  onUpdate?: (result: R) => void;
}

/** Video models named in the documentation; others are accepted too (the list changes). */
export type VideoModelName = "Kling" | "Hailuo" | "Vidu" | "PixVerse" | "H2" | "Hunyuan" | "Mingmou" | "GV" | "OS";
/** The video models (an older name of `VideoModelName`). */
export type ModelName = VideoModelName;

export interface ImageInfo {
  ImageUrl?: string;
  /** e.g. GV `"asset"` or `"style"`; Vidu takes a subject id here. */
  ReferenceType?: string;
}

export interface VideoInfo {
  VideoUrl?: string;
  /** `"feature"` (reference) or `"base"` (to edit). */
  ReferType?: string;
  /** `"yes"` or `"no"`. */
  KeepOriginalSound?: string;
}

export interface AudioInfo {
  AudioUrl?: string;
}

export interface SubjectInfo {
  Id?: string;
  Name?: string;
  VoiceId?: string;
  ImageUrls?: string[];
  VideoUrls?: string[];
}

export interface ExtraParameters {
  /** e.g. `"720P"`, `"1080P"`, `"2K"`, `"4K"`. */
  Resolution?: string;
  /** e.g. `"16:9"`, `"9:16"`, `"1:1"`. */
  AspectRatio?: string;
  /** Watermark flag. */
  LogoAdd?: number;
  EnableAudio?: boolean;
  /** Off-peak: done within 48 hours. */
  OffPeak?: boolean;
  EnableBgm?: boolean;
}

export interface StoreCosParam {
  CosBucketName?: string;
  CosBucketRegion?: string;
  CosBucketPath?: string;
}

/** A JSON value, for fields the API adds after this package. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * `CreateAigcVideoTask` input. `Prompt` is required unless an image or reference video is given.
 * Fields this type does not list pass through untouched (spread them in from a variable).
 */
export interface CreateAigcVideoTaskRequest {
  ModelName?: VideoModelName | (string & {});
  ModelVersion?: string;
  SceneType?: string;
  /** At most 2000 characters. */
  Prompt?: string;
  NegativePrompt?: string;
  EnhancePrompt?: boolean;
  ImageUrl?: string;
  LastImageUrl?: string;
  ImageInfos?: ImageInfo[];
  VideoInfos?: VideoInfo[];
  AudioInfos?: AudioInfo[];
  SubjectInfos?: SubjectInfo[];
  /** Seconds, a positive integer. */
  Duration?: number;
  ExtraParameters?: ExtraParameters;
  StoreCosParam?: StoreCosParam;
  /** A JSON object, or the string of one (e.g. `{ camera_control: { type: "simple" } }`). */
  AdditionalParameters?: string | { [key: string]: Json };
  Operator?: string;
}

/** Image models named in the documentation (its revisions differ); others are accepted too. */
export type ImageModelName = "Hunyuan" | "Qwen" | "Vidu" | "Kling" | "GEM" | "MJ";

/** `ExtraParameters` of an image request. */
export interface ImageExtraParameters {
  /** e.g. `"16:9"`, `"1:1"` (MJ takes it in the prompt). */
  AspectRatio?: string;
  /** `"720P"`, `"1080P"`, `"2K"` or `"4K"`. */
  Resolution?: string;
  /** Watermark flag: 1 to add it. */
  LogoAdd?: number;
  /** `"jpeg"` or `"png"`. */
  OutputFormat?: string;
}

/**
 * `CreateAigcImageTask` input. `Prompt` is required unless a reference image is given.
 * Fields this type does not list pass through untouched.
 */
export interface CreateAigcImageTaskRequest {
  ModelName?: ImageModelName | (string & {});
  ModelVersion?: string;
  /** e.g. Hunyuan `"3d_panorama"`. */
  SceneType?: string;
  /** At most 2000 characters (some documentation revisions say 1000 for images). */
  Prompt?: string;
  NegativePrompt?: string;
  EnhancePrompt?: boolean;
  /** Reference images (how many depends on the model: Kling O1 up to 10, Vidu q2 up to 7, ...). */
  ImageInfos?: ImageInfo[];
  /** How many images, a positive integer (1 by default). */
  OutputImageCount?: number;
  ExtraParameters?: ImageExtraParameters;
  /** A JSON object, or the string of one (e.g. `{ size: "1024x1024" }`). */
  AdditionalParameters?: string | { [key: string]: Json };
  StoreCosParam?: StoreCosParam;
  Operator?: string;
}

/** Audio (music) models named in the documentation; others are accepted too. */
export type AudioModelName = "GL" | "MiniMaxMusic";

/** A reference video of a music request (music is made for it). */
export interface AudioReferenceVideoInfo {
  VideoUrl?: string;
}

/** `ExtraParameters` of a music request. */
export interface AudioExtraParameters {
  ResourceId?: string;
}

/**
 * `CreateAigcAudioTask` input (music). `Prompt` is required unless a reference video or audio is
 * given. Fields this type does not list pass through untouched.
 */
export interface CreateAigcAudioTaskRequest {
  ModelName?: AudioModelName | (string & {});
  /** GL `"3.0-clip"`, `"3.0-pro"`; MiniMaxMusic `"2.0"`, `"2.5"`, `"2.6"`. */
  ModelVersion?: string;
  /** `"music"`. */
  SceneType?: string;
  /** At most 2000 characters. */
  Prompt?: string;
  VideoInfos?: AudioReferenceVideoInfo[];
  AudioInfos?: AudioInfo[];
  /** `"mp3"` or `"wav"`. */
  OutputAudioFormat?: string;
  StoreCosParam?: StoreCosParam;
  ExtraParameters?: AudioExtraParameters;
  /** A JSON object, or the string of one (e.g. MiniMaxMusic `{ is_instrumental: true }`). */
  AdditionalParameters?: string | { [key: string]: Json };
  Operator?: string;
}

/** What a create of any kind resolves to. */
export interface CreateAigcTaskResult {
  TaskId: string;
  RequestId: string;
  [field: string]: unknown;
}

export type CreateAigcVideoTaskResult = CreateAigcTaskResult;
export type CreateAigcImageTaskResult = CreateAigcTaskResult;
export type CreateAigcAudioTaskResult = CreateAigcTaskResult;

export type TaskStatus = "WAIT" | "RUN" | "DONE" | "FAIL";

export interface DescribeAigcVideoTaskResult {
  Status: TaskStatus | (string & {});
  /** On DONE; the URLs are valid for 12 hours. Always present, empty before DONE. */
  VideoUrls: string[];
  /** e.g. `"1920x1088"`. */
  Resolution?: string;
  /** On FAIL: why. */
  Message?: string;
  RequestId: string;
  [field: string]: unknown;
}

export interface DescribeAigcImageTaskResult {
  Status: TaskStatus | (string & {});
  /** On DONE; the URLs are valid for 12 hours. Always present, empty before DONE. */
  ImageUrls: string[];
  /** On FAIL: why. */
  Message?: string;
  RequestId: string;
  [field: string]: unknown;
}

/** One output of a music task. */
export interface AudioOutput {
  /** Valid for 12 hours. */
  Url: string;
  /** Seconds. */
  Duration?: number;
}

export interface DescribeAigcAudioTaskResult {
  Status: TaskStatus | (string & {});
  /** On FAIL: why. */
  Message?: string;
  /** On DONE: the music. Always present, empty before DONE. */
  AudioInfos: AudioOutput[];
  /** On DONE, for a reference video: the video with its music. Always present. */
  VideoInfos: AudioOutput[];
  RequestId: string;
  [field: string]: unknown;
}

export declare class MpsClient {
  constructor(options: MpsClientOptions);
  createAigcVideoTask(request: CreateAigcVideoTaskRequest, options?: CallOptions): Promise<CreateAigcVideoTaskResult>;
  describeAigcVideoTask(taskId: string, options?: CallOptions): Promise<DescribeAigcVideoTaskResult>;
  waitAigcVideoTask(taskId: string, options?: WaitOptions<DescribeAigcVideoTaskResult>): Promise<DescribeAigcVideoTaskResult>;
  createAigcImageTask(request: CreateAigcImageTaskRequest, options?: CallOptions): Promise<CreateAigcImageTaskResult>;
  describeAigcImageTask(taskId: string, options?: CallOptions): Promise<DescribeAigcImageTaskResult>;
  waitAigcImageTask(taskId: string, options?: WaitOptions<DescribeAigcImageTaskResult>): Promise<DescribeAigcImageTaskResult>;
  createAigcAudioTask(request: CreateAigcAudioTaskRequest, options?: CallOptions): Promise<CreateAigcAudioTaskResult>;
  describeAigcAudioTask(taskId: string, options?: CallOptions): Promise<DescribeAigcAudioTaskResult>;
  waitAigcAudioTask(taskId: string, options?: WaitOptions<DescribeAigcAudioTaskResult>): Promise<DescribeAigcAudioTaskResult>;
  /** Short for `createAigcVideoTask`. */
  create(request: CreateAigcVideoTaskRequest, options?: CallOptions): Promise<CreateAigcVideoTaskResult>;
  /** Short for `describeAigcVideoTask`. */
  describe(taskId: string, options?: CallOptions): Promise<DescribeAigcVideoTaskResult>;
  /** Short for `waitAigcVideoTask`. */
  wait(taskId: string, options?: WaitOptions): Promise<DescribeAigcVideoTaskResult>;
  /** Any MPS action (API 2019-06-12) with a JSON payload; resolves with its `Response` object. */
  call(action: string, payload?: { [key: string]: Json | undefined }, options?: CallOptions): Promise<{ [field: string]: unknown }>;
  /** The endpoint and settings, without any secret. */
  toJSON(): { [field: string]: unknown };
  toString(): string;
}

export interface SignTc3Options {
  secretId: string;
  secretKey: string;
  token?: string;
  /** e.g. `"CreateAigcVideoTask"`. */
  action: string;
  /** The exact body that will be sent (a string is signed as its UTF-8 bytes). */
  body: string | Uint8Array | ArrayBuffer;
  /** Default `"mps"`. */
  service?: string;
  /** Default `"mps.tencentcloudapi.com"`; a port is not signed. */
  host?: string;
  /** Default `"2019-06-12"`. */
  version?: string;
  /** Unix seconds. Default: now. */
  timestamp?: number;
  /** Default `"application/json"`. */
  contentType?: string;
  region?: string;
  language?: string;
  /** Also sign `x-tc-action` (the documentation's newer form). Default false. */
  signActionHeader?: boolean;
}

export interface SignTc3Result {
  authorization: string;
  signature: string;
  /** Every header to send except Host: Authorization, Content-Type, X-TC-Action, X-TC-Timestamp, X-TC-Version, and X-TC-Region, X-TC-Token, X-TC-Language when set. */
  headers: Record<string, string>;
}

/**
 * TC3-HMAC-SHA256 for one request. In Node it runs on the proxy's wasm, which it reads on first use
 * (a Node client's wasm has a client alone), and throws a `ClientNotReady` `MpsError` naming
 * `mps_aigc_proxy_bg.wasm` if that file cannot be read; so do the advisers and `redactSecrets`.
 */
export declare function signTc3(options: SignTc3Options): SignTc3Result;

export interface Advice {
  field: string;
  message: string;
}

/**
 * Model-specific advice (never a refusal): a request create would refuse still gets the advice its
 * readable fields allow. Throws `MpsError` only for a value that is not JSON data (NaN, a cyclic object, ...).
 */
export declare function adviseAigcVideoTask(request: CreateAigcVideoTaskRequest): Advice[];
/** Model-specific advice for an image request (never a refusal). */
export declare function adviseAigcImageTask(request: CreateAigcImageTaskRequest): Advice[];
/** Model-specific advice for a music request (never a refusal). */
export declare function adviseAigcAudioTask(request: CreateAigcAudioTaskRequest): Advice[];

export interface SigningProxyOptions {
  /** The proxy's own keys (or `credentials`); callers never see them. */
  secretId?: string;
  secretKey?: string;
  token?: string;
  credentials?: () => Credentials | Promise<Credentials>;
  /** Where requests go. Default `"https://mps.tencentcloudapi.com"`; never taken from a request. */
  upstream?: string;
  /** `X-TC-Region` sent upstream; the caller's is ignored. */
  region?: string;
  /** Actions forwarded. Default: every AIGC create and describe action (video, image, audio). */
  allowActions?: string[];
  /** Checks tokens made by `mintProxyToken` (at least 32 bytes); a list to rotate: every entry verifies, the first mints. */
  tokenSecret?: string | string[];
  /** Static bearer tokens for servers and scripts (at least 16 characters each), compared in constant time. Each is one subject. */
  proxyTokens?: string[];
  /** Your own check of callers without a token of the proxy's own (a session cookie, a JWT as `Bearer`, another scheme): `null` refuses (401). Within `timeoutMs`. */
  authorize?: (request: RequestLike) => ProxyCallerInfo | null | undefined | Promise<ProxyCallerInfo | null | undefined>;
  /** Anyone whose Origin is in `allowOrigins` may call, as the one subject "anonymous". Needs `allowOrigins` without `"*"`. */
  allowAnonymous?: boolean;
  /** Browser origins allowed to call (and answered in CORS preflights); `"*"` only together with a real caller check. */
  allowOrigins?: string[];
  /** Per subject. Default `{ createsPerMinute: 6, createsPerDay: 200, describesPerSecond: 5 }`. */
  limits?: ProxyLimits;
  /** Where quotas are counted. Default: in memory (per process or isolate). */
  store?: ProxyStore;
  /**
   * Pace what the proxy forwards to the account's documented limits, in every isolate (the
   * coordinator of `mps-aigc/cloudflare`, as for `MpsClientOptions.coordinator`). Default: not paced.
   */
  coordinator?: DurableObjectNamespaceLike | { namespace: DurableObjectNamespaceLike; name?: string } | RateCoordinator;
  /**
   * Your own body check, replacing the default (which refuses `StoreCosParam`): return a body to send
   * instead (a plain object), a `Response` to answer with (the runtime's or another library's), or
   * nothing to send it as it is. Anything else is a 500. Within `timeoutMs`.
   */
  checkBody?: (action: string, body: { [field: string]: Json }, caller: ProxyCaller) => { [field: string]: Json } | ResponseLike | undefined | Promise<{ [field: string]: Json } | ResponseLike | undefined>;
  /** The largest body forwarded. Default 65536, at most 1048576. */
  maxBodyBytes?: number;
  /** The fetch used upstream. Default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Upstream time limit per request. Default 25000. */
  timeoutMs?: number;
  /** How long a caller may take to send its body. Default 10000. */
  bodyTimeoutMs?: number;
  /** The one path served, as a URL parser gives it: one it would rewrite (`..`, `%2e`, `\`, `?`) is refused. Default `"/"`. */
  path?: string;
}

/** A subject's limits: counted in sliding windows. */
export interface ProxyLimits {
  /** Creates (and any action that is not a `Describe*`) in any minute. Default 6. */
  createsPerMinute?: number;
  /** The same in any 24 hours. Default 200. */
  createsPerDay?: number;
  /** Describes in any second. Default 5. */
  describesPerSecond?: number;
}

/** What `authorize` resolves to for a caller it accepts. */
export interface ProxyCallerInfo {
  /** Whom the caller acts for: 1 to 256 characters. Quotas and task ownership follow it. */
  subject: string;
  /** This subject's limits, over the proxy's. */
  limits?: ProxyLimits;
}

/** A caller the proxy accepted, as `checkBody` sees it. */
export interface ProxyCaller {
  subject: string;
  limits: Required<ProxyLimits>;
  /** Narrower actions, when the caller's token names them. */
  actions?: string[];
}

/** Where a proxy counts quotas: e.g. a Durable Object for a fleet (`coordinatorStore`). */
export interface ProxyStore {
  /**
   * Takes one place for `key` in every window (`[windowMs, max]`) at `nowMs` if each has room:
   * resolves 0; otherwise takes nothing and resolves the ms until each has room again (more than 0,
   * `Infinity` for never). Anything else, or a throw, refuses the request (500).
   */
  take(key: string, windows: [number, number][], nowMs: number): number | Promise<number>;
  /**
   * Optional: gives back the newest place `key` took, because its request was refused before it was
   * sent (the account's rate limit gave no turn in time, or the credentials function failed), so
   * nothing was made. Not awaited; what it throws or rejects is ignored.
   */
  giveBack?(key: string): unknown;
}

/** The options of `mintProxyToken`. */
export interface MintProxyTokenOptions {
  /** The proxy's `tokenSecret` (the first, when rotating). */
  tokenSecret: string | string[];
  /** Whom the token acts for (your user's id): 1 to 256 characters. */
  subject: string;
  /** How long it lives. Default 900. */
  ttlSeconds?: number;
  /** Narrower actions than the proxy allows. */
  actions?: string[];
  /** Other limits for this subject. */
  limits?: ProxyLimits;
}

/**
 * A short-lived proxy token for one subject, for your app's server to hand its signed-in user's
 * page. It loads the proxy's wasm if it is not loaded (in a browser entry it is fetched, and this
 * throws `ClientNotReady` until it has arrived).
 */
export declare function mintProxyToken(options: MintProxyTokenOptions): string;

/** The shape of a fetch Request the proxy reads. */
export interface RequestLike {
  readonly method: string;
  readonly url: string;
  readonly headers: { get(name: string): string | null };
  readonly body?: unknown;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * A signing proxy: a fetch handler (usable as `export default { fetch }` in a Worker) that signs
 * callers' requests with its own keys and forwards them upstream. It never rejects. Requires a caller
 * check: `tokenSecret`, `proxyTokens`, `authorize` or `allowAnonymous`. Throws an `MpsError` for bad
 * options, and in Node a `ClientNotReady` one when the proxy's wasm cannot be read.
 */
export declare function createSigningProxy<R = PlatformResponse>(options: SigningProxyOptions): (request: RequestLike) => Promise<R>;

/** How a field of a request or result is typed, as the Rust tables say. */
export interface FieldSpec {
  type: "string" | "boolean" | "integer" | "number" | "count" | "strings" | "object" | "objects" | "json-text";
  /** The nested fields of an `object` or of each item of `objects`. */
  fields?: { [name: string]: FieldSpec };
}

/** One task kind of MPS AIGC, as the Rust tables describe it. */
export interface TaskKind {
  /** `video`, `image` or `audio`. */
  name: string;
  /** The word in its action and method names: `Video`. */
  noun: string;
  /** The create action, e.g. `CreateAigcVideoTask`. */
  create: string;
  /** The describe action. */
  describe: string;
  createsPerSecond: number;
  describesPerSecond: number;
  /** The create request's fields, in the API's order. */
  request: { [name: string]: FieldSpec };
  /** The describe result's fields. */
  result: { [name: string]: FieldSpec };
  /** Fields any of which makes `Prompt` optional. */
  promptOptionalWith: string[];
  /** Where a DONE result keeps its outputs: a list field, and the member of each item with the URL (null: the items are URLs). */
  outputs: { field: string; member: string | null }[];
  /** Documented models (others are accepted too). */
  models: string[];
  /** Documented versions, by model. */
  versions: { [model: string]: string[] };
}

/** The task kinds this package knows, from the Rust tables: data for forms and tools. */
export declare const taskKinds: readonly TaskKind[];

/** Whether an error is a refusal of bad input (a code starting `InvalidParameter` or `MissingParameter`), made before anything was sent. */
export declare function isBadInput(error: unknown): boolean;

/** `text` with each of `secrets` (8 characters or more) replaced by `** REDACTED **`: the redaction the client applies to what servers say, for text of your own. */
export declare function redactSecrets(text: string, secrets: Iterable<string>): string;

/**
 * The WebAssembly memory's size in bytes (0 before a wasm is loaded; the client's and the proxy's
 * together where both are). It grows as needed and never shrinks.
 */
export declare function wasmMemoryBytes(): number;

/**
 * Resolves once the client's WebAssembly is loaded: at once in Node, Workers and Deno; browsers fetch it
 * (from beside the package's `browser.mjs`, or where the bundler put it). `wasm`, the URL of
 * `mps_aigc_bg.wasm`, is for bundles that cannot know it (an IIFE run inline, a CDN): a load that
 * failed, or fails, is retried from there. In Node, `wasm` is the path or `file:` URL of the Node
 * client's `mps_aigc_node_bg.wasm` (for a program bundled into one file that ships the wasm
 * elsewhere), and the proxy's wasm is looked for
 * in the same folder; a file that is not there is then looked for where the package ships it. Rejects with a `ClientNotReady` `MpsError` whose message names each URL tried
 * and what it answered.
 */
export declare function ready(wasm?: string | { readonly href: string }): Promise<void>;

export type ClientErrorCode =
  | "ClientNetworkError"
  | "ClientTimeout"
  | "ServerNetworkError"
  | "InvalidResponse"
  | "TaskFailed"
  | "WaitTimeout"
  | "ClientCredentialsError"
  | "ClientCallbackError"
  | "ClientNotReady"
  | "ClientCoordinatorError"
  | "KeyConflict"
  | "ResourceNotFound"
  | "InvalidParameter"
  | "InvalidParameterValue"
  | "MissingParameter";

export interface MpsErrorFields {
  code: string;
  retryable?: boolean;
  maybeCreated?: boolean;
  requestId?: string;
  httpStatus?: number;
  action?: string;
  taskId?: string;
  lastStatus?: string;
  retryAfterMs?: number;
}

/** Every failure except an abort: a Tencent error code or a client code. */
export declare class MpsError extends Error {
  constructor(message: string, fields: MpsErrorFields, cause?: unknown);
  /** Tencent's code (e.g. `"AuthFailure.SignatureFailure"`) or a client code. */
  readonly code: ClientErrorCode | (string & {});
  readonly retryable: boolean;
  /** A create that may have made a task although it failed. */
  readonly maybeCreated: boolean;
  readonly requestId?: string;
  readonly httpStatus?: number;
  readonly action?: string;
  readonly taskId?: string;
  readonly lastStatus?: string;
  /** How long until a quota resets, when the server said (`Retry-After`), in ms. */
  readonly retryAfterMs?: number;
}

/** The task ended with `Status: "FAIL"`; the message includes the server's `Message`. */
export declare class TaskFailedError extends MpsError {
  readonly code: "TaskFailed";
  readonly taskId: string;
}

/**
 * The wait's deadline passed; `lastStatus` is the last `Status` seen. `taskId` is the task's, but
 * for a durable task (`mps-aigc/cloudflare`) whose wait ended before it was created.
 */
export declare class WaitTimeoutError extends MpsError {
  readonly code: "WaitTimeout";
  readonly taskId?: string;
}
