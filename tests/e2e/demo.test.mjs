// The demo end to end in headless Chromium (Playwright with Debian's Chromium): the page, the
// signing proxy in workerd and the mock, as `scripts/demo` starts them. Screenshots are kept in
// tests/out/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdirSync } from "node:fs";
import { chromium } from "playwright-core";
import { startDemo } from "../../www/demo.mjs";
import { EXAMPLE_CREDENTIALS } from "../../mock/mps-mock.mjs";
import { CHROMIUM, CHROMIUM_FLAGS } from "../../tools/chromium.mjs";
import { taskKinds } from "../../pkg/node.mjs";

const shots = new URL("../out/", import.meta.url).pathname;
const FLAGS = [...CHROMIUM_FLAGS, "--autoplay-policy=no-user-gesture-required"];

let demo;
let browser;
let page;
const pageErrors = [];
const seen = []; // every response body the page received

before(async () => {
  mkdirSync(shots, { recursive: true });
  // Tokens live 3 s (renewed at half that): a wait longer than a token's life plus the proxy's
  // 10 s of leeway shows the renewal working.
  demo = await startDemo({ port: 0, env: {}, task: { waitMs: 400, runMs: 1200 }, tokenTtlSeconds: 3 });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.on("response", async (r) => {
    try {
      if (!/\.(wasm|mp4|png|wav)$/.test(r.url())) seen.push(await r.text());
    } catch {}
  });
  await page.goto(demo.url);
  await page.waitForSelector('[data-testid="mode"][data-mode="mock"]');
});

after(async () => {
  await browser?.close();
  // For the whole-suite secret scan (scripts/test): everything the page received.
  if (process.env.MPS_SECRET_SCAN_LOG) appendFileSync(process.env.MPS_SECRET_SCAN_LOG, seen.join("\n") + "\n");
  await demo?.close();
});

const text = (id) => page.textContent(`[data-testid="${id}"]`);

test("the page loads in mock mode and advises on model-specific values", async () => {
  assert.equal(await text("mode"), "mock MPS");
  await page.selectOption("#ModelName", "Kling");
  await page.fill("#ModelVersion", "2.1");
  await page.fill("#Prompt", "a cat playing the piano");
  await page.fill("#Duration", "7");
  await page.waitForFunction(() => document.querySelector("#advice").textContent.includes("Kling documents 5 or 10 seconds, not 7"));
  await page.fill("#Duration", "5");
  await page.waitForFunction(() => document.querySelector("#advice").children.length === 0);
});

test("submit: the status goes through WAIT and RUN to DONE, and the video plays", async () => {
  await page.fill("#Prompt", "a cat playing the piano, warm light");
  await page.selectOption("#Resolution", "1080P");
  const states = new Set();
  const watch = setInterval(async () => states.add(await text("state").catch(() => "")), 50);
  await page.click("#submit");
  await page.waitForFunction(() => document.querySelector('[data-testid="state"]').textContent === "DONE", null, { timeout: 20_000 });
  clearInterval(watch);
  assert.ok(states.has("WAIT") || states.has("RUN"), `saw ${[...states]}`);
  assert.match(await text("task-id"), /^4-AigcVideo-/);
  assert.ok(Number(await text("polls")) >= 2);
  // A real <video>: its metadata loads and it has a duration.
  const duration = await page.waitForFunction(
    () => {
      const v = document.querySelector('[data-testid="video"]');
      return v.readyState >= 1 && v.duration > 0 ? v.duration : false;
    },
    null,
    { timeout: 15_000 },
  );
  assert.ok((await duration.jsonValue()) > 2.5, "the 3-second sample");
  assert.match(await text("expires"), /^URL expires in 1[12] h/);
  await page.screenshot({ path: `${shots}demo-done.png`, fullPage: true });
  // The task was created through the proxy: signed at the mock with the proxy's keys.
  const create = demo.mock.calls("CreateAigcVideoTask").at(-1);
  assert.equal(create.signatureOk, true);
  assert.match(create.body, /"Resolution":"1080P"/);
});

test("a failed task shows the server's message", async () => {
  await page.fill("#Prompt", "please fail this video");
  await page.click("#submit");
  await page.waitForSelector('[data-testid="failure"]:not([hidden])', { timeout: 20_000 });
  assert.equal(await text("state"), "FAIL");
  assert.match(await text("failure"), /refused by content review/);
  assert.ok(await page.isHidden('[data-testid="video"]'));
  await page.screenshot({ path: `${shots}demo-fail.png`, fullPage: true });
});

