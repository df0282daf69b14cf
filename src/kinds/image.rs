//! Image: `CreateAigcImageTask` and `DescribeAigcImageTask` (20 per second each). Fields from
//! `tencentcloud-sdk-nodejs-mps` 4.1.305; the models and the prompt limit differ between the
//! documentation's revisions (Hunyuan, GEM, Qwen in one; Hunyuan, Qwen, Vidu, Kling, MJ in a later
//! one; 1000 characters in some), so they are advice only.

use crate::json::Map;
use crate::prelude::*;

use super::{Kind, STORE_COS_PARAM};
use crate::advice::{lookup, note, Advice, Choice, Model, Most, Table};
use crate::schema::{field, Schema, Ty};

const IMAGE_INFO: &Schema = &[field("ImageUrl", Ty::Str), field("ReferenceType", Ty::Str)];
const EXTRA_PARAMETERS: &Schema = &[
    field("AspectRatio", Ty::Str),
    field("Resolution", Ty::Str),
    field("LogoAdd", Ty::Int),
    field("OutputFormat", Ty::Str),
];

const REQUEST: &Schema = &[
    field("ModelName", Ty::Str),
    field("ModelVersion", Ty::Str),
    field("SceneType", Ty::Str),
    field("Prompt", Ty::Str),
    field("NegativePrompt", Ty::Str),
    field("EnhancePrompt", Ty::Bool),
    field("ImageInfos", Ty::Objects(IMAGE_INFO)),
    field("OutputImageCount", Ty::Count("")),
    field("ExtraParameters", Ty::Object(EXTRA_PARAMETERS)),
    field("AdditionalParameters", Ty::JsonText),
    field("StoreCosParam", Ty::Object(STORE_COS_PARAM)),
    field("Operator", Ty::Str),
];

const RESULT: &Schema = &[
    field("Status", Ty::Str),
    field("ImageUrls", Ty::Strings),
    field("Message", Ty::Str),
    field("RequestId", Ty::Str),
];

const ASPECT_RATIO: &str = "ExtraParameters.AspectRatio";
const WIDE_RATIOS: &[&str] = &["16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9"];
const fn images(versions: &'static [&'static str], max: usize) -> Most {
    Most { versions, field: "ImageInfos", max, noun: "reference images" }
}

const MODELS: &[Model] = &[
    Model {
        versions: &["3.0"],
        most: &[images(&[], 3)],
        choices: &[Choice { path: "SceneType", values: &["3d_panorama"] }],
        ..Model::named("Hunyuan")
    },
    Model { versions: &["0925"], most: &[images(&[], 1)], ..Model::named("Qwen") },
    Model {
        versions: &["q2"],
        most: &[images(&[], 7)],
        choices: &[Choice { path: ASPECT_RATIO, values: WIDE_RATIOS }],
        ..Model::named("Vidu")
    },
    Model {
        versions: &["2.1", "O1", "3.0", "3.0-Omni"],
        most: &[images(&["2.1"], 4), images(&["O1", "3.0-Omni"], 10), images(&[], 1)],
        choices: &[Choice { path: ASPECT_RATIO, values: WIDE_RATIOS }],
        ..Model::named("Kling")
    },
    Model::named("GEM"),
    Model { versions: &["v7"], check: Some(mj_rules), ..Model::named("MJ") },
];

/// MJ takes its aspect ratio in the prompt (`--ar 16:9`), not in `ExtraParameters`.
fn mj_rules(request: &Map, out: &mut Vec<Advice>) {
    if lookup(request, ASPECT_RATIO).is_some() {
        note(out, ASPECT_RATIO, "MJ documents the aspect ratio in the prompt (e.g. --ar 16:9), not here".to_owned());
    }
}

/// AI images.
pub static IMAGE: Kind = Kind {
    name: "image",
    noun: "Image",
    create: "CreateAigcImageTask",
    describe: "DescribeAigcImageTask",
    creates_per_second: 20,
    describes_per_second: 20,
    request: REQUEST,
    result: RESULT,
    prompt_optional_with: &["ImageInfos"],
    prompt_rule: "when no reference image is given",
    outputs: &[("ImageUrls", None)],
    advice: Table {
        models: MODELS,
        common: &[
            Choice { path: "ExtraParameters.Resolution", values: &["720P", "1080P", "2K", "4K"] },
            Choice { path: "ExtraParameters.OutputFormat", values: &["jpeg", "png"] },
        ],
        prompt_chars: Some(1000),
    },
};

#[cfg(test)]
mod tests {
    use super::IMAGE;
    use serde_json::json;

    fn advice(v: serde_json::Value) -> Vec<String> {
        IMAGE.advise(&v.into()).into_iter().map(|a| format!("{}: {}", a.field, a.message)).collect()
    }

    #[test]
    fn documented_requests_get_no_advice() {
        assert!(advice(json!({"ModelName":"Hunyuan","ModelVersion":"3.0","Prompt":"a cat","ExtraParameters":{"Resolution":"2K","OutputFormat":"png"}})).is_empty());
        assert!(advice(json!({"ModelName":"Kling","ModelVersion":"O1","Prompt":"a cat","ImageInfos":[{},{},{},{},{},{},{},{},{},{}]})).is_empty());
    }

    #[test]
    fn model_specific_values_are_advised() {
        let a = advice(json!({"ModelName":"Kling","ModelVersion":"2.1","Prompt":"x","ImageInfos":[{},{},{},{},{}]}));
        assert_eq!(a, ["ImageInfos: Kling 2.1 documents at most 4 reference images, not 5"]);
        let a = advice(json!({"ModelName":"Vidu","Prompt":"x","ExtraParameters":{"AspectRatio":"5:4"}}));
        assert_eq!(
            a,
            ["ExtraParameters.AspectRatio: Vidu documents 16:9, 9:16, 1:1, 4:3, 3:4, 3:2, 2:3, 21:9, not 5:4"]
        );
        let a = advice(json!({"ModelName":"MJ","Prompt":"x","ExtraParameters":{"AspectRatio":"1:1"}}));
        assert_eq!(a.len(), 1, "{a:?}");
        let a = advice(json!({"Prompt":"x".repeat(1200),"ExtraParameters":{"OutputFormat":"gif"}}));
        assert_eq!(
            a,
            [
                "Prompt: has 1200 characters; some documentation revisions allow 1000",
                "ExtraParameters.OutputFormat: the documented values are jpeg, png, not gif"
            ]
        );
    }
}
