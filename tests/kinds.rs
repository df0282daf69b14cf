//! Building requests and reading results, for every task kind through the one generic path:
//! bodies in the API's documented order, pass-through, null dropping, the rules that hold for every
//! model, and errors that name the field. Each behaviour runs for video, image and audio.
#![cfg(not(target_arch = "wasm32"))]

use mps_aigc::kinds::{call_body, describe_body, read_created, Kind, AUDIO, IMAGE, KINDS, VIDEO};
use serde_json::{json, Map, Value};

fn body(kind: &Kind, v: Value) -> String {
    String::from_utf8(kind.create_body(v.into()).unwrap()).unwrap()
}

/// An answer's `Response` object, in the crate's JSON.
fn response(v: Value) -> mps_aigc::json::Map {
    mps_aigc::json::Value::from(v).as_object().unwrap().clone()
}

fn refusal(kind: &Kind, v: Value) -> (String, String) {
    let e = kind.create_body(v.into()).unwrap_err();
    (e.code().to_owned(), e.message().to_owned())
}

fn shared_vector_body(name: &str) -> String {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/tc3.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let v = doc["vectors"].as_array().unwrap().iter().find(|v| v["input"]["name"] == name).unwrap();
    v["input"]["body"].as_str().unwrap().to_owned()
}

/// A request of each kind with every documented field, in the official SDK's field order (the
/// order of `tencentcloud-sdk-nodejs-mps` 4.1.305's `CreateAigc*TaskRequest` interfaces).
fn full(kind: &Kind) -> Value {
    let cos = json!({"CosBucketName": "b-125", "CosBucketRegion": "ap-guangzhou", "CosBucketPath": "out/"});
    let extra = "{\"seed\":7}";
    match kind.name {
        "video" => json!({
            "ModelName": "Kling", "ModelVersion": "O1", "SceneType": "motion_control", "Prompt": "p",
            "NegativePrompt": "n", "EnhancePrompt": true, "ImageUrl": "https://e/a.png",
            "LastImageUrl": "https://e/b.png",
            "ImageInfos": [{"ImageUrl": "https://e/c.png", "ReferenceType": "asset"}],
            "VideoInfos": [{"VideoUrl": "https://e/v.mp4", "ReferType": "feature", "KeepOriginalSound": "yes"}],
            "AudioInfos": [{"AudioUrl": "https://e/a.mp3"}],
            "SubjectInfos": [{"Id": "s1", "Name": "cat", "VoiceId": "v1", "ImageUrls": ["https://e/s.png"], "VideoUrls": []}],
            "Duration": 10,
            "ExtraParameters": {"Resolution": "1080P", "AspectRatio": "9:16", "LogoAdd": 1, "EnableAudio": true, "OffPeak": false, "EnableBgm": true},
            "StoreCosParam": cos, "AdditionalParameters": extra, "Operator": "me",
        }),
        "image" => json!({
            "ModelName": "Hunyuan", "ModelVersion": "3.0", "SceneType": "3d_panorama", "Prompt": "p",
            "NegativePrompt": "n", "EnhancePrompt": false,
            "ImageInfos": [{"ImageUrl": "https://e/c.png", "ReferenceType": "style"}],
            "OutputImageCount": 2,
            "ExtraParameters": {"AspectRatio": "16:9", "Resolution": "2K", "LogoAdd": 0, "OutputFormat": "png"},
            "AdditionalParameters": extra, "StoreCosParam": cos, "Operator": "me",
        }),
        "audio" => json!({
            "ModelName": "MiniMaxMusic", "ModelVersion": "2.6", "SceneType": "music", "Prompt": "p",
            "VideoInfos": [{"VideoUrl": "https://e/v.mp4"}], "AudioInfos": [{"AudioUrl": "https://e/a.mp3"}],
            "OutputAudioFormat": "wav", "StoreCosParam": cos, "ExtraParameters": {"ResourceId": "r-1"},
            "AdditionalParameters": extra, "Operator": "me",
        }),
        other => panic!("a fixture for the new kind {other} is needed here"),
    }
}

/// The same object with its members (at the top level) in reverse order.
fn reversed(v: &Value) -> Value {
    let map: Map<String, Value> = v.as_object().unwrap().clone().into_iter().rev().collect();
    Value::Object(map)
}