test("cancel stops waiting at once and says the task keeps running", async () => {
  demo.mock.nextTask({ waitMs: 0, runMs: 60_000 });
  await page.fill("#Prompt", "a very long video");
  await page.click("#submit");
  await page.waitForFunction(() => document.querySelector('[data-testid="state"]').textContent === "RUN", null, { timeout: 10_000 });
  await page.click("#cancel");
  await page.waitForFunction(() => document.querySelector('[data-testid="state"]').textContent === "cancelled", null, { timeout: 2000 });
  assert.match(await text("error"), /keeps running on the server/);
  assert.equal(await page.isEnabled("#submit"), true);
});

test("bad input is refused next to the form, naming the field, with nothing sent", async () => {
  const before = demo.mock.requests.length;
  await page.fill("#Prompt", "");
  await page.click("#submit");
  await page.waitForSelector('[data-testid="form-error"]:not([hidden])');
  assert.match(await text("form-error"), /^MissingParameter: Prompt is required/);
  await page.fill("#Prompt", "x");
  await page.fill("#AdditionalParameters", "not json");
  await page.click("#submit");
  await page.waitForFunction(() => document.querySelector('[data-testid="form-error"]').textContent.includes("AdditionalParameters"));
  assert.equal(demo.mock.requests.length, before);
  await page.fill("#AdditionalParameters", "");
});

const KIND = Object.fromEntries(taskKinds.map((k) => [k.name, k]));

/** The fields of the controls the page shows now, and the ones it hides. */
async function formFields() {
  return page.$$eval("#request [data-field]", (els) => {
    const shown = [];
    const hidden = [];
    for (const el of els) (el.checkVisibility() ? shown : hidden).push(el.dataset.field);
    return { shown, hidden };
  });
}
const options = (selector) => page.$$eval(`${selector} option`, (os) => os.map((o) => o.value));

/** Whether `path` ("ExtraParameters.Resolution") is a field of the kind's request. */
function inSchema(kind, path) {
  let fields = kind.request;
  for (const name of path.split(".")) {
    const entry = fields?.[name];
    if (!entry) return false;
    fields = entry.fields;
  }
  return true;
}

/** Submits the form and waits for the task to end in `status`. */
async function runTask(status) {
  await page.click("#submit");
  await page.waitForFunction((s) => document.querySelector('[data-testid="state"]').textContent === s, status, { timeout: 20_000 });
}

test("switching kinds changes the fields, the model list and the button", async () => {
  await page.fill("#Prompt", "kept across kinds");
  const expect = {
    video: { button: "Create video", model: ["Kling", "2.1"], shown: ["Duration", "ImageUrl", "ExtraParameters.Resolution", "ExtraParameters.OffPeak"], hidden: ["OutputImageCount", "OutputAudioFormat", "VideoInfos"] },
    image: {
      button: "Create image",
      model: ["Kling", "2.1"],
      shown: ["OutputImageCount", "ExtraParameters.OutputFormat", "ImageInfos", "NegativePrompt", "ExtraParameters.Resolution", "ExtraParameters.LogoAdd"],
      hidden: ["Duration", "ImageUrl", "LastImageUrl", "ExtraParameters.EnableAudio", "ExtraParameters.OffPeak", "OutputAudioFormat", "VideoInfos", "AudioInfos"],
    },
    audio: {
      button: "Create music",
      model: ["GL", ""],
      shown: ["OutputAudioFormat", "VideoInfos", "AudioInfos", "ExtraParameters.ResourceId", "SceneType", "Prompt"],
      hidden: ["NegativePrompt", "EnhancePrompt", "ImageInfos", "Duration", "ExtraParameters.Resolution", "OutputImageCount"],
    },
  };
  for (const name of ["image", "audio", "video"]) {
    await page.check(`#kind-${name}`);
    await page.waitForFunction((b) => document.querySelector("#submit").textContent === b, expect[name].button);
    // The models and their versions are the package's.
    assert.deepEqual(await options("#ModelName"), KIND[name].models, name);
    const model = await page.inputValue("#ModelName");
    assert.deepEqual(await options("#versions"), KIND[name].versions[model], `${name} ${model}`);
    const { shown, hidden } = await formFields();
    for (const field of expect[name].shown) assert.ok(shown.includes(field), `${name} shows ${field}`);
    for (const field of expect[name].hidden) assert.ok(hidden.includes(field), `${name} hides ${field}`);
    // Never a control for a field the kind's request does not have.
    for (const field of shown) assert.ok(inSchema(KIND[name], field), `${name} has no ${field}`);
    assert.equal(await page.inputValue("#Prompt"), "kept across kinds");
    // Kling 2.1 is a video and an image model; music has no Kling, and video gets its choice back.
    assert.deepEqual([model, await page.inputValue("#ModelVersion")], expect[name].model, name);
  }
  // Kind-specific choices: image resolutions are not video ones.
  await page.check("#kind-image");
  assert.deepEqual(await options("#Resolution"), ["", "720P", "1080P", "2K", "4K"]);
  assert.ok(await page.isHidden("#Duration"));
  await page.check("#kind-video");
  assert.ok((await options("#Resolution")).includes("540P"));
  assert.equal(await page.isChecked("#kind-video"), true);
});

