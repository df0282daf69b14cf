// Types for mps-aigc/cloudflare: the Durable Object coordinator, durable tasks and the proxy's
// store. Cloudflare's own types (@cloudflare/workers-types) are not needed: bindings are typed by
// shape, and the real ones fit.
import type {
  AbortSignalLike,
  CreateAigcAudioTaskRequest,
  CreateAigcImageTaskRequest,
  CreateAigcVideoTaskRequest,
  DescribeAigcAudioTaskResult,
  DescribeAigcImageTaskResult,
  DescribeAigcVideoTaskResult,
  DurableObjectNamespaceLike,
  ProxyStore,
} from "./index.js";

export type { DurableObjectNamespaceLike } from "./index.js";

/**
 * The Durable Object. Export it from your Worker and bind it (wrangler.toml
 * `[[durable_objects.bindings]]`, `new_sqlite_classes` migration); it signs with its Worker's
 * TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY (and TENCENTCLOUD_SESSION_TOKEN,
 * TENCENTCLOUD_REGION, MPS_ENDPOINT). Its methods are called by `mpsTasks`, `coordinatorStore`
 * and the client's `coordinator` option; call them through those.
 */
export declare class MpsCoordinator {
  constructor(ctx: unknown, env: unknown);
  /** Called by the runtime. */
  alarm(): Promise<void>;
  /** What this instance has been asked, by method, its tasks by status, and its WebAssembly memory's size. */
  stats(): { calls: Record<string, number>; tasks: Partial<Record<TaskRecordStatus, number>>; memoryBytes: number | undefined };
}

export type TaskKindName = "video" | "image" | "audio";

/** PENDING: not yet sent; UNKNOWN: a create whose outcome is unknown (never re-sent by itself). */
export type TaskRecordStatus = "PENDING" | "WAIT" | "RUN" | "DONE" | "FAIL" | "UNKNOWN";

export interface TaskRecordError {
  code: string;
  message: string;
  requestId?: string;
  httpStatus?: number;
  retryable?: boolean;
  maybeCreated?: boolean;
}

/** A durable task, as `submit`, `get`, `wait`, `list` and the webhook show it. */
export interface TaskRecord<R = DescribeAigcVideoTaskResult | DescribeAigcImageTaskResult | DescribeAigcAudioTaskResult> {
  /** The idempotency key it was submitted with. */
  key: string;
  kind: TaskKindName;
  /** Null until created. */
  TaskId: string | null;
  status: TaskRecordStatus;
  /** The last describe result. */
  result: R | null;
  /** The R2 keys written, one per output: `<prefix><key>/<n><.ext>`. */
  stored: string[];
  /** Why it failed, is UNKNOWN, or stopped being polled (WaitTimeout after `poll.timeoutMs`). */
  error: TaskRecordError | null;
  /** Whether a task may exist although none is recorded (status UNKNOWN). */
  maybeCreated: boolean;
  /** Describes sent. */
  polls: number;
  /** Unix milliseconds. */
  createdAt: number;
  updatedAt: number;
  /** When the webhook was answered 2xx. */
  deliveredAt: number | null;
  /** Why outputs are not (yet) in R2; "gave up ..." once the result URLs expired. */
  copyError: TaskRecordError | null;
  /** Why the webhook is not (yet) delivered; "gave up ..." after 24 hours. */
  deliveryError: (TaskRecordError & { attempts: number }) | null;
}

/**
 * What a webhook POSTs: the settled record, and the delivery it is, under the signature. The id
 * and the bytes stay the same across the retries of one delivery; drop ids you have seen, and
 * deliveries whose first attempt is older than the coordinator retries (MPS_NOTIFY_RETRY_MS, 24 h).
 */
export interface TaskWebhookBody extends TaskRecord {
  delivery: {
    /** The same as `X-Mps-Delivery`, which only repeats it. */
    id: string;
    /** Unix milliseconds. */
    firstAttemptAt: number;
  };
}

export interface SubmitOptions {
  /** The idempotency key (1 to 512 characters): the same key never creates a second task. */
  key: string;
  /** Default "video". */
  kind?: TaskKindName;
  /** Copy the outputs into R2: an R2 binding's name in the coordinator's Worker, and a key prefix. */
  copyTo?: { bucket: string; prefix?: string };
  /**
   * POST the settled record here (a {@link TaskWebhookBody}), signed
   * `X-Mps-Signature: sha256=<hex HMAC-SHA256(secret, body)>`, with `X-Mps-Delivery: <id>`.
   */
  notify?: { url: string; secret: string };
  /** Polling: first pause (default 2000 ms), longest (10000), how long before giving up (48 hours). */
  poll?: { intervalMs?: number; maxIntervalMs?: number; timeoutMs?: number };
}

export interface MpsTasks {
  /** Records the task (before it is created) and returns its record; the same key returns the same task. */
  submit(request: CreateAigcVideoTaskRequest, options: SubmitOptions & { kind?: "video" }): Promise<TaskRecord<DescribeAigcVideoTaskResult>>;
  submit(request: CreateAigcImageTaskRequest, options: SubmitOptions & { kind: "image" }): Promise<TaskRecord<DescribeAigcImageTaskResult>>;
  submit(request: CreateAigcAudioTaskRequest, options: SubmitOptions & { kind: "audio" }): Promise<TaskRecord<DescribeAigcAudioTaskResult>>;
  /** The record, or null for a key never submitted. */
  get(key: string): Promise<TaskRecord | null>;
  /**
   * The record once settled: DONE (and copied, with copyTo), FAIL, UNKNOWN, or polling given up
   * (`error`). Rejects with WaitTimeoutError after `timeoutMs` (default none), or the signal's reason.
   */
  wait(key: string, options?: { signal?: AbortSignalLike; timeoutMs?: number }): Promise<TaskRecord>;
  /** Records in submission order, 50 at a time by default (at most 1000); pass `cursor` on for more. */
  list(options?: { status?: TaskRecordStatus; limit?: number; cursor?: string | null }): Promise<{ records: TaskRecord[]; cursor: string | null }>;
  /** Creates an UNKNOWN task again, on purpose. */
  retry(key: string): Promise<TaskRecord>;
}

/** Durable tasks through the coordinator named `name` (default "default"). */
export declare function mpsTasks(namespace: DurableObjectNamespaceLike, options?: { name?: string }): MpsTasks;

/** A `store` for `createSigningProxy`: quotas counted in the coordinator, for every isolate. */
export declare function coordinatorStore(namespace: DurableObjectNamespaceLike, options?: { name?: string }): ProxyStore;
