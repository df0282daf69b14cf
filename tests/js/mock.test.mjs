// The mock itself: proven against the official Node SDK, and strict about signatures.
import { test } from "node:test";
import assert from "node:assert/strict";
import tencentcloud from "tencentcloud-sdk-nodejs-mps";
import { startMockMps, KEYS, TOKEN } from "./helpers.mjs";

function officialClient(mock, credential = KEYS) {
  const Client = tencentcloud.mps.v20190612.Client;
  return new Client({
    credential,
    region: "ap-guangzhou",
    profile: { httpProfile: { endpoint: `127.0.0.1:${mock.port}`, protocol: "http://" } },
  });
}

test("the official Node SDK creates and describes a task on the mock", async () => {
  const mock = await startMockMps({ task: { waitMs: 0, runMs: 0 } });
  try {
    const sdk = officialClient(mock);
    const created = await sdk.CreateAigcVideoTask({ ModelName: "Kling", ModelVersion: "2.1", Prompt: "a cat", Duration: 5 });
    assert.match(created.TaskId, /^4-AigcVideo-/);
    const described = await sdk.DescribeAigcVideoTask({ TaskId: created.TaskId });
    assert.equal(described.Status, "DONE");
    assert.equal(described.VideoUrls.length, 1);
    assert.deepEqual(mock.requests.map((r) => r.signatureOk), [true, true]);
  } finally {
    await mock.close();
  }
});

