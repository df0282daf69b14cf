//! Model-specific advice: what the documentation (SDK 4.1.305 and the seed docs) says each model
//! takes. It only ever warns: the lists change from release to release and the server is the judge.

use crate::model::{Advice, CreateAigcVideoTaskRequest};

/// Durations a model (or some of its versions) is documented to take, in seconds.
#[derive(Clone, Copy)]
enum Durations {
    OneOf(&'static [u32]),
    Range(u32, u32),
}

impl Durations {
    fn allows(self, seconds: u32) -> bool {
        match self {
            Durations::OneOf(values) => values.contains(&seconds),
            Durations::Range(lo, hi) => (lo..=hi).contains(&seconds),
        }
    }

    fn describe(self) -> String {
        match self {
            Durations::OneOf(values) => {
                let list: Vec<String> = values.iter().map(u32::to_string).collect();
                list.join(" or ")
            }
            Durations::Range(lo, hi) => format!("{lo} to {hi}"),
        }
    }
}

struct Model {
    name: &'static str,
    versions: &'static [&'static str],
    /// (versions the rule is for, empty for "all the others"; allowed durations), first match wins.
    durations: &'static [(&'static [&'static str], Durations)],
    resolutions: &'static [&'static str],
    aspect_ratios: &'static [&'static str],
    max_images: Option<usize>,
}

const COMMON_RATIOS: &[&str] = &["16:9", "9:16", "4:3", "3:4", "1:1"];

const MODELS: &[Model] = &[
    Model {
        name: "Kling",
        versions: &["1.6", "2.0", "2.1", "2.5", "O1", "2.6", "3.0", "3.0-Omni"],
        durations: &[
            (&["O1"], Durations::Range(3, 10)),
            (&["3.0", "3.0-Omni"], Durations::Range(3, 15)),
            (&[], Durations::OneOf(&[5, 10])),
        ],
        resolutions: &["720P", "1080P", "4K"],
        aspect_ratios: &["16:9", "9:16", "1:1"],
        max_images: Some(7),
    },
    Model {
        name: "Hailuo",
        versions: &["02", "2.3", "2.3-fast"],
        durations: &[(&[], Durations::OneOf(&[6, 10]))],
        resolutions: &["768P", "1080P"],
        aspect_ratios: &[],
        max_images: None,
    },
    Model {
        name: "Vidu",
        versions: &["q2", "q2-pro", "q2-turbo", "q3-pro", "q3-turbo", "q3", "q3-mix"],
        durations: &[
            (&["q3", "q3-pro", "q3-turbo", "q3-mix"], Durations::Range(3, 16)),
            (&[], Durations::Range(1, 10)),
        ],
        resolutions: &["540P", "720P", "1080P"],
        aspect_ratios: COMMON_RATIOS,
        max_images: Some(7),
    },
    Model {
        name: "PixVerse",
        versions: &["v5.6", "v6", "c1"],
        durations: &[(&["v5.6"], Durations::OneOf(&[5, 8, 10])), (&[], Durations::Range(1, 15))],
        resolutions: &["540P", "720P", "1080P"],
        aspect_ratios: &["16:9", "9:16", "4:3", "3:4", "1:1", "2:3", "3:2", "21:9"],
        max_images: Some(7),
    },
    Model {
        name: "H2",
        versions: &["1.0"],
        durations: &[(&[], Durations::Range(3, 15))],
        resolutions: &["720P", "1080P"],
        aspect_ratios: &["16:9", "9:16", "4:3", "3:4", "4:5", "5:4", "1:1", "21:9", "9:21"],
        max_images: Some(9),
    },
    Model {
        name: "Hunyuan",
        versions: &["1.5"],
        durations: &[],
        resolutions: &[],
        aspect_ratios: &[],
        max_images: None,
    },
    Model { name: "Mingmou", versions: &[], durations: &[], resolutions: &[], aspect_ratios: &[], max_images: None },
    Model {
        name: "GV",
        versions: &["3.1"],
        durations: &[(&[], Durations::OneOf(&[8]))],
        resolutions: &[],
        aspect_ratios: &[],
        max_images: Some(3),
    },
    Model {
        name: "OS",
        versions: &["2.0"],
        durations: &[(&[], Durations::OneOf(&[4, 8, 12]))],
        resolutions: &[],
        aspect_ratios: &[],
        max_images: None,
    },
];

/// Beyond each model's own list, the service can also produce these (by upscaling).
const ANY_MODEL_RESOLUTIONS: &[&str] = &["2K", "4K"];