#[test]
fn every_kind_has_its_actions_limits_and_outputs() {
    let table: Vec<(&str, &str, &str, u32, u32)> =
        KINDS.iter().map(|k| (k.name, k.create, k.describe, k.creates_per_second, k.describes_per_second)).collect();
    assert_eq!(
        table,
        [
            ("video", "CreateAigcVideoTask", "DescribeAigcVideoTask", 10, 50),
            ("image", "CreateAigcImageTask", "DescribeAigcImageTask", 20, 20),
            ("audio", "CreateAigcAudioTask", "DescribeAigcAudioTask", 20, 20),
        ]
    );
    assert_eq!(mps_aigc::kinds::by_action("DescribeAigcImageTask").map(|k| k.name), Some("image"));
    assert!(mps_aigc::kinds::by_action("ProcessMedia").is_none());
}

#[test]
fn create_body_is_byte_identical_to_the_official_node_sdk() {
    // Field order of the input does not matter: the body follows the API's documented order.
    let request = json!({
        "ExtraParameters": {"AspectRatio": "16:9", "Resolution": "1080P"},
        "Duration": 5,
        "Prompt": "一只猫在草地上奔跑, cinematic",
        "ModelVersion": "2.1",
        "ModelName": "Kling",
    });
    assert_eq!(body(&VIDEO, request), shared_vector_body("node-sdk-create"));
}

#[test]
fn every_documented_field_is_sent_in_the_sdks_order_for_every_kind() {
    for kind in KINDS {
        let full = full(kind);
        // The official SDK sends a request as JSON.stringify does: written in its documented order,
        // that is exactly this compact text.
        let sdk = serde_json::to_string(&full).unwrap();
        assert_eq!(body(kind, reversed(&full)), sdk, "{}", kind.name);
        let documented: Vec<&str> = kind.request.iter().map(|f| f.name).collect();
        let given: Vec<&String> = full.as_object().unwrap().keys().collect();
        assert_eq!(given, documented, "{}: the fixture lists every field of the model", kind.name);
    }
}

#[test]
fn describe_body_is_byte_identical_to_the_official_node_sdk() {
    let body = describe_body("4-AigcVideo-c3b145ec764****55b699e63be17d").unwrap();
    assert_eq!(String::from_utf8(body).unwrap(), shared_vector_body("node-sdk-describe"));
}

#[test]
fn unknown_fields_pass_through_at_every_level_for_every_kind() {
    for kind in KINDS {
        let sent = body(
            kind,
            json!({
                "Prompt": "p",
                "BrandNewField": {"deep": [1, {"x": "y"}]},
                "StoreCosParam": {"CosBucketName": "b", "Fps": 30},
            }),
        );
        let sent: Value = serde_json::from_str(&sent).unwrap();
        assert_eq!(sent["BrandNewField"], json!({"deep": [1, {"x": "y"}]}), "{}", kind.name);
        assert_eq!(sent["StoreCosParam"]["Fps"], 30, "{}", kind.name);
    }
    let sent: Value =
        serde_json::from_str(&body(&VIDEO, json!({"Prompt": "p", "ImageInfos": [{"ImageUrl": "u", "Text": "hero"}]})))
            .unwrap();
    assert_eq!(sent["ImageInfos"][0]["Text"], "hero");
}

