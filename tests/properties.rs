//! Property tests: the parser and the request builder never panic, whatever they are given, and
//! what the builder accepts it sends as valid JSON that keeps the caller's values.
//!
//! In wasm a panic aborts the whole instance, so "never panics" is a hard requirement. The case
//! count defaults to proptest's 256; `PROPTEST_CASES=100000 cargo test --test properties` is the
//! long run.
#![cfg(not(target_arch = "wasm32"))]

use mps_aigc::envelope::parse;
use mps_aigc::kinds::{read_created, VIDEO};
use mps_aigc::proxy::{default_actions, Incoming, ProxyPolicy, Verdict};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Any JSON value, biased toward the API's field names so the typed paths are exercised.
fn json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("Prompt".to_owned()),
        Just("ImageUrl".to_owned()),
        Just("ImageInfos".to_owned()),
        Just("Duration".to_owned()),
        Just("ExtraParameters".to_owned()),
        Just("AdditionalParameters".to_owned()),
        Just("SubjectInfos".to_owned()),
        Just("ImageUrls".to_owned()),
        Just("Resolution".to_owned()),
        Just("LogoAdd".to_owned()),
        Just("Response".to_owned()),
        Just("Error".to_owned()),
        Just("Code".to_owned()),
        Just("RequestId".to_owned()),
        Just("TaskId".to_owned()),
        Just("Status".to_owned()),
        Just("VideoUrls".to_owned()),
        "\\PC{0,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        "\\PC{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

proptest! {
    #[test]
    fn parser_never_panics_on_bytes(status in prop_oneof![Just(200u16), 100u16..600], body in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse(status, &body);
    }

    #[test]
    fn parser_never_panics_on_json(status in prop_oneof![Just(200u16), Just(500u16)], value in json()) {
        let body = serde_json::to_vec(&value).unwrap();
        if let Ok(response) = parse(status, &body) {
            let _ = read_created(response.clone());
            let _ = VIDEO.read_result(response);
        }
    }

    #[test]
    fn parser_reads_every_well_formed_error(code in "[A-Za-z.]{1,40}", message in "\\PC{0,60}", id in "[a-f0-9-]{1,36}") {
        let body = serde_json::json!({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": id}});
        let e = parse(200, body.to_string().as_bytes()).unwrap_err();
        prop_assert_eq!(e.code(), code.as_str());
        prop_assert_eq!(e.message(), message.as_str());
        prop_assert_eq!(e.request_id(), Some(id.as_str()));
    }

    #[test]
    fn builder_never_panics_and_what_it_accepts_is_valid_json(value in json()) {
        let Value::Object(mut map) = value else { return Ok(()) };
        map.insert("Prompt".into(), Value::String("p".into()));
        let _ = VIDEO.advise(&Value::Object(map.clone()));
        if let Ok(body) = VIDEO.create_body(Value::Object(map.clone())) {
            let sent: Value = serde_json::from_slice(&body).expect("body is JSON");
            // Every non-null top-level value the caller gave is sent (AdditionalParameters as a string).
            for (k, v) in &map {
                if v.is_null() || k == "AdditionalParameters" { continue; }
                prop_assert!(sent.get(k).is_some(), "{} dropped", k);
            }
        }
    }

    #[test]
    fn the_proxy_policy_never_panics_and_never_forwards_without_the_token(
        method in prop_oneof![Just("POST".to_owned()), Just("OPTIONS".to_owned()), "\\PC{0,10}"],
        path in prop_oneof![Just("/".to_owned()), "\\PC{0,30}"],
        origin in proptest::option::of("\\PC{0,40}"),
        authorization in proptest::option::of(prop_oneof![Just("Bearer right-token-0123456789".to_owned()), "\\PC{0,60}"]),
        action in proptest::option::of(prop_oneof![Just("CreateAigcVideoTask".to_owned()), "\\PC{0,40}"]),
        content_length in proptest::option::of(any::<u64>()),
        body in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        let policy = ProxyPolicy::new(
            default_actions(),
            &["right-token-0123456789".to_owned()],
            vec!["https://app.example".to_owned()],
            1024,
            "/".to_owned(),
        );
        let req = Incoming {
            method: &method,
            path: &path,
            origin: origin.as_deref(),
            authorization: authorization.as_deref(),
            action: action.as_deref(),
            content_length,
        };
        if let Verdict::Forward(forwarded) = policy.decide(&req) {
            prop_assert_eq!(authorization.as_deref(), Some("Bearer right-token-0123456789"));
            prop_assert!(default_actions().contains(&forwarded));
            prop_assert_eq!(method.as_str(), "POST");
        }
        let _ = policy.check_body(&body);
    }

    #[test]
    fn prompts_of_any_text_survive_byte_for_byte(prompt in "\\PC{1,300}") {
        prop_assume!(!prompt.trim().is_empty());
        let body = VIDEO.create_body(serde_json::json!({"Prompt": prompt})).unwrap();
        let sent: Value = serde_json::from_slice(&body).unwrap();
        prop_assert_eq!(sent["Prompt"].as_str().unwrap(), prompt.as_str());
    }
}