/// Every top-level field the API documents, to spot a camelCase or misspelt name.
const KNOWN_FIELDS: &[&str] = &[
    "ModelName",
    "ModelVersion",
    "SceneType",
    "Prompt",
    "NegativePrompt",
    "EnhancePrompt",
    "ImageUrl",
    "LastImageUrl",
    "ImageInfos",
    "VideoInfos",
    "AudioInfos",
    "SubjectInfos",
    "Duration",
    "ExtraParameters",
    "StoreCosParam",
    "AdditionalParameters",
    "Operator",
];

fn note(out: &mut Vec<Advice>, field: &str, message: String) {
    out.push(Advice { field: field.to_owned(), message });
}

pub(crate) fn advise(request: &CreateAigcVideoTaskRequest) -> Vec<Advice> {
    let mut out = Vec::new();

    for key in request.extra.keys() {
        if let Some(known) = KNOWN_FIELDS.iter().find(|k| k.eq_ignore_ascii_case(key)) {
            note(
                &mut out,
                key,
                format!("unknown field, sent as given; did you mean {known}? (field names are PascalCase)"),
            );
        }
    }

    let Some(name) = request.model_name.as_deref() else {
        return out;
    };
    let Some(model) = MODELS.iter().find(|m| m.name.eq_ignore_ascii_case(name)) else {
        let names: Vec<&str> = MODELS.iter().map(|m| m.name).collect();
        note(&mut out, "ModelName", format!("{name} is not a documented model ({})", names.join(", ")));
        return out;
    };
    if model.name != name {
        note(&mut out, "ModelName", format!("the documented spelling is {}", model.name));
    }

    let version = request.model_version.as_deref();
    if let Some(v) = version {
        if !model.versions.is_empty() && !model.versions.contains(&v) {
            note(&mut out, "ModelVersion", format!("{} documents versions {}", model.name, model.versions.join(", ")));
        }
    }

    if let Some(seconds) = request.duration {
        let rule = model
            .durations
            .iter()
            .find(|(versions, _)| versions.is_empty() || version.is_some_and(|v| versions.contains(&v)));
        if let Some((versions, allowed)) = rule {
            if !allowed.allows(seconds) {
                let whom = match (versions.is_empty(), version) {
                    (false, Some(v)) => format!("{} {v}", model.name),
                    _ => model.name.to_owned(),
                };
                note(&mut out, "Duration", format!("{whom} documents {} seconds, not {seconds}", allowed.describe()));
            }
        }
    }

    if let Some(extra) = &request.extra_parameters {
        if let Some(res) = extra.resolution.as_deref() {
            let known = model.resolutions.contains(&res) || ANY_MODEL_RESOLUTIONS.contains(&res);
            if !model.resolutions.is_empty() && !known {
                note(
                    &mut out,
                    "ExtraParameters.Resolution",
                    format!("{} documents {} (and 2K, 4K), not {res}", model.name, model.resolutions.join(", ")),
                );
            }
        }
        if let Some(ratio) = extra.aspect_ratio.as_deref() {
            if model.aspect_ratios.is_empty() && model.name == "Hailuo" {
                note(&mut out, "ExtraParameters.AspectRatio", "Hailuo documents no aspect ratio choice".to_owned());
            } else if !model.aspect_ratios.is_empty() && !model.aspect_ratios.contains(&ratio) {
                note(
                    &mut out,
                    "ExtraParameters.AspectRatio",
                    format!("{} documents {}, not {ratio}", model.name, model.aspect_ratios.join(", ")),
                );
            }
        }
    }

    let images = request.image_infos.as_ref().map_or(0, Vec::len);
    if let Some(max) = model.max_images {
        if images > max {
            note(
                &mut out,
                "ImageInfos",
                format!("{} documents at most {max} reference images, not {images}", model.name),
            );
        }
    }

    if model.name == "GV" {
        if images > 0 && (request.image_url.is_some() || request.last_image_url.is_some()) {
            note(
                &mut out,
                "ImageInfos",
                "GV documents ImageInfos as not combinable with ImageUrl or LastImageUrl".to_owned(),
            );
        }
        if request.last_image_url.is_some() && request.image_url.is_none() {
            note(&mut out, "LastImageUrl", "GV needs ImageUrl too".to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn advice(v: serde_json::Value) -> Vec<String> {
        CreateAigcVideoTaskRequest::from_json(v)
            .unwrap()
            .advise()
            .into_iter()
            .map(|a| format!("{}: {}", a.field, a.message))
            .collect()
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
    }

    #[test]
    fn camel_case_fields_are_pointed_out() {
        let a = advice(json!({"Prompt":"x","duration":5}));
        assert_eq!(a, ["duration: unknown field, sent as given; did you mean Duration? (field names are PascalCase)"]);
    }
}
