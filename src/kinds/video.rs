//! Video: `CreateAigcVideoTask` (10 per second) and `DescribeAigcVideoTask` (50 per second).
//! Fields from `tencentcloud-sdk-nodejs-mps` 4.1.305 (`SubjectInfos` from the newer documentation);
//! advice from the SDK and the seed documentation.

use crate::json::{Map, Value};
use crate::prelude::*;

use super::{Kind, STORE_COS_PARAM};
use crate::advice::{lookup, note, Advice, Choice, Durations, Model, Most, Table};
use crate::schema::{field, Schema, Ty};

const IMAGE_INFO: &Schema = &[field("ImageUrl", Ty::Str), field("ReferenceType", Ty::Str)];
const VIDEO_INFO: &Schema =
    &[field("VideoUrl", Ty::Str), field("ReferType", Ty::Str), field("KeepOriginalSound", Ty::Str)];
const AUDIO_INFO: &Schema = &[field("AudioUrl", Ty::Str)];
const SUBJECT_INFO: &Schema = &[
    field("Id", Ty::Str),
    field("Name", Ty::Str),
    field("VoiceId", Ty::Str),
    field("ImageUrls", Ty::Strings),
    field("VideoUrls", Ty::Strings),
];
const EXTRA_PARAMETERS: &Schema = &[
    field("Resolution", Ty::Str),
    field("AspectRatio", Ty::Str),
    field("LogoAdd", Ty::Int),
    field("EnableAudio", Ty::Bool),
    field("OffPeak", Ty::Bool),
    field("EnableBgm", Ty::Bool),
];

const REQUEST: &Schema = &[
    field("ModelName", Ty::Str),
    field("ModelVersion", Ty::Str),
    field("SceneType", Ty::Str),
    field("Prompt", Ty::Str),
    field("NegativePrompt", Ty::Str),
    field("EnhancePrompt", Ty::Bool),
    field("ImageUrl", Ty::Str),
    field("LastImageUrl", Ty::Str),
    field("ImageInfos", Ty::Objects(IMAGE_INFO)),
    field("VideoInfos", Ty::Objects(VIDEO_INFO)),
    field("AudioInfos", Ty::Objects(AUDIO_INFO)),
    field("SubjectInfos", Ty::Objects(SUBJECT_INFO)),
    field("Duration", Ty::Count(" (seconds)")),
    field("ExtraParameters", Ty::Object(EXTRA_PARAMETERS)),
    field("StoreCosParam", Ty::Object(STORE_COS_PARAM)),
    field("AdditionalParameters", Ty::JsonText),
    field("Operator", Ty::Str),
];

const RESULT: &Schema = &[
    field("Status", Ty::Str),
    field("VideoUrls", Ty::Strings),
    field("Resolution", Ty::Str),
    field("Message", Ty::Str),
    field("RequestId", Ty::Str),
];

const RESOLUTION: &str = "ExtraParameters.Resolution";
const ASPECT_RATIO: &str = "ExtraParameters.AspectRatio";
const COMMON_RATIOS: &[&str] = &["16:9", "9:16", "4:3", "3:4", "1:1"];
const fn images(max: usize) -> Most {
    Most { versions: &[], field: "ImageInfos", max, noun: "reference images" }
}