test("a caller that goes away halfway through its body leaves the mock serving, with no unhandled rejection", async () => {
  const { connect } = await import("node:net");
  const mock = await startMockMps({ task: { waitMs: 0, runMs: 0 } });
  try {
    const rejections = [];
    const onRejection = (e) => rejections.push(e);
    process.on("unhandledRejection", onRejection);
    await new Promise((resolve) => {
      const socket = connect(mock.port, "127.0.0.1", () => {
        socket.write("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\nX-TC-Action: DescribeAigcVideoTask\r\n\r\n{\"Ta");
        setTimeout(() => socket.destroy(), 50); // as a Worker stopped mid-request does
      });
      socket.on("close", resolve);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    process.off("unhandledRejection", onRejection);
    assert.deepEqual(rejections.map((e) => e.code), []);
    const created = await officialClient(mock).CreateAigcVideoTask({ ModelName: "Kling", ModelVersion: "2.1", Prompt: "a cat", Duration: 5 });
    assert.match(created.TaskId, /^4-AigcVideo-/, "still serving");
  } finally {
    await mock.close();
  }
});

test("the official Node SDK creates image and music tasks on the mock, which serves what they made", async () => {
  const mock = await startMockMps({ task: { waitMs: 0, runMs: 0 } });
  try {
    const sdk = officialClient(mock);
    const image = await sdk.CreateAigcImageTask({ ModelName: "Hunyuan", Prompt: "a cat", OutputImageCount: 2 });
    assert.match(image.TaskId, /^4-AigcImage-/);
    const images = await sdk.DescribeAigcImageTask({ TaskId: image.TaskId });
    assert.equal(images.Status, "DONE");
    assert.equal(images.ImageUrls.length, 2);
    const png = await fetch(images.ImageUrls[0]);
    assert.equal(png.headers.get("content-type"), "image/png");
    assert.deepEqual([...new Uint8Array(await png.arrayBuffer()).subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG");
    const music = await sdk.CreateAigcAudioTask({ ModelName: "MiniMaxMusic", Prompt: "a calm piano piece" });
    assert.match(music.TaskId, /^4-AigcAudio-/);
    const audio = await sdk.DescribeAigcAudioTask({ TaskId: music.TaskId });
    assert.equal(audio.Status, "DONE");
    assert.deepEqual(audio.VideoInfos, []);
    const wav = await fetch(audio.AudioInfos[0].Url);
    assert.equal(wav.headers.get("content-type"), "audio/wav");
    assert.equal(new TextDecoder().decode(new Uint8Array(await wav.arrayBuffer()).subarray(0, 4)), "RIFF");
    // A task is described only by its own kind's action, as by the real API.
    await assert.rejects(sdk.DescribeAigcVideoTask({ TaskId: image.TaskId }), { code: "FailedOperation.TaskNotFound" });
    // Each kind's prompt rule: a reference stands in for the prompt.
    await assert.rejects(sdk.CreateAigcAudioTask({ ModelName: "GL" }), { code: "MissingParameter" });
    assert.ok((await sdk.CreateAigcAudioTask({ VideoInfos: [{ VideoUrl: "https://e/v.mp4" }] })).TaskId);
    assert.ok(mock.requests.every((r) => r.signatureOk));
  } finally {
    await mock.close();
  }
});

test("the official SDK with an STS token passes, and with a wrong token fails", async () => {
  const mock = await startMockMps({ credentials: [{ ...KEYS, token: TOKEN }] });
  try {
    await officialClient(mock, { ...KEYS, token: TOKEN }).CreateAigcVideoTask({ Prompt: "x" });
    await assert.rejects(officialClient(mock, { ...KEYS, token: "other" }).CreateAigcVideoTask({ Prompt: "x" }), {
      code: "AuthFailure.TokenFailure",
    });
  } finally {
    await mock.close();
  }
});

test("the mock refuses a wrong key, a tampered body and an old timestamp", async () => {
  const mock = await startMockMps();
  try {
    await assert.rejects(officialClient(mock, { ...KEYS, secretKey: "wrong" }).CreateAigcVideoTask({ Prompt: "x" }), {
      code: "AuthFailure.SignatureFailure",
    });
    await assert.rejects(officialClient(mock, { ...KEYS, secretId: "AKIDunknown" }).CreateAigcVideoTask({ Prompt: "x" }), {
      code: "AuthFailure.SecretIdNotFound",
    });
    // Replay a good request with one body byte changed.
    await officialClient(mock).CreateAigcVideoTask({ Prompt: "abc" });
    const good = mock.requests.at(-1);
    const headers = { ...good.headers };
    delete headers["content-length"];
    const tampered = await fetch(mock.url, { method: "POST", headers, body: good.body.replace("abc", "abd") });
    assert.equal((await tampered.json()).Response.Error.Code, "AuthFailure.SignatureFailure");
    const replay = await fetch(mock.url, { method: "POST", headers, body: good.body });
    assert.ok((await replay.json()).Response.TaskId, "the untouched replay still passes");
  } finally {
    await mock.close();
  }
  const skewed = await startMockMps({ clockSkewMs: 10 * 60_000 });
  try {
    await assert.rejects(officialClient(skewed).CreateAigcVideoTask({ Prompt: "x" }), {
      code: "AuthFailure.SignatureExpire",
    });
  } finally {
    await skewed.close();
  }
});

test("the mock runs tasks through WAIT, RUN and DONE or FAIL on schedule", async () => {
  const mock = await startMockMps({ task: { waitMs: 100, runMs: 100 } });
  try {
    const sdk = officialClient(mock);
    mock.nextTask({ outcome: "FAIL", message: "blocked" });
    const failing = await sdk.CreateAigcVideoTask({ Prompt: "x" });
    const ok = await sdk.CreateAigcVideoTask({ Prompt: "y" });
    const status = async (id) => (await sdk.DescribeAigcVideoTask({ TaskId: id })).Status;
    assert.equal(await status(ok.TaskId), "WAIT");
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(await status(ok.TaskId), "RUN");
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(await status(ok.TaskId), "DONE");
    const failed = await sdk.DescribeAigcVideoTask({ TaskId: failing.TaskId });
    assert.deepEqual([failed.Status, failed.Message], ["FAIL", "blocked"]);
  } finally {
    await mock.close();
  }
});

test("the mock throttles past 10 creates in a second", async () => {
  const mock = await startMockMps();
  try {
    const sdk = officialClient(mock);
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => sdk.CreateAigcVideoTask({ Prompt: "x" })));
    const throttled = results.filter((r) => r.status === "rejected" && r.reason.code === "RequestLimitExceeded");
    assert.equal(throttled.length, 2);
    assert.equal(mock.tasks.size, 10);
  } finally {
    await mock.close();
  }
});
