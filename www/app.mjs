// The demo page: choose a kind (video, image or music), build its create request from the form,
// create the task through the signing proxy, follow it live, and show what it made (or why there
// is nothing).
//
// The kinds come from the package's `taskKinds`: their models, versions, request fields and where a
// DONE result keeps its outputs. The form's controls each name the request field they fill
// (data-field); a control is shown for a kind only when that kind's request has the field.
import * as mps from "mps-aigc";
import { MpsClient, MpsError, TaskFailedError, WaitTimeoutError, ready, taskKinds } from "mps-aigc";

const $ = (id) => document.getElementById(id);
const URL_LIFETIME_MS = 12 * 60 * 60 * 1000; // result URLs are kept 12 hours, for every kind

/** What the page says about each kind; the rest comes from `taskKinds`. */
const PAGE = {
  video: {
    label: "video",
    prompt: "a cat running on grass, cinematic",
    scene: "e.g. motion_control",
    scenes: [],
    additional: '{"camera_control":{"type":"simple"}}',
    choices: {
      Resolution: ["540P", "720P", "768P", "1080P", "2K", "4K"],
      AspectRatio: ["16:9", "9:16", "1:1", "4:3", "3:4", "21:9"],
    },
  },
  image: {
    label: "image",
    prompt: "a lighthouse on a cliff at dusk, watercolor",
    scene: "e.g. 3d_panorama",
    scenes: ["3d_panorama"],
    additional: '{"name":"value"}',
    choices: {
      Resolution: ["720P", "1080P", "2K", "4K"],
      AspectRatio: ["16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9"],
    },
  },
  audio: {
    label: "music",
    prompt: "a calm piano piece with soft strings, 80 bpm",
    scene: "music",
    scenes: ["music"],
    additional: '{"name":"value"}',
    choices: {},
  },
};

/** How each output field of a DONE result is shown (the fields come from the kind's `outputs`). */
const MEDIA = { VideoUrls: "video", VideoInfos: "video", ImageUrls: "image", AudioInfos: "audio" };

let kind = taskKinds.find((k) => k.name === "video");
let client;
let running; // { controller, ticker } while a task is followed
let countdown; // the timer of the "URL expires in" line

const controls = () => [...document.querySelectorAll("#request [data-field]")];

/** The schema entry of a field path such as "ExtraParameters.Resolution" in a kind's request. */
function schemaOf(k, path) {
  let fields = k.request;
  let entry;
  for (const name of path.split(".")) {
    entry = fields?.[name];
    fields = entry?.fields;
  }
  return entry;
}

/** Whether a control belongs to the current kind's form. */
function offered(el) {
  const only = el.dataset.kinds?.split(" ");
  return Boolean(schemaOf(kind, el.dataset.field)) && (!only || only.includes(kind.name));
}

/** A control's value as the field's type wants it, or undefined when it is empty. */
function readControl(el, type) {
  if (el.type === "checkbox") return el.checked ? (type === "integer" ? 1 : true) : undefined;
  const text = el.value.trim();
  if (!text) return undefined;
  switch (type) {
    case "count":
    case "integer":
    case "number":
      // Passed as typed when it is not a number, so that "abc" or "2.5" is refused by the library
      // with a clear message.
      return Number.isFinite(Number(text)) ? Number(text) : text;
    case "objects": {
      const lines = text.split("\n").map((s) => s.trim()).filter(Boolean);
      return lines.map((url) => ({ [el.dataset.member]: url }));
    }
    case "json-text":
      try {
        return JSON.parse(text);
      } catch {
        return text; // the library says what is wrong with it
      }
    default:
      return text;
  }
}

/** The request the form describes for the current kind: only the fields that were filled in. */
function readForm() {
  const request = {};
  for (const el of controls()) {
    if (!offered(el)) continue;
    const value = readControl(el, schemaOf(kind, el.dataset.field).type);
    if (value === undefined) continue;
    const path = el.dataset.field.split(".");
    const last = path.pop();
    let target = request;
    for (const name of path) target = target[name] ??= {};
    target[last] = value;
  }
  return request;
}