// Beyond each model's own list, the service can also produce 2K and 4K (by upscaling).
const MODELS: &[Model] = &[
    Model {
        name: "Kling",
        versions: &["1.6", "2.0", "2.1", "2.5", "O1", "2.6", "3.0", "3.0-Omni"],
        durations: &[
            (&["O1"], Durations::Range(3, 10)),
            (&["3.0", "3.0-Omni"], Durations::Range(3, 15)),
            (&[], Durations::OneOf(&[5, 10])),
        ],
        choices: &[
            Choice { path: RESOLUTION, values: &["720P", "1080P", "2K", "4K"] },
            Choice { path: ASPECT_RATIO, values: &["16:9", "9:16", "1:1"] },
        ],
        most: &[images(7)],
        check: None,
    },
    Model {
        name: "Hailuo",
        versions: &["02", "2.3", "2.3-fast"],
        durations: &[(&[], Durations::OneOf(&[6, 10]))],
        choices: &[
            Choice { path: RESOLUTION, values: &["768P", "1080P", "2K", "4K"] },
            Choice { path: ASPECT_RATIO, values: &[] },
        ],
        most: &[],
        check: None,
    },
    Model {
        name: "Vidu",
        versions: &["q2", "q2-pro", "q2-turbo", "q3-pro", "q3-turbo", "q3", "q3-mix"],
        durations: &[
            (&["q3", "q3-pro", "q3-turbo", "q3-mix"], Durations::Range(3, 16)),
            (&[], Durations::Range(1, 10)),
        ],
        choices: &[
            Choice { path: RESOLUTION, values: &["540P", "720P", "1080P", "2K", "4K"] },
            Choice { path: ASPECT_RATIO, values: COMMON_RATIOS },
        ],
        most: &[images(7)],
        check: None,
    },
    Model {
        name: "PixVerse",
        versions: &["v5.6", "v6", "c1"],
        durations: &[(&["v5.6"], Durations::OneOf(&[5, 8, 10])), (&[], Durations::Range(1, 15))],
        choices: &[
            Choice { path: RESOLUTION, values: &["540P", "720P", "1080P", "2K", "4K"] },
            Choice { path: ASPECT_RATIO, values: &["16:9", "9:16", "4:3", "3:4", "1:1", "2:3", "3:2", "21:9"] },
        ],
        most: &[images(7)],
        check: None,
    },
    Model {
        name: "H2",
        versions: &["1.0"],
        durations: &[(&[], Durations::Range(3, 15))],
        choices: &[
            Choice { path: RESOLUTION, values: &["720P", "1080P", "2K", "4K"] },
            Choice { path: ASPECT_RATIO, values: &["16:9", "9:16", "4:3", "3:4", "4:5", "5:4", "1:1", "21:9", "9:21"] },
        ],
        most: &[images(9)],
        check: None,
    },
    Model { versions: &["1.5"], ..Model::named("Hunyuan") },
    Model::named("Mingmou"),
    Model {
        versions: &["3.1"],
        durations: &[(&[], Durations::OneOf(&[8]))],
        most: &[images(3)],
        check: Some(gv_rules),
        ..Model::named("GV")
    },
    Model { versions: &["2.0"], durations: &[(&[], Durations::OneOf(&[4, 8, 12]))], ..Model::named("OS") },
];

/// GV documents reference images as an alternative to the first and last frames, and a last frame
/// only together with a first one.
fn gv_rules(request: &Map, out: &mut Vec<Advice>) {
    let given = |name: &str| lookup(request, name).is_some();
    let images = lookup(request, "ImageInfos").and_then(Value::as_array).map_or(0, Vec::len);
    if images > 0 && (given("ImageUrl") || given("LastImageUrl")) {
        note(out, "ImageInfos", "GV documents ImageInfos as not combinable with ImageUrl or LastImageUrl".to_owned());
    }
    if given("LastImageUrl") && !given("ImageUrl") {
        note(out, "LastImageUrl", "GV needs ImageUrl too".to_owned());
    }
}

/// AI video.
pub static VIDEO: Kind = Kind {
    name: "video",
    noun: "Video",
    create: "CreateAigcVideoTask",
    describe: "DescribeAigcVideoTask",
    creates_per_second: 10,
    describes_per_second: 50,
    request: REQUEST,
    result: RESULT,
    prompt_optional_with: &["ImageUrl", "LastImageUrl", "ImageInfos", "VideoInfos", "SubjectInfos"],
    prompt_rule: "when no image or reference video is given",
    outputs: &[("VideoUrls", None)],
    advice: Table { models: MODELS, common: &[], prompt_chars: None },
};

#[cfg(test)]
mod tests {
    use super::VIDEO;
    use serde_json::json;

