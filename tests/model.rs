//! Building requests: bodies, pass-through, null dropping, and the checks that name the field.
#![cfg(not(target_arch = "wasm32"))]

use mps_aigc::kinds::{call_body, describe_body, VIDEO};
use serde_json::{json, Value};

fn body(v: Value) -> String {
    String::from_utf8(VIDEO.create_body(v).unwrap()).unwrap()
}

fn refusal(v: Value) -> (String, String) {
    let e = VIDEO.create_body(v).unwrap_err();
    (e.code().to_owned(), e.message().to_owned())
}

fn shared_vector_body(name: &str) -> String {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/tc3.json")).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let v = doc["vectors"].as_array().unwrap().iter().find(|v| v["input"]["name"] == name).unwrap();
    v["input"]["body"].as_str().unwrap().to_owned()
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
    assert_eq!(body(request), shared_vector_body("node-sdk-create"));
}

#[test]
fn describe_body_is_byte_identical_to_the_official_node_sdk() {
    let body = describe_body("4-AigcVideo-c3b145ec764****55b699e63be17d").unwrap();
    assert_eq!(String::from_utf8(body).unwrap(), shared_vector_body("node-sdk-describe"));
}

#[test]
fn every_documented_field_round_trips() {
    let full = json!({
        "ModelName": "Kling", "ModelVersion": "O1", "SceneType": "motion_control", "Prompt": "p",
        "NegativePrompt": "n", "EnhancePrompt": true, "ImageUrl": "https://e/a.png",
        "LastImageUrl": "https://e/b.png",
        "ImageInfos": [{"ImageUrl": "https://e/c.png", "ReferenceType": "asset"}],
        "VideoInfos": [{"VideoUrl": "https://e/v.mp4", "ReferType": "feature", "KeepOriginalSound": "yes"}],
        "AudioInfos": [{"AudioUrl": "https://e/a.mp3"}],
        "SubjectInfos": [{"Id": "s1", "Name": "cat", "VoiceId": "v1", "ImageUrls": ["https://e/s.png"], "VideoUrls": []}],
        "Duration": 10,
        "ExtraParameters": {"Resolution": "1080P", "AspectRatio": "9:16", "LogoAdd": 1, "EnableAudio": true, "OffPeak": false, "EnableBgm": true},
        "StoreCosParam": {"CosBucketName": "b-125", "CosBucketRegion": "ap-guangzhou", "CosBucketPath": "out/"},
        "AdditionalParameters": "{\"camera_control\":{\"type\":\"simple\"}}",
        "Operator": "me",
    });
    let sent: Value = serde_json::from_str(&body(full.clone())).unwrap();
    assert_eq!(sent, full);
}

#[test]
fn unknown_fields_pass_through_at_every_level() {
    let sent = body(json!({
        "Prompt": "p",
        "BrandNewField": {"deep": [1, {"x": "y"}]},
        "ImageInfos": [{"ImageUrl": "https://e/c.png", "Text": "hero"}],
        "ExtraParameters": {"Resolution": "720P", "Fps": 30},
    }));
    let sent: Value = serde_json::from_str(&sent).unwrap();
    assert_eq!(sent["BrandNewField"], json!({"deep": [1, {"x": "y"}]}));
    assert_eq!(sent["ImageInfos"][0]["Text"], "hero");
    assert_eq!(sent["ExtraParameters"]["Fps"], 30);
}