test("advice for images and music comes from their own advisers", async () => {
  await page.check("#kind-image");
  await page.selectOption("#ModelName", "Qwen");
  await page.fill("#Prompt", "a lighthouse at dusk");
  await page.fill("#ImageInfos", "https://example.com/a.png\nhttps://example.com/b.png");
  await page.waitForFunction(() => document.querySelector("#advice").textContent.includes("ImageInfos: Qwen documents at most 1 reference images, not 2"));
  await page.fill("#ImageInfos", "");
  await page.selectOption("#ModelName", "Hunyuan");
  await page.fill("#ModelVersion", "9");
  await page.waitForFunction(() => document.querySelector("#advice").textContent.includes("ModelVersion: Hunyuan documents versions 3.0"));
  await page.fill("#ModelVersion", "3.0");
  await page.waitForFunction(() => document.querySelector("#advice").children.length === 0);

  await page.check("#kind-audio");
  await page.waitForFunction(() => document.querySelector("#advice").children.length === 0);
  await page.fill("#SceneType", "song");
  await page.waitForFunction(() => document.querySelector("#advice").textContent.includes("SceneType: the documented values are music, not song"));
  await page.fill("#SceneType", "music");
  await page.selectOption("#ModelName", "GL");
  await page.fill("#ModelVersion", "1.0");
  await page.waitForFunction(() => document.querySelector("#advice").textContent.includes("ModelVersion: GL documents versions 3.0-clip, 3.0-pro"));
  assert.equal(await page.$$eval("#advice li", (li) => li.length), 1);
  await page.fill("#ModelVersion", "");
  await page.waitForFunction(() => document.querySelector("#advice").children.length === 0);
});

test("an image task: the grid shows every image the task made, each loaded", async () => {
  await page.check("#kind-image");
  await page.selectOption("#ModelName", "Hunyuan");
  await page.fill("#ModelVersion", "3.0");
  await page.fill("#Prompt", "a lighthouse on a cliff at dusk, watercolor");
  await page.fill("#OutputImageCount", "2");
  await page.selectOption("#OutputFormat", "png");
  await page.selectOption("#Resolution", "2K");
  await runTask("DONE");
  assert.match(await text("task-id"), /^4-AigcImage-/);
  const images = await page.waitForFunction(
    () => {
      const imgs = [...document.querySelectorAll('[data-testid="images"] img')];
      return imgs.length && imgs.every((i) => i.complete && i.naturalWidth > 0) ? imgs.map((i) => [i.src, i.naturalWidth, i.alt]) : false;
    },
    null,
    { timeout: 15_000 },
  );
  const loaded = await images.jsonValue();
  assert.equal(loaded.length, 2, "OutputImageCount 2: two images");
  for (const [src, width] of loaded) {
    assert.match(src, /\/images\/4-AigcImage-[0-9a-f]+(-1)?\.png$/);
    assert.equal(width, 160, "the mock's 160x90 image");
  }
  assert.deepEqual(loaded.map((i) => i[2]), ["Generated image 1 of 2", "Generated image 2 of 2"]);
  assert.match(await text("expires"), /^URLs expire in 1[12] h/);
  assert.ok(await page.isHidden('[data-testid="video"]'));
  await page.screenshot({ path: `${shots}demo-image.png`, fullPage: true });
  // Through the proxy, with the image fields and none of the video ones.
  const create = demo.mock.calls("CreateAigcImageTask").at(-1);
  assert.equal(create.signatureOk, true);
  assert.deepEqual(create.json.ExtraParameters, { Resolution: "2K", OutputFormat: "png" });
  assert.equal(create.json.OutputImageCount, 2);
  assert.equal(create.json.ModelName, "Hunyuan");
  assert.ok(!("Duration" in create.json), create.body);
});

test("a failed image task shows the server's message", async () => {
  await page.fill("#Prompt", "please fail this image");
  await runTask("FAIL");
  assert.match(await text("failure"), /refused by content review/);
  assert.ok(await page.isHidden('[data-testid="images"]'));
});