#[test]
fn null_fields_are_dropped_everywhere_for_every_kind() {
    for kind in KINDS {
        let sent = body(
            kind,
            json!({
                "Prompt": "p", "ModelName": null, "Unknown": null,
                "StoreCosParam": {"CosBucketName": null, "New": null, "CosBucketPath": "x/"},
                "Nested": {"a": null, "b": 1},
            }),
        );
        assert_eq!(sent, r#"{"Prompt":"p","StoreCosParam":{"CosBucketPath":"x/"},"Nested":{"b":1}}"#, "{}", kind.name);
    }
}

#[test]
fn additional_parameters_object_becomes_the_string_the_api_wants_for_every_kind() {
    for kind in KINDS {
        let sent = body(
            kind,
            json!({"Prompt": "p", "AdditionalParameters": {"camera_control": {"type": "simple"}, "skip": null}}),
        );
        assert_eq!(sent, r#"{"Prompt":"p","AdditionalParameters":"{\"camera_control\":{\"type\":\"simple\"}}"}"#);
        let (code, msg) = refusal(kind, json!({"Prompt": "p", "AdditionalParameters": "not json"}));
        assert_eq!(code, "InvalidParameter");
        assert!(msg.starts_with("AdditionalParameters "), "{msg}");
        let (_, msg) = refusal(kind, json!({"Prompt": "p", "AdditionalParameters": [1]}));
        assert!(msg.starts_with("AdditionalParameters "), "{msg}");
    }
}

#[test]
fn prompt_is_required_unless_an_input_stands_in_for_it() {
    let inputs: &[(&Kind, &[Value])] = &[
        (
            &VIDEO,
            &[
                json!({"ImageUrl": "https://e/a.png"}),
                json!({"LastImageUrl": "https://e/a.png"}),
                json!({"ImageInfos": [{"ImageUrl": "https://e/a.png"}]}),
                json!({"VideoInfos": [{"VideoUrl": "https://e/a.mp4"}]}),
                json!({"SubjectInfos": [{"Id": "s"}]}),
            ],
        ),
        (&IMAGE, &[json!({"ImageInfos": [{"ImageUrl": "https://e/a.png"}]})]),
        (
            &AUDIO,
            &[
                json!({"VideoInfos": [{"VideoUrl": "https://e/v.mp4"}]}),
                json!({"AudioInfos": [{"AudioUrl": "https://e/a.mp3"}]}),
            ],
        ),
    ];
    assert_eq!(inputs.len(), KINDS.len());
    for (kind, inputs) in inputs {
        let (code, msg) = refusal(kind, json!({"ModelName": "X"}));
        assert_eq!(code, "MissingParameter");
        assert_eq!(msg, format!("Prompt is required {}", kind.prompt_rule));
        assert_eq!(refusal(kind, json!({"Prompt": "   "})).0, "MissingParameter");
        for input in *inputs {
            kind.create_body(input.clone().into()).unwrap_or_else(|e| panic!("{}: {input}: {e}", kind.name));
        }
        // An empty list stands in for nothing.
        let empty = json!({ kind.prompt_optional_with[kind.prompt_optional_with.len() - 1]: [] });
        assert_eq!(refusal(kind, empty).0, "MissingParameter", "{}", kind.name);
        // A camelCase prompt gets a hint.
        let (_, msg) = refusal(kind, json!({"prompt": "a cat"}));
        assert!(msg.contains("found `prompt`"), "{msg}");
    }
    // Video says what stands in for a prompt in the words of its inputs.
    assert_eq!(refusal(&VIDEO, json!({})).1, "Prompt is required when no image or reference video is given");
}

#[test]
fn prompt_length_counts_characters_not_bytes_for_every_kind() {
    for kind in KINDS {
        let at_limit = "猫".repeat(2000); // 6000 bytes, 2000 characters
        kind.create_body(json!({"Prompt": at_limit}).into()).unwrap();
        let emoji = "🎬".repeat(2001);
        let (code, msg) = refusal(kind, json!({"Prompt": emoji}));
        assert_eq!(code, "InvalidParameterValue");
        assert_eq!(msg, "Prompt has 2001 characters; at most 2000 are allowed");
    }
}

#[test]
fn counts_must_be_positive_integers() {
    for (kind, field, unit) in [(&VIDEO, "Duration", " (seconds)"), (&IMAGE, "OutputImageCount", "")] {
        for (value, code) in [
            (json!(0), "InvalidParameterValue"),
            (json!(-5), "InvalidParameterValue"),
            (json!(5.5), "InvalidParameterValue"),
            (json!(5_000_000_000u64), "InvalidParameterValue"),
            (json!("5"), "InvalidParameter"),
            (json!(true), "InvalidParameter"),
        ] {
            let (c, msg) = refusal(kind, json!({"Prompt": "p", field: value}));
            assert_eq!(c, code, "{value}");
            assert!(msg.starts_with(&format!("{field} must be a positive integer{unit}")), "{value}: {msg}");
        }
        assert!(body(kind, json!({"Prompt": "p", field: 16})).contains(&format!("\"{field}\":16")));
    }
}

#[test]
fn wrong_types_name_the_full_path() {
    let cases: &[(&Kind, Value, &str)] = &[
        (&VIDEO, json!({"Prompt": 5}), "Prompt must be a string, got an integer"),
        (&VIDEO, json!({"Prompt": "p", "EnhancePrompt": "yes"}), "EnhancePrompt must be true or false, got a string"),
        (&VIDEO, json!({"Prompt": "p", "ImageInfos": {"ImageUrl": "x"}}), "ImageInfos must be an array, got an object"),
        (
            &VIDEO,
            json!({"Prompt": "p", "ImageInfos": [{"ImageUrl": "x"}, "y"]}),
            "ImageInfos[1] must be an object, got a string",
        ),
        (
            &VIDEO,
            json!({"Prompt": "p", "ImageInfos": [{"ImageUrl": 3}]}),
            "ImageInfos[0].ImageUrl must be a string, got an integer",
        ),
        (
            &VIDEO,
            json!({"Prompt": "p", "ExtraParameters": {"LogoAdd": "1"}}),
            "ExtraParameters.LogoAdd must be an integer, got a string",
        ),
        (
            &VIDEO,
            json!({"Prompt": "p", "SubjectInfos": [{"ImageUrls": ["a", 2]}]}),
            "SubjectInfos[0].ImageUrls[1] must be a string, got an integer",
        ),
        (
            &IMAGE,
            json!({"Prompt": "p", "ExtraParameters": {"OutputFormat": 1}}),
            "ExtraParameters.OutputFormat must be a string, got an integer",
        ),
        (
            &IMAGE,
            json!({"Prompt": "p", "ImageInfos": [{"ReferenceType": false}]}),
            "ImageInfos[0].ReferenceType must be a string, got a boolean",
        ),
        (
            &AUDIO,
            json!({"Prompt": "p", "AudioInfos": [{"AudioUrl": []}]}),
            "AudioInfos[0].AudioUrl must be a string, got an array",
        ),
        (&AUDIO, json!({"Prompt": "p", "OutputAudioFormat": 3}), "OutputAudioFormat must be a string, got an integer"),
    ];
    for kind in KINDS {
        let (code, msg) = refusal(kind, json!({"Prompt": "p", "StoreCosParam": []}));
        assert_eq!(
            (code.as_str(), msg.as_str()),
            ("InvalidParameter", "StoreCosParam must be an object, got an array")
        );
    }
    for (kind, input, want) in cases {
        let (code, msg) = refusal(kind, input.clone());
        assert_eq!(code, "InvalidParameter", "{input}");
        assert_eq!(msg, *want, "{input}");
    }
}

#[test]
fn the_request_itself_must_be_an_object() {
    for kind in KINDS {
        for input in [json!(null), json!("Kling"), json!([1]), json!(3)] {
            let (code, msg) = refusal(kind, input);
            assert_eq!(code, "InvalidParameter");
            assert!(msg.starts_with("request must be an object"), "{msg}");
        }
    }
}

#[test]
fn describe_needs_a_task_id() {
    for bad in ["", "   "] {
        let e = describe_body(bad).unwrap_err();
        assert_eq!(e.code(), "MissingParameter");
        assert!(e.message().starts_with("TaskId "), "{}", e.message());
    }
}

#[test]
fn generic_payloads() {
    assert_eq!(call_body(json!(null).into()).unwrap(), b"{}");
    assert_eq!(call_body(json!({"B": 1, "A": null, "C": {"x": null}}).into()).unwrap(), br#"{"B":1,"C":{}}"#);
    let e = call_body(json!([1]).into()).unwrap_err();
    assert_eq!(e.code(), "InvalidParameter");
    assert!(e.message().starts_with("payload "));
}

#[test]
fn results_of_every_kind_are_read_with_their_outputs() {
    let answers = [
        (
            &VIDEO,
            json!({"Status": "DONE", "VideoUrls": ["https://e/v.mp4"], "Resolution": "1920x1088", "Message": "", "RequestId": "r"}),
        ),
        (
            &IMAGE,
            json!({"Status": "DONE", "ImageUrls": ["https://e/1.png", "https://e/2.png"], "Message": "", "RequestId": "r"}),
        ),
        (
            &AUDIO,
            json!({"Status": "DONE", "Message": "", "AudioInfos": [{"Url": "https://e/m.mp3", "Duration": 31.5}], "VideoInfos": [{"Url": "https://e/v.mp4", "Duration": 10}], "RequestId": "r"}),
        ),
    ];
    let urls: Vec<Vec<String>> = answers
        .iter()
        .map(|(kind, answer)| kind.output_urls(&kind.read_result(response(answer.clone())).unwrap()))
        .collect();
    assert_eq!(
        urls,
        [
            vec!["https://e/v.mp4"],
            vec!["https://e/1.png", "https://e/2.png"],
            vec!["https://e/m.mp3", "https://e/v.mp4"]
        ]
    );
    for kind in KINDS {
        // Before DONE the output lists are there, empty; the order is the documented one.
        let r = kind.read_result(response(json!({"RequestId": "r", "Status": "RUN"}))).unwrap();
        let keys: Vec<&str> = r.keys().collect();
        let lists: Vec<&str> = kind.outputs.iter().map(|(f, _)| *f).collect();
        assert!(lists.iter().all(|l| *r.get(l).unwrap() == json!([])), "{}: {r:?}", kind.name);
        assert_eq!(keys.first(), Some(&"Status"));
        assert!(kind.output_urls(&r).is_empty());
    }
    let e = AUDIO
        .read_result(response(json!({"Status": "DONE", "AudioInfos": [{"Url": 5}], "RequestId": "r"})))
        .unwrap_err();
    assert_eq!(
        (e.code(), e.message()),
        ("InvalidResponse", "Response.AudioInfos[0].Url must be a string, got an integer")
    );
    assert!(read_created(response(json!({"TaskId": "4-AigcImage-1", "RequestId": "r"}))).is_ok());
}