    fn advice(v: serde_json::Value) -> Vec<String> {
        VIDEO.advise(&v.into()).into_iter().map(|a| format!("{}: {}", a.field, a.message)).collect()
    }

    #[test]
    fn documented_requests_get_no_advice() {
        assert!(advice(json!({"ModelName":"Kling","ModelVersion":"2.1","Prompt":"a cat","Duration":5,"ExtraParameters":{"Resolution":"1080P","AspectRatio":"16:9"}})).is_empty());
        assert!(advice(json!({"ModelName":"Vidu","ModelVersion":"q3","Prompt":"a cat","Duration":16})).is_empty());
        assert!(advice(json!({"ModelName":"Kling","ModelVersion":"O1","Prompt":"a cat","Duration":7})).is_empty());
        assert!(advice(json!({"ModelName":"Hailuo","Prompt":"x","ExtraParameters":{"Resolution":"4K"}})).is_empty());
    }

    #[test]
    fn model_specific_values_are_advised_not_refused() {
        let a = advice(json!({"ModelName":"Kling","ModelVersion":"2.1","Prompt":"x","Duration":7}));
        assert_eq!(a, ["Duration: Kling documents 5 or 10 seconds, not 7"]);
        let a = advice(json!({"ModelName":"Vidu","ModelVersion":"q2","Prompt":"x","Duration":12}));
        assert_eq!(a, ["Duration: Vidu documents 1 to 10 seconds, not 12"]);
        let a = advice(json!({"ModelName":"PixVerse","ModelVersion":"v5.6","Prompt":"x","Duration":6}));
        assert_eq!(a, ["Duration: PixVerse v5.6 documents 5 or 8 or 10 seconds, not 6"]);
        let a = advice(json!({"ModelName":"Kling","ModelVersion":"9.9","Prompt":"x"}));
        assert_eq!(a.len(), 1);
        assert!(a[0].starts_with("ModelVersion: Kling documents versions 1.6"), "{a:?}");
        let a = advice(json!({"ModelName":"Sora","Prompt":"x"}));
        assert!(a[0].starts_with("ModelName: Sora is not a documented model"), "{a:?}");
        let a = advice(
            json!({"ModelName":"GV","LastImageUrl":"https://e/x.png","ImageInfos":[{"ImageUrl":"https://e/y.png"}]}),
        );
        assert_eq!(a.len(), 2, "{a:?}");
        let a = advice(json!({"ModelName":"Kling","Prompt":"x","ImageInfos":[{},{},{},{},{},{},{},{}]}));
        assert_eq!(a, ["ImageInfos: Kling documents at most 7 reference images, not 8"]);
    }

    #[test]
    fn each_resolution_is_listed_once() {
        let a = advice(json!({"ModelName":"Kling","Prompt":"x","ExtraParameters":{"Resolution":"8K"}}));
        assert_eq!(a, ["ExtraParameters.Resolution: Kling documents 720P, 1080P, 2K, 4K, not 8K"]);
        let a = advice(json!({"ModelName":"Hailuo","Prompt":"x","ExtraParameters":{"AspectRatio":"1:1"}}));
        assert_eq!(a, ["ExtraParameters.AspectRatio: Hailuo documents no AspectRatio choice"]);
    }

    #[test]
    fn camel_case_fields_are_pointed_out() {
        let a = advice(json!({"Prompt":"x","duration":5}));
        assert_eq!(a, ["duration: unknown field, sent as given; did you mean Duration? (field names are PascalCase)"]);
    }

    #[test]
    fn advice_never_refuses() {
        // A request create would refuse (no Prompt, a Duration of the wrong type) still gets advice.
        assert_eq!(advice(json!({"ModelName":"Kling","Duration":"7"})), Vec::<String>::new());
        assert_eq!(
            advice(json!({"ModelName":"Kling","Duration":7})),
            ["Duration: Kling documents 5 or 10 seconds, not 7"]
        );
        assert!(advice(json!("not an object")).is_empty());
    }
}
