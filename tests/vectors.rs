//! Every TC3 vector, checked at every stage of the algorithm.
//!
//! `vectors/tc3.json` is a copy of the project's shared vectors (`../shared/vectors/tc3.json`:
//! the official Node SDK's unit test, three revisions of Tencent's signature documentation, and
//! requests captured from the official Node and Python SDKs). `vectors/own.json` adds our own cases
//! (UTC midnight, emoji, STS token, signed action, hosts with ports), computed independently by
//! `scripts/gen-own-vectors.py`.
#![cfg(not(target_arch = "wasm32"))]

use mps_aigc::tc3::{self, SignInput, Signer, SigningKey};
use mps_aigc::Credentials;
use serde_json::Value;

struct Vector {
    name: String,
    input: Value,
    expected: Value,
}

fn load(file: &str) -> Vec<Vector> {
    let path = format!("{}/tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| Vector {
            name: v["input"]["name"].as_str().unwrap().to_owned(),
            input: v["input"].clone(),
            expected: v["expected"].clone(),
        })
        .collect()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} missing"))
}

fn opt<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v[key].as_str()
}

fn hex_to_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
}

fn check(v: &Vector) {
    let i = &v.input;
    let e = &v.expected;
    let body = hex_to_bytes(s(i, "body_hex"));
    assert_eq!(body, s(i, "body").as_bytes(), "{}: body and body_hex disagree", v.name);

    let mut creds = Credentials::new(s(i, "secret_id"), s(i, "secret_key"));
    if let Some(token) = opt(i, "token") {
        creds = creds.with_token(token);
    }
    let input = SignInput {
        service: s(i, "service"),
        host: s(i, "host"),
        action: s(i, "action"),
        version: s(i, "version"),
        timestamp: i["timestamp"].as_u64().unwrap(),
        content_type: s(i, "content_type"),
        body: &body,
        region: opt(i, "region"),
        language: opt(i, "language"),
        sign_action_header: i["sign_action_header"].as_bool().unwrap_or(false),
    };
    let name = &v.name;

    // Each stage on its own, so a failure names the broken step.
    let date = tc3::utc_date(input.timestamp);
    assert_eq!(date, s(e, "date"), "{name}: date");
    if let Some(host) = opt(e, "signed_host") {
        assert_eq!(tc3::signed_host(input.host), host, "{name}: signed host");
    }
    let hashed = tc3::hashed_payload(&body);
    assert_eq!(hashed, s(e, "hashed_payload"), "{name}: hashed payload");
    let canonical = tc3::canonical_request(&input, &hashed);
    assert_eq!(canonical.text, s(e, "canonical_request"), "{name}: canonical request");
    assert_eq!(canonical.signed_headers, s(e, "signed_headers"), "{name}: signed headers");
    let to_sign = tc3::string_to_sign(input.timestamp, &date, input.service, &canonical.text);
    assert_eq!(to_sign, s(e, "string_to_sign"), "{name}: string to sign");
    assert!(to_sign.ends_with(s(e, "hashed_canonical_request")), "{name}: hashed canonical request");
    let key = SigningKey::derive(&creds.secret_key, &date, input.service);
    assert_eq!(hex_of(key.as_bytes()), s(e, "signing_key_hex"), "{name}: signing key");
    let signature = tc3::signature(&key, &to_sign);
    assert_eq!(signature, s(e, "signature"), "{name}: signature");
    let auth = tc3::authorization(&creds.secret_id, &date, input.service, canonical.signed_headers, &signature);
    assert_eq!(auth, s(e, "authorization"), "{name}: authorization");

    // The composed signers agree with the stages, with and without the key cache.
    let signed = tc3::sign(&creds, &input);
    assert_eq!(signed.signature, s(e, "signature"), "{name}: sign()");
    assert_eq!(signed.authorization, s(e, "authorization"), "{name}: sign()");
    let mut signer = Signer::new();
    for _ in 0..2 {
        assert_eq!(signer.sign(&creds, &input), signed, "{name}: Signer::sign (cold, then cached)");
    }

    // And the headers to send are exactly the ones that apply, in the documented order.
    let mut want = vec![
        ("Authorization", s(e, "authorization").to_owned()),
        ("Content-Type", input.content_type.to_owned()),
        ("X-TC-Action", input.action.to_owned()),
        ("X-TC-Timestamp", input.timestamp.to_string()),
        ("X-TC-Version", input.version.to_owned()),
    ];
    if let Some(region) = input.region {
        want.push(("X-TC-Region", region.to_owned()));
    }
    if let Some(token) = opt(i, "token") {
        want.push(("X-TC-Token", token.to_owned()));
    }
    if let Some(language) = input.language {
        want.push(("X-TC-Language", language.to_owned()));
    }
    assert_eq!(signed.headers, want, "{name}: headers");
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn shared_vectors_pass_at_every_stage() {
    let vectors = load("tc3.json");
    assert_eq!(vectors.len(), 7, "the shared file holds seven vectors");
    for v in &vectors {
        check(v);
    }
}

#[test]
fn own_vectors_pass_at_every_stage() {
    let vectors = load("own.json");
    assert!(vectors.len() >= 8);
    for v in &vectors {
        check(v);
    }
}

#[test]
fn midnight_moves_the_scope_and_the_key() {
    let own = load("own.json");
    let find = |n: &str| own.iter().find(|v| v.name == n).unwrap();
    let (before, after) = (find("utc-last-second-of-day"), find("utc-first-second-of-day"));
    assert_eq!(s(&before.expected, "date"), "2025-12-31");
    assert_eq!(s(&after.expected, "date"), "2026-01-01");
    assert_ne!(s(&before.expected, "signing_key_hex"), s(&after.expected, "signing_key_hex"));
}

#[test]
fn token_is_sent_but_not_signed() {
    // The same request with and without a token has the same signature: X-TC-Token is not signed.
    let plain = Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE");
    let sts = plain.clone().with_token("tok");
    let input = SignInput::mps("mps.tencentcloudapi.com", "DescribeAigcVideoTask", b"{}", 1_767_222_000);
    let (a, b) = (tc3::sign(&plain, &input), tc3::sign(&sts, &input));
    assert_eq!(a.signature, b.signature);
    assert!(b.headers.contains(&("X-TC-Token", "tok".to_owned())));
    assert!(!a.headers.iter().any(|(n, _)| *n == "X-TC-Token"));
    assert!(!format!("{b:?}").contains("tok\""), "Debug of Signed must not show the token");
}