/** Model-specific advice as the user types, from the kind's adviser; refusals only show once they press the button. */
function showAdvice() {
  const list = $("advice");
  list.replaceChildren();
  $("prompt-count").textContent = `${[...$("Prompt").value].length} / 2000`;
  let advice = [];
  try {
    advice = mps[`adviseAigc${kind.noun}Task`](readForm());
  } catch {
    return; // incomplete input, or the wasm is still loading: nothing to advise yet
  }
  for (const { field, message } of advice) {
    const item = document.createElement("li");
    item.textContent = `${field}: ${message}`;
    list.append(item);
  }
}

const option = (value, text = value) => Object.assign(document.createElement("option"), { value, textContent: text });

/** Fills a <select> with `values` (after "default"), keeping the current choice when it is still offered. */
function fillSelect(select, values, first) {
  const keep = select.value;
  select.replaceChildren(...(first ? [option("", first)] : []), ...values.map((v) => option(v)));
  if ([...select.options].some((o) => o.value === keep)) select.value = keep;
}

function suggestVersions() {
  $("versions").replaceChildren(...(kind.versions[$("ModelName").value] ?? []).map((v) => option(v)));
}

/** The model, version and scene last chosen for each kind, so that coming back finds them again. */
const chosen = {};

/** Shows the form of kind `name`: its fields, models, versions, scenes and choices. */
function switchKind(name) {
  const before = { ModelName: $("ModelName").value, ModelVersion: $("ModelVersion").value, SceneType: $("SceneType").value };
  if (before.ModelName) chosen[kind.name] = before;
  kind = taskKinds.find((k) => k.name === name);
  const page = PAGE[kind.name] ?? { label: kind.name, prompt: "", scene: "", scenes: [], choices: {}, additional: "" };
  for (const el of controls()) el.closest("label").hidden = !offered(el);
  for (const set of document.querySelectorAll("#request fieldset:not(.kinds)")) {
    set.hidden = ![...set.querySelectorAll("[data-field]")].some(offered);
  }
  fillSelect($("ModelName"), kind.models);
  // Models, versions and scenes belong to a kind. The first time a kind is shown, a model of the
  // same name stays (Kling makes videos and images), with its version if this kind documents it.
  const model = chosen[kind.name]?.ModelName ?? before.ModelName;
  if (kind.models.includes(model)) $("ModelName").value = model;
  const keep = $("ModelName").value === before.ModelName && kind.versions[model]?.includes(before.ModelVersion);
  $("ModelVersion").value = chosen[kind.name]?.ModelVersion ?? (keep ? before.ModelVersion : "");
  $("SceneType").value = chosen[kind.name]?.SceneType ?? "";
  suggestVersions();
  $("scenes").replaceChildren(...page.scenes.map((v) => option(v)));
  $("SceneType").placeholder = page.scene;
  $("Prompt").placeholder = page.prompt;
  $("AdditionalParameters").placeholder = page.additional;
  for (const [id, values] of Object.entries(page.choices)) fillSelect($(id), values, "default");
  $("submit").textContent = `Create ${page.label}`;
  showAdvice();
}

function show(id, text) {
  const el = $(id);
  el.hidden = text === undefined;
  if (text !== undefined) el.textContent = text;
}

