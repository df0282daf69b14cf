// The error classes of mps-aigc. The wasm side builds them through `makeError`; the package entry
// re-exports the classes, so `instanceof MpsError` holds for every rejection except an abort.

/** Every failure of a call, except an abort: a Tencent error code or one of the client codes. */
export class MpsError extends Error {
  constructor(message, fields = {}, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "MpsError";
    this.code = fields.code;
    this.retryable = fields.retryable === true;
    this.maybeCreated = fields.maybeCreated === true;
    for (const key of ["requestId", "httpStatus", "action", "taskId", "lastStatus", "retryAfterMs"]) {
      if (fields[key] !== undefined) this[key] = fields[key];
    }
  }
}

/** The task ended with `Status: "FAIL"`; `message` includes the server's `Message`. */
export class TaskFailedError extends MpsError {
  constructor(message, fields = {}, cause) {
    super(message, fields, cause);
    this.name = "TaskFailedError";
  }
}

/** The wait's deadline passed; `taskId` and `lastStatus` tell where things stood. */
export class WaitTimeoutError extends MpsError {
  constructor(message, fields = {}, cause) {
    super(message, fields, cause);
    this.name = "WaitTimeoutError";
  }
}

export function makeError(message, fields, cause) {
  const Class =
    fields.code === "TaskFailed" ? TaskFailedError : fields.code === "WaitTimeout" ? WaitTimeoutError : MpsError;
  return new Class(message, fields, cause);
}
