// The demo end to end in headless Chromium (Playwright with Debian's Chromium): the page, the
// signing proxy in workerd and the mock, as `scripts/demo` starts them. Screenshots are kept in
// tests/out/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdirSync } from "node:fs";
import { chromium } from "playwright-core";
import { startDemo } from "../../www/demo.mjs";
import { EXAMPLE_CREDENTIALS } from "../../mock/mps-mock.mjs";

const shots = new URL("../out/", import.meta.url).pathname;
const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--autoplay-policy=no-user-gesture-required",
];

let demo;
let browser;
let page;
const pageErrors = [];
const seen = []; // every response body the page received

before(async () => {
  mkdirSync(shots, { recursive: true });
  demo = await startDemo({ port: 0, env: {}, task: { waitMs: 400, runMs: 1200 } });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: FLAGS });
  page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.on("response", async (r) => {
    try {
      if (!r.url().endsWith(".wasm") && !r.url().endsWith(".mp4")) seen.push(await r.text());
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

test("the page never receives a secret key, and threw no errors", async () => {
  const all = seen.join("\n");
  assert.ok(all.includes("proxyToken"), "the page got its config");
  assert.ok(!all.includes(EXAMPLE_CREDENTIALS.secretKey), "the secret key reached the browser");
  assert.deepEqual(pageErrors, []);
});
