// Copying what a DONE task made into R2 before its URLs expire: each output is streamed from the
// result URL into the bucket (never held whole in memory), its length checked against what the
// server announced, and recorded as soon as it is stored, so a retry copies only what is missing.
import { KIND_SCHEMAS } from "../vocab.js";

/** One output's download may take this long, body included (a large video over a slow link). */
const COPY_TIMEOUT_MS = 10 * 60_000;
/** R2's smallest multipart part (all but the last): an output of unknown length goes up in these. */
const PART_BYTES = 5 * 1024 * 1024;

/** The URLs of what a DONE result made, where its kind keeps them (`outputs`, of the kind's schemas). */
export function outputUrls(kind, result) {
  const urls = [];
  for (const { field, member } of kind.outputs) {
    for (const entry of Array.isArray(result?.[field]) ? result[field] : []) {
      const url = member ? entry?.[member] : entry;
      if (typeof url === "string" && url !== "") urls.push(url);
    }
  }
  return urls;
}

/** The R2 key of output `index` (from 0): `<prefix><key>/<n><.ext of the URL's file>`. */
export function storedKey(copyTo, key, index, url) {
  let ext = "";
  try {
    const file = new URL(url).pathname.split("/").pop() ?? "";
    const m = /\.[A-Za-z0-9]{1,8}$/.exec(file);
    if (m) ext = m[0].toLowerCase();
  } catch {}
  return `${copyTo.prefix ?? ""}${key}/${index + 1}${ext}`;
}

/**
 * Copies the first output not yet stored and records it; resolves with whether any are left. One
 * output a step: an alarm may run for 15 minutes, one download may take 10, and a task may have
 * several outputs. Throws if that copy fails (what was stored before stays recorded).
 */
export async function copyNext(task, tools) {
  const { record, work } = task;
  const urls = outputUrls(KIND_SCHEMAS[work.kind], record.result);
  const i = record.stored.length;
  if (i >= urls.length) return false;
  const key = storedKey(work.copyTo, record.key, i, urls[i]);
  await copyOne(tools.bucket(work.copyTo.bucket), urls[i], key, record.TaskId, tools.fetch);
  record.stored.push(key);
  return i + 1 < urls.length;
}

async function copyOne(bucket, url, key, taskId, fetch) {
  const response = await fetch(url, { signal: AbortSignal.timeout(COPY_TIMEOUT_MS) });
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => {});
    throw new Error(`downloading output ${key.split("/").pop()} answered HTTP ${response.status}`);
  }
  const options = {
    httpMetadata: { contentType: response.headers.get("content-type") ?? undefined },
    customMetadata: { taskId: taskId ?? "" },
  };
  const declared = response.headers.get("content-length");
  if (declared !== null && /^[0-9]{1,15}$/.test(declared.trim())) {
    const length = Number(declared);
    // The stream R2 reads ends with an error if the download gives fewer or more bytes than that.
    const { readable, writable } = new FixedLengthStream(length);
    const [stored] = await Promise.all([bucket.put(key, readable, options), response.body.pipeTo(writable)]);
    if (stored?.size !== length) throw new Error(`stored ${stored?.size} bytes of ${length} for ${key}`);
    return;
  }
  await putInParts(bucket, key, response.body, options);
}

/**
 * Streams a body of unknown length into R2 as a multipart upload, one part in memory at a time.
 * R2 wants every part but the last of one size, so parts are cut at exactly PART_BYTES.
 */
async function putInParts(bucket, key, body, options) {
  const upload = await bucket.createMultipartUpload(key, options);
  try {
    const parts = [];
    const reader = body.getReader();
    let part = new Uint8Array(PART_BYTES);
    let filled = 0;
    const send = async (bytes) => parts.push(await upload.uploadPart(parts.length + 1, bytes));
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (let at = 0; at < value.length; ) {
        const n = Math.min(value.length - at, PART_BYTES - filled);
        part.set(value.subarray(at, at + n), filled);
        filled += n;
        at += n;
        if (filled === PART_BYTES) {
          await send(part);
          part = new Uint8Array(PART_BYTES);
          filled = 0;
        }
      }
    }
    if (filled > 0 || parts.length === 0) await send(part.subarray(0, filled));
    await upload.complete(parts);
  } catch (e) {
    await upload.abort().catch(() => {});
    throw e;
  }
}