test("a music task: the <audio> element plays the mock's .wav", async () => {
  await page.check("#kind-audio");
  await page.selectOption("#ModelName", "GL");
  await page.fill("#ModelVersion", "3.0-pro");
  await page.fill("#SceneType", "music");
  await page.fill("#Prompt", "a calm piano piece with soft strings");
  await page.selectOption("#OutputAudioFormat", "wav");
  await runTask("DONE");
  assert.match(await text("task-id"), /^4-AigcAudio-/);
  const audio = await page.waitForFunction(
    () => {
      const a = document.querySelector('[data-testid="audio"]');
      return a && a.readyState >= 1 && a.duration > 0 ? [a.currentSrc, a.duration] : false;
    },
    null,
    { timeout: 15_000 },
  );
  const [src, duration] = await audio.jsonValue();
  assert.match(src, /\/audio\/4-AigcAudio-[0-9a-f]+\.wav$/);
  assert.ok(duration > 1.5, `the 2-second sample, got ${duration}`);
  assert.match(await page.textContent("#outputs figcaption"), /^2 s · download$/);
  assert.match(await text("expires"), /^URL expires in 1[12] h/);
  await page.screenshot({ path: `${shots}demo-audio.png`, fullPage: true });
  const create = demo.mock.calls("CreateAigcAudioTask").at(-1);
  assert.equal(create.signatureOk, true);
  assert.equal(create.json.OutputAudioFormat, "wav");
  assert.equal(create.json.SceneType, "music");
  assert.equal(create.json.ModelVersion, "3.0-pro");
});

test("music made for a reference video: the video with its music plays too", async () => {
  // The mock returns no VideoInfos; this test adds one to the DONE answer as it reaches the page,
  // pointing at the mock's own video (everything stays on 127.0.0.1).
  const clip = `${demo.mock.url}/videos/reference.mp4`;
  await page.route(`${demo.proxyUrl}**`, async (route) => {
    const response = await route.fetch();
    if (route.request().headers()["x-tc-action"] !== "DescribeAigcAudioTask") return route.fulfill({ response });
    const json = await response.json();
    if (json.Response?.Status === "DONE") json.Response.VideoInfos = [{ Url: clip, Duration: 3 }];
    await route.fulfill({ response, json });
  });
  try {
    await page.check("#kind-audio");
    await page.fill("#Prompt", "");
    await page.fill("#VideoInfos", clip);
    await runTask("DONE");
    const players = await page.waitForFunction(
      () => {
        const all = [...document.querySelectorAll('#outputs audio, #outputs video')];
        return all.length === 2 && all.every((m) => m.readyState >= 1 && m.duration > 0) ? all.map((m) => [m.tagName, m.currentSrc]) : false;
      },
      null,
      { timeout: 15_000 },
    );
    const [[firstTag, audioSrc], [secondTag, videoSrc]] = await players.jsonValue();
    assert.deepEqual([firstTag, secondTag], ["AUDIO", "VIDEO"]);
    assert.match(audioSrc, /\/audio\/4-AigcAudio-[0-9a-f]+\.wav$/);
    assert.equal(videoSrc, clip);
    assert.match(await page.textContent('#outputs figure:has(video) figcaption'), /^The video with its music · 3 s · download$/);
    assert.match(await text("expires"), /^URLs expire in 1[12] h/);
    await page.screenshot({ path: `${shots}demo-audio-video.png`, fullPage: true });
    const create = demo.mock.calls("CreateAigcAudioTask").at(-1);
    assert.deepEqual(create.json.VideoInfos, [{ VideoUrl: clip }]);
    assert.ok(!("Prompt" in create.json), "a reference video stands in for the prompt");
  } finally {
    await page.unroute(`${demo.proxyUrl}**`);
    await page.fill("#VideoInfos", "");
  }
});

test("a token that expires mid-wait is renewed without the user noticing", async () => {
  // A 15-second task: the page's first token (3 s, plus the proxy's 10 s of leeway) would be refused
  // long before the end; the page renews its tokens from its server and the wait never notices.
  await page.check('input[name="kind"][value="video"]');
  await page.fill("#Prompt", "a long take, renewed tokens");
  const before = demo.tokens.minted;
  const refused = [];
  const onResponse = (r) => {
    if (r.url().startsWith(demo.proxyUrl) && r.status() === 401) refused.push(r.status());
  };
  page.on("response", onResponse);
  demo.mock.nextTask({ waitMs: 500, runMs: 14_500 });
  const started = Date.now();
  await page.click("#submit");
  await page.waitForFunction(() => document.querySelector('[data-testid="state"]').textContent === "DONE", null, { timeout: 40_000 });
  page.off("response", onResponse);
  assert.ok(Date.now() - started > 13_000, "the wait outlived a token and its leeway");
  assert.ok(demo.tokens.minted - before >= 4, `${demo.tokens.minted - before} tokens minted during the wait`);
  assert.deepEqual(refused, [], "no request was refused for an expired token");
  assert.equal(await page.isVisible('[data-testid="error"]'), false);
});

test("the page never receives a secret key, and threw no errors", async () => {
  const all = seen.join("\n");
  assert.ok(all.includes("proxyToken"), "the page got its config");
  assert.ok(!all.includes(EXAMPLE_CREDENTIALS.secretKey), "the secret key reached the browser");
  assert.deepEqual(pageErrors, []);
});
