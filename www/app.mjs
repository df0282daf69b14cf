// The demo page: build a CreateAigcVideoTask request from the form, create the task through the
// signing proxy, follow it live, and show the video (or why there is none).
import { MpsClient, MpsError, TaskFailedError, WaitTimeoutError, adviseAigcVideoTask, ready, taskKinds } from "mps-aigc";

const $ = (id) => document.getElementById(id);
const VIDEO_LIFETIME_MS = 12 * 60 * 60 * 1000; // VideoUrls are kept 12 hours

// The documented models and their versions, from the package's tables (any value is accepted).
const VIDEO = taskKinds.find((k) => k.name === "video");

let client;
let running; // { controller, ticker } while a task is followed
let countdown; // the timer of the "URL expires in" line

/** The request the form describes: only the fields that were filled in. */
function readForm() {
  const text = (id) => $(id).value.trim() || undefined;
  const checked = (id) => ($(id).checked ? true : undefined);
  const request = {
    ModelName: text("ModelName"),
    ModelVersion: text("ModelVersion"),
    SceneType: text("SceneType"),
    Prompt: text("Prompt"),
    NegativePrompt: text("NegativePrompt"),
    EnhancePrompt: checked("EnhancePrompt"),
    ImageUrl: text("ImageUrl"),
    LastImageUrl: text("LastImageUrl"),
  };
  const refs = $("ImageInfos").value.split("\n").map((s) => s.trim()).filter(Boolean);
  if (refs.length) request.ImageInfos = refs.map((ImageUrl) => ({ ImageUrl }));
  const duration = $("Duration").value.trim();
  // Passed as typed so that "abc" or "2.5" is refused by the library with a clear message.
  if (duration) request.Duration = Number.isFinite(Number(duration)) ? Number(duration) : duration;
  const extra = {
    Resolution: text("Resolution"),
    AspectRatio: text("AspectRatio"),
    EnableAudio: checked("EnableAudio"),
    EnableBgm: checked("EnableBgm"),
    LogoAdd: $("LogoAdd").checked ? 1 : undefined,
    OffPeak: checked("OffPeak"),
  };
  if (Object.values(extra).some((v) => v !== undefined)) request.ExtraParameters = extra;
  const additional = text("AdditionalParameters");
  if (additional) {
    try {
      request.AdditionalParameters = JSON.parse(additional);
    } catch {
      request.AdditionalParameters = additional; // the library says what is wrong with it
    }
  }
  return request;
}

/** Model-specific advice as the user types; refusals only show once they press the button. */
function showAdvice() {
  const list = $("advice");
  list.replaceChildren();
  $("prompt-count").textContent = `${[...$("Prompt").value].length} / 2000`;
  let advice = [];
  try {
    advice = adviseAigcVideoTask(readForm());
  } catch {
    return; // incomplete input: nothing to advise yet
  }
  for (const { field, message } of advice) {
    const item = document.createElement("li");
    item.textContent = `${field}: ${message}`;
    list.append(item);
  }
}

function listModels() {
  $("ModelName").replaceChildren(...VIDEO.models.map((m) => Object.assign(document.createElement("option"), { textContent: m })));
}

function suggestVersions() {
  const options = (VIDEO.versions[$("ModelName").value] ?? []).map((v) => Object.assign(document.createElement("option"), { value: v }));
  $("versions").replaceChildren(...options);
}

function show(id, text) {
  const el = $(id);
  el.hidden = text === undefined;
  if (text !== undefined) el.textContent = text;
}

function resetOutput() {
  for (const id of ["result", "failure", "error", "form-error"]) show(id, undefined);
  $("result").hidden = true;
  $("video").removeAttribute("src");
  clearInterval(countdown);
}

function describeError(e) {
  if (!(e instanceof MpsError)) return String(e?.message ?? e);
  let text = `${e.code}: ${e.message}`;
  if (e.requestId) text += ` (RequestId ${e.requestId})`;
  if (e.maybeCreated) text += ". A task may have been created anyway: check before creating another.";
  if (e.taskId && !(e instanceof TaskFailedError)) text += ` Task ${e.taskId}.`;
  return text;
}

function formatDuration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${m} min` : m ? `${m} min ${s % 60} s` : `${s} s`;
}

async function create(event) {
  event.preventDefault();
  if (running) return;
  resetOutput();
  const request = readForm();
  const controller = new AbortController();
  const started = performance.now();
  let polls = 0;
  const ticker = setInterval(() => ($("elapsed").textContent = formatDuration(performance.now() - started)), 250);
  running = { controller, ticker };
  $("submit").disabled = true;
  $("cancel").disabled = false;
  $("progress").hidden = false;
  $("state").textContent = "creating…";
  $("task-id").textContent = "—";
  $("polls").textContent = "0";
  let taskId;
  try {
    ({ TaskId: taskId } = await client.create(request, { signal: controller.signal }));
    $("task-id").textContent = taskId;
    $("state").textContent = "WAIT";
    const done = await client.wait(taskId, {
      signal: controller.signal,
      intervalMs: 1000,
      maxIntervalMs: 5000,
      onUpdate: (r) => {
        $("state").textContent = r.Status;
        $("polls").textContent = String(++polls);
      },
    });
    showVideo(done);
  } catch (e) {
    if (controller.signal.aborted) {
      $("state").textContent = "cancelled";
      show("error", taskId ? `Stopped waiting. Task ${taskId} keeps running on the server.` : "Cancelled.");
    } else if (e instanceof TaskFailedError) {
      $("state").textContent = "FAIL";
      show("failure", e.message);
    } else {
      if (e instanceof WaitTimeoutError) $("state").textContent = `gave up (${e.lastStatus ?? "no status"})`;
      else $("state").textContent = "error";
      // Refusals of the request itself belong next to the form.
      const target = e instanceof MpsError && /^(InvalidParameter|MissingParameter)/.test(e.code) && !taskId ? "form-error" : "error";
      show(target, describeError(e));
    }
  } finally {
    clearInterval(ticker);
    $("elapsed").textContent = formatDuration(performance.now() - started);
    running = undefined;
    $("submit").disabled = false;
    $("cancel").disabled = true;
  }
}

function showVideo(done) {
  const url = done.VideoUrls[0];
  const expiresAt = Date.now() + VIDEO_LIFETIME_MS;
  $("video").src = url;
  $("download").href = url;
  $("resolution").textContent = done.Resolution || "";
  const update = () => ($("expires").textContent = `URL expires in ${formatDuration(expiresAt - Date.now())}`);
  update();
  countdown = setInterval(update, 30_000);
  $("result").hidden = false;
}

async function main() {
  for (const id of ["ModelName", "ModelVersion", "Prompt", "Duration", "Resolution", "AspectRatio", "ImageUrl", "LastImageUrl", "ImageInfos", "AdditionalParameters"]) {
    $(id).addEventListener("input", showAdvice);
  }
  $("ModelName").addEventListener("change", () => {
    suggestVersions();
    showAdvice();
  });
  $("request").addEventListener("submit", create);
  $("cancel").addEventListener("click", () => running?.controller.abort());
  listModels();
  suggestVersions();
  try {
    const config = await (await fetch("config.json")).json();
    client = new MpsClient({ endpoint: config.proxyUrl, proxyToken: config.proxyToken });
    await ready();
    $("mode").textContent = config.mode === "live" ? `live: Tencent Cloud MPS${config.region ? ` (${config.region})` : ""}` : "mock MPS";
    $("mode").dataset.mode = config.mode;
    showAdvice();
  } catch (e) {
    $("mode").textContent = "offline";
    show("error", `Could not start: ${describeError(e)}`);
  }
}

main();