#[test]
fn null_fields_are_dropped_everywhere() {
    let sent = body(json!({
        "Prompt": "p", "ModelName": null, "Unknown": null,
        "ExtraParameters": {"Resolution": null, "New": null, "AspectRatio": "1:1"},
        "Nested": {"a": null, "b": 1},
    }));
    assert_eq!(sent, r#"{"Prompt":"p","ExtraParameters":{"AspectRatio":"1:1"},"Nested":{"b":1}}"#);
}

#[test]
fn additional_parameters_object_becomes_the_string_the_api_wants() {
    let sent =
        body(json!({"Prompt": "p", "AdditionalParameters": {"camera_control": {"type": "simple"}, "skip": null}}));
    assert_eq!(sent, r#"{"Prompt":"p","AdditionalParameters":"{\"camera_control\":{\"type\":\"simple\"}}"}"#);
    let (code, msg) = refusal(json!({"Prompt": "p", "AdditionalParameters": "not json"}));
    assert_eq!(code, "InvalidParameter");
    assert!(msg.starts_with("AdditionalParameters "), "{msg}");
    let (_, msg) = refusal(json!({"Prompt": "p", "AdditionalParameters": [1]}));
    assert!(msg.starts_with("AdditionalParameters "), "{msg}");
}

#[test]
fn prompt_is_required_without_an_image() {
    let (code, msg) = refusal(json!({"ModelName": "Kling"}));
    assert_eq!(code, "MissingParameter");
    assert!(msg.starts_with("Prompt is required"), "{msg}");
    assert_eq!(refusal(json!({"Prompt": "   "})).0, "MissingParameter");
    // Any image or reference video makes the prompt optional.
    for input in [
        json!({"ImageUrl": "https://e/a.png"}),
        json!({"LastImageUrl": "https://e/a.png"}),
        json!({"ImageInfos": [{"ImageUrl": "https://e/a.png"}]}),
        json!({"VideoInfos": [{"VideoUrl": "https://e/a.mp4"}]}),
        json!({"SubjectInfos": [{"Id": "s"}]}),
    ] {
        VIDEO.create_body(input.clone()).unwrap_or_else(|e| panic!("{input}: {e}"));
    }
    assert_eq!(refusal(json!({"ImageInfos": []})).0, "MissingParameter");
}

#[test]
fn camel_case_prompt_gets_a_hint() {
    let (_, msg) = refusal(json!({"prompt": "a cat"}));
    assert!(msg.contains("found `prompt`"), "{msg}");
}

#[test]
fn prompt_length_counts_characters_not_bytes() {
    let at_limit = "猫".repeat(2000); // 6000 bytes, 2000 characters
    VIDEO.create_body(json!({"Prompt": at_limit})).unwrap();
    let emoji = "🎬".repeat(2001);
    let (code, msg) = refusal(json!({"Prompt": emoji}));
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(msg, "Prompt has 2001 characters; at most 2000 are allowed");
}

#[test]
fn duration_must_be_a_positive_integer() {
    for (value, code) in [
        (json!(0), "InvalidParameterValue"),
        (json!(-5), "InvalidParameterValue"),
        (json!(5.5), "InvalidParameterValue"),
        (json!(5_000_000_000u64), "InvalidParameterValue"),
        (json!("5"), "InvalidParameter"),
        (json!(true), "InvalidParameter"),
    ] {
        let (c, msg) = refusal(json!({"Prompt": "p", "Duration": value}));
        assert_eq!(c, code, "{value}");
        assert!(msg.starts_with("Duration must be a positive integer"), "{value}: {msg}");
    }
    assert!(body(json!({"Prompt": "p", "Duration": 16})).contains("\"Duration\":16"));
}

#[test]
fn wrong_types_name_the_full_path() {
    let cases = [
        (json!({"Prompt": 5}), "Prompt must be a string, got an integer"),
        (json!({"Prompt": "p", "EnhancePrompt": "yes"}), "EnhancePrompt must be true or false, got a string"),
        (json!({"Prompt": "p", "ImageInfos": {"ImageUrl": "x"}}), "ImageInfos must be an array, got an object"),
        (
            json!({"Prompt": "p", "ImageInfos": [{"ImageUrl": "x"}, "y"]}),
            "ImageInfos[1] must be an object, got a string",
        ),
        (
            json!({"Prompt": "p", "ImageInfos": [{"ImageUrl": 3}]}),
            "ImageInfos[0].ImageUrl must be a string, got an integer",
        ),
        (
            json!({"Prompt": "p", "ExtraParameters": {"LogoAdd": "1"}}),
            "ExtraParameters.LogoAdd must be an integer, got a string",
        ),
        (
            json!({"Prompt": "p", "SubjectInfos": [{"ImageUrls": ["a", 2]}]}),
            "SubjectInfos[0].ImageUrls[1] must be a string, got an integer",
        ),
        (json!({"Prompt": "p", "StoreCosParam": []}), "StoreCosParam must be an object, got an array"),
    ];
    for (input, want) in cases {
        let (code, msg) = refusal(input.clone());
        assert_eq!(code, "InvalidParameter", "{input}");
        assert_eq!(msg, want, "{input}");
    }
}

#[test]
fn the_request_itself_must_be_an_object() {
    for input in [json!(null), json!("Kling"), json!([1]), json!(3)] {
        let (code, msg) = refusal(input);
        assert_eq!(code, "InvalidParameter");
        assert!(msg.starts_with("request must be an object"), "{msg}");
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
    assert_eq!(call_body(json!(null)).unwrap(), b"{}");
    assert_eq!(call_body(json!({"B": 1, "A": null, "C": {"x": null}})).unwrap(), br#"{"B":1,"C":{}}"#);
    let e = call_body(json!([1])).unwrap_err();
    assert_eq!(e.code(), "InvalidParameter");
    assert!(e.message().starts_with("payload "));
}
