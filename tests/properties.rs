//! Property tests: the parser and the request builder never panic, whatever they are given, and
//! what the builder accepts it sends as valid JSON that keeps the caller's values.
//!
//! In wasm a panic aborts the whole instance, so "never panics" is a hard requirement. The case
//! count defaults to proptest's 256; `PROPTEST_CASES=100000 cargo test --test properties` is the
//! long run.
#![cfg(not(target_arch = "wasm32"))]

use mps_aigc::envelope::parse;
use mps_aigc::kinds::{read_created, VIDEO};
use mps_aigc::proxy::{default_actions, handle, token, Gates, Head, Identity, Incoming, Limits, ProxyPolicy};
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
        let _ = VIDEO.advise(&Value::Object(map.clone()).into());
        if let Ok(body) = VIDEO.create_body(Value::Object(map.clone()).into()) {
            let sent: Value = serde_json::from_slice(&body).expect("body is JSON");
            // Every non-null top-level value the caller gave is sent (AdditionalParameters as a string).
            for (k, v) in &map {
                if v.is_null() || k == "AdditionalParameters" { continue; }
                prop_assert!(sent.get(k).is_some(), "{} dropped", k);
            }
        }
    }

    #[test]
    fn the_proxy_policy_never_panics_and_never_admits_without_the_token(
        method in prop_oneof![Just("POST".to_owned()), Just("OPTIONS".to_owned()), "\\PC{0,10}"],
        path in prop_oneof![Just("/".to_owned()), "\\PC{0,30}"],
        origin in proptest::option::of("\\PC{0,40}"),
        authorization in proptest::option::of(prop_oneof![Just("Bearer right-token-0123456789".to_owned()), Just("bearer right-token-0123456789".to_owned()), "\\PC{0,60}"]),
        action in proptest::option::of(prop_oneof![Just("CreateAigcVideoTask".to_owned()), "\\PC{0,40}"]),
        content_length in proptest::option::of(any::<u64>()),
        body in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        let gates = Gates {
            proxy_tokens: vec!["right-token-0123456789".to_owned()],
            allow_origins: vec!["https://app.example".to_owned()],
            handle_secret: Some(b"a static secret key".to_vec()),
            ..Gates::default()
        };
        let policy = ProxyPolicy::new(default_actions(), gates, Limits::default(), 1024, "/".to_owned()).unwrap();
        let req = Incoming {
            method: &method,
            path: &path,
            origin: origin.as_deref(),
            authorization: authorization.as_deref(),
            action: action.as_deref(),
            content_length,
        };
        if policy.head(&req) != Head::Continue {
            return Ok(());
        }
        prop_assert_eq!(method.as_str(), "POST");
        if let Identity::Caller(caller) = policy.identify(req.authorization, req.origin, 1_000_000) {
            let token = authorization.as_deref().unwrap().split_once(' ').unwrap().1.trim();
            prop_assert_eq!(token, "right-token-0123456789");
            if let Ok(admitted) = policy.admit(&caller, &req) {
                prop_assert!(default_actions().contains(&admitted));
                let _ = policy.check_body(&admitted, &body, &caller, false);
                let _ = policy.seal_answer(&admitted, &caller, &body);
            }
        }
    }

    #[test]
    fn no_token_verifies_unless_minted_with_the_secret(garbage in "\\PC{0,200}", flip in 0usize..400) {
        let secret = b"an example token secret of 32+ bytes, for tests only".to_vec();
        prop_assert!(token::verify(std::slice::from_ref(&secret), &garbage, 0).is_err());
        let claims = token::Claims { subject: "s".into(), expires: u64::MAX / 2, actions: None, limits: Default::default() };
        let good = token::mint(&secret, &claims);
        // Any one character changed: refused (unless the change is in base64 padding bits).
        let mut bytes = good.clone().into_bytes();
        let i = flip % bytes.len();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(bytes).unwrap();
        if changed != good {
            if let Ok(c) = token::verify(std::slice::from_ref(&secret), &changed, 0) {
                prop_assert_eq!(c, claims, "a change that verifies can only be a padding bit");
            }
        }
    }

    #[test]
    fn no_handle_opens_unless_sealed_for_the_subject(id in "[A-Za-z0-9-]{1,60}", other in "\\PC{0,80}", subject in "\\PC{1,20}") {
        let key = handle::derive_key(b"secret");
        let sealed = handle::seal(&key, &subject, &id);
        prop_assert_eq!(handle::open(&[key], &subject, &sealed), Some(id.clone()));
        prop_assert_eq!(handle::open(&[key], &format!("{subject}x"), &sealed), None);
        // A string that is not the sealed handle (random, or the id with another MAC) never opens.
        prop_assert_eq!(handle::open(&[key], &subject, &other), None);
        prop_assert_eq!(handle::open(&[key], &subject, &format!("{id}~{other}")), None);
    }

    #[test]
    fn prompts_of_any_text_survive_byte_for_byte(prompt in "\\PC{1,300}") {
        prop_assume!(!prompt.trim().is_empty());
        let body = VIDEO.create_body(serde_json::json!({"Prompt": prompt}).into()).unwrap();
        let sent: Value = serde_json::from_slice(&body).unwrap();
        prop_assert_eq!(sent["Prompt"].as_str().unwrap(), prompt.as_str());
    }
}