function resetOutput() {
  for (const id of ["result", "failure", "error", "form-error"]) show(id, undefined);
  $("result").hidden = true;
  // Emptying a media element's src stops its download too.
  for (const media of $("outputs").querySelectorAll("video, audio")) {
    media.removeAttribute("src");
    media.load();
  }
  $("outputs").replaceChildren();
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
  const k = kind; // the kind of this task, whatever the form shows later
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
    ({ TaskId: taskId } = await client[`createAigc${k.noun}Task`](request, { signal: controller.signal }));
    $("task-id").textContent = taskId;
    $("state").textContent = "WAIT";
    const done = await client[`waitAigc${k.noun}Task`](taskId, {
      signal: controller.signal,
      intervalMs: 1000,
      maxIntervalMs: 5000,
      onUpdate: (r) => {
        $("state").textContent = r.Status;
        $("polls").textContent = String(++polls);
      },
    });
    showResult(k, done);
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

const element = (tag, props = {}, ...children) => {
  const el = Object.assign(document.createElement(tag), props);
  el.append(...children);
  return el;
};

/** "480x270 · 3 s · download": an output's details and its download link. */
function caption(url, ...details) {
  const parts = details.filter(Boolean).flatMap((d) => [d, " · "]);
  return element("figcaption", {}, ...parts, element("a", { href: url, download: "", textContent: "download" }));
}

/** One output: a player or an image, with its caption. */
function output(media, url, { index, count, details }) {
  const number = count > 1 ? ` ${index + 1} of ${count}` : "";
  if (media === "image") {
    const img = element("img", { src: url, alt: `Generated image${number}` });
    img.dataset.testid = "image";
    return element("li", {}, element("figure", {}, element("a", { href: url }, img), caption(url, ...details)));
  }
  if (media === "video" || media === "audio") {
    const player = element(media, { src: url, controls: true, preload: "metadata" });
    if (media === "video") player.playsInline = true;
    player.dataset.testid = media;
    player.setAttribute("aria-label", `${media === "video" ? "Video" : "Music"}${number}`);
    return element("figure", {}, player, caption(url, ...details));
  }
  return element("figure", {}, caption(url, ...details));
}

/** The images, as a grid of links to each one. */
function imageGrid(items) {
  const grid = element("ul", { className: "images" }, ...items);
  grid.dataset.testid = "images";
  grid.setAttribute("aria-label", "Images");
  return grid;
}

/** Shows what a DONE task made: every URL of every output field of its kind. */
function showResult(k, done) {
  const expiresAt = Date.now() + URL_LIFETIME_MS;
  const outputs = $("outputs");
  let urls = 0;
  for (const { field, member } of k.outputs) {
    const items = (done[field] ?? []).filter((item) => (member ? item?.[member] : item));
    const media = MEDIA[field];
    const shown = items.map((item, index) => {
      const url = member ? item[member] : item;
      const details = [];
      if (media === "image" && items.length > 1) details.push(`Image ${index + 1}`);
      if (field === "VideoUrls") details.push(done.Resolution);
      if (field === "VideoInfos" && k.name !== "video") details.push("The video with its music");
      if (typeof item?.Duration === "number") details.push(formatDuration(item.Duration * 1000));
      return output(media, url, { index, count: items.length, details });
    });
    urls += shown.length;
    if (media !== "image") outputs.append(...shown);
    else if (shown.length) outputs.append(imageGrid(shown));
  }
  $("result-title").textContent = { video: "Video", image: urls > 1 ? "Images" : "Image", audio: "Music" }[k.name] ?? k.noun;
  $("result").hidden = false;
  if (!urls) {
    outputs.append(element("p", { textContent: "The task is done but returned no URL." }));
    $("expires").textContent = "";
    return;
  }
  const update = () =>
    ($("expires").textContent = `${urls > 1 ? "URLs expire" : "URL expires"} in ${formatDuration(expiresAt - Date.now())}`);
  update();
  countdown = setInterval(update, 30_000);
}

/**
 * The page's proxy tokens, from its server's /token endpoint (the app's signed-in session mints
 * them): the current one, renewed in the background at half its life, and at once if it is about
 * to expire when asked.
 */
function proxyTokens() {
  let current;
  let pending;
  let timer;
  const renew = () => {
    pending ??= fetch("token", { method: "POST" })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`the token endpoint answered ${r.status}`))))
      .then((t) => {
        current = { ...t, mintedAt: Date.now() };
        clearTimeout(timer);
        timer = setTimeout(renew, Math.max(1000, (t.expiresAt - Date.now()) / 2));
        $("token-renewals").textContent = String(Number($("token-renewals").textContent) + 1);
        return t.token;
      })
      .finally(() => (pending = undefined));
    return pending;
  };
  // A token with less than a quarter of its life (at most a minute) left is renewed before use.
  return () => {
    const margin = current ? Math.min(60_000, (current.expiresAt - current.mintedAt) / 4) : 0;
    return current && current.expiresAt - Date.now() > margin ? current.token : renew();
  };
}

async function main() {
  const form = $("request");
  form.addEventListener("change", (e) => e.target.name === "kind" && switchKind(e.target.value));
  form.addEventListener("input", (e) => e.target.name !== "kind" && showAdvice());
  $("ModelName").addEventListener("change", () => {
    suggestVersions();
    showAdvice();
  });
  form.addEventListener("submit", create);
  $("cancel").addEventListener("click", () => running?.controller.abort());
  switchKind(form.elements.kind.value || "video");
  try {
    const config = await (await fetch("config.json")).json();
    // The page never holds a secret: it asks its server for a short-lived proxy token, and the client
    // asks the page for one before every request, so a token renewed in between is simply used.
    client = new MpsClient({ endpoint: config.proxyUrl, proxyToken: proxyTokens() });
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
