//! Audio (music): `CreateAigcAudioTask` and `DescribeAigcAudioTask` (20 per second each). Fields
//! from `tencentcloud-sdk-nodejs-mps` 4.1.305: music from a prompt, or to a reference video or
//! audio; the outputs are audio files (and, for a reference video, the video with its music).

use super::{Kind, STORE_COS_PARAM};
use crate::advice::{Choice, Model, Table};
use crate::schema::{field, Schema, Ty};

const VIDEO_INFO: &Schema = &[field("VideoUrl", Ty::Str)];
const AUDIO_INFO: &Schema = &[field("AudioUrl", Ty::Str)];
const EXTRA_PARAMETERS: &Schema = &[field("ResourceId", Ty::Str)];
const OUTPUT: &Schema = &[field("Url", Ty::Str), field("Duration", Ty::Number)];

const REQUEST: &Schema = &[
    field("ModelName", Ty::Str),
    field("ModelVersion", Ty::Str),
    field("SceneType", Ty::Str),
    field("Prompt", Ty::Str),
    field("VideoInfos", Ty::Objects(VIDEO_INFO)),
    field("AudioInfos", Ty::Objects(AUDIO_INFO)),
    field("OutputAudioFormat", Ty::Str),
    field("StoreCosParam", Ty::Object(STORE_COS_PARAM)),
    field("ExtraParameters", Ty::Object(EXTRA_PARAMETERS)),
    field("AdditionalParameters", Ty::JsonText),
    field("Operator", Ty::Str),
];

const RESULT: &Schema = &[
    field("Status", Ty::Str),
    field("Message", Ty::Str),
    field("AudioInfos", Ty::Objects(OUTPUT)),
    field("VideoInfos", Ty::Objects(OUTPUT)),
    field("RequestId", Ty::Str),
];

const MODELS: &[Model] = &[
    Model { versions: &["3.0-clip", "3.0-pro"], ..Model::named("GL") },
    Model { versions: &["2.0", "2.5", "2.6"], ..Model::named("MiniMaxMusic") },
];

/// AI music.
pub static AUDIO: Kind = Kind {
    name: "audio",
    noun: "Audio",
    create: "CreateAigcAudioTask",
    describe: "DescribeAigcAudioTask",
    creates_per_second: 20,
    describes_per_second: 20,
    request: REQUEST,
    result: RESULT,
    prompt_optional_with: &["VideoInfos", "AudioInfos"],
    prompt_rule: "when no reference video or audio is given",
    outputs: &[("AudioInfos", Some("Url")), ("VideoInfos", Some("Url"))],
    advice: Table {
        models: MODELS,
        common: &[
            Choice { path: "SceneType", values: &["music"] },
            Choice { path: "OutputAudioFormat", values: &["mp3", "wav"] },
        ],
        prompt_chars: None,
    },
};

#[cfg(test)]
mod tests {
    use super::AUDIO;
    use serde_json::json;

    #[test]
    fn models_and_formats_are_advised() {
        let advice = |v: serde_json::Value| {
            AUDIO.advise(&v.into()).into_iter().map(|a| format!("{}: {}", a.field, a.message)).collect::<Vec<_>>()
        };
        assert!(advice(
            json!({"ModelName":"MiniMaxMusic","ModelVersion":"2.6","Prompt":"x","OutputAudioFormat":"mp3"})
        )
        .is_empty());
        assert_eq!(
            advice(json!({"ModelName":"GL","ModelVersion":"4","Prompt":"x","OutputAudioFormat":"flac"})),
            [
                "OutputAudioFormat: the documented values are mp3, wav, not flac",
                "ModelVersion: GL documents versions 3.0-clip, 3.0-pro"
            ]
        );
    }
}
