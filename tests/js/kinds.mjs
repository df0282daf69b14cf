// The task kinds the behaviour tests run for, each with a request of its own and what its results
// look like. Every behaviour test that is not about one kind runs once per kind (parametrized, not
// copied); `every kind the package knows has a fixture here` fails when a kind is added to the Rust
// tables without one.
import { lib } from "./helpers.mjs";

export const KINDS = [
  {
    name: "video",
    noun: "Video",
    create: "CreateAigcVideoTask",
    describe: "DescribeAigcVideoTask",
    createsPerSecond: 10,
    describesPerSecond: 50,
    request: (Prompt) => ({ ModelName: "Kling", Prompt }),
    outputs: (r) => r.VideoUrls,
    output: /\/videos\/4-AigcVideo-\w+\.mp4$/,
    empty: { VideoUrls: [] },
    advice: [{ ModelName: "Kling", ModelVersion: "2.1", Prompt: "x", Duration: 7 }, { field: "Duration", message: "Kling documents 5 or 10 seconds, not 7" }],
  },
  {
    name: "image",
    noun: "Image",
    create: "CreateAigcImageTask",
    describe: "DescribeAigcImageTask",
    createsPerSecond: 20,
    describesPerSecond: 20,
    request: (Prompt) => ({ ModelName: "Hunyuan", Prompt }),
    outputs: (r) => r.ImageUrls,
    output: /\/images\/4-AigcImage-\w+\.png$/,
    empty: { ImageUrls: [] },
    advice: [{ ModelName: "Kling", ModelVersion: "2.1", Prompt: "x", ImageInfos: [{}, {}, {}, {}, {}] }, { field: "ImageInfos", message: "Kling 2.1 documents at most 4 reference images, not 5" }],
  },
  {
    name: "audio",
    noun: "Audio",
    create: "CreateAigcAudioTask",
    describe: "DescribeAigcAudioTask",
    createsPerSecond: 20,
    describesPerSecond: 20,
    request: (Prompt) => ({ ModelName: "MiniMaxMusic", Prompt }),
    outputs: (r) => r.AudioInfos.map((a) => a.Url),
    output: /\/audio\/4-AigcAudio-\w+\.wav$/,
    empty: { AudioInfos: [], VideoInfos: [] },
    advice: [{ ModelName: "MiniMaxMusic", Prompt: "x", OutputAudioFormat: "flac" }, { field: "OutputAudioFormat", message: "the documented values are mp3, wav, not flac" }],
  },
];

/** The client's three methods for `kind`, under their full names. */
export function methods(client, kind) {
  return {
    create: (request, options) => client[`createAigc${kind.noun}Task`](request, options),
    describe: (taskId, options) => client[`describeAigc${kind.noun}Task`](taskId, options),
    wait: (taskId, options) => client[`waitAigc${kind.noun}Task`](taskId, options),
    advise: (request) => lib[`adviseAigc${kind.noun}Task`](request),
  };
}
