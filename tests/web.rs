//! The JavaScript boundary, run inside real runtimes by wasm-bindgen-test: Node
//! (`wasm-pack test --node`) and headless Chromium (`wasm-pack test --headless --chrome`).
//!
//! These drive the exports the package's JavaScript drives (the client's settings and signing, the
//! call and wait machines, the pacer, request bodies) with scripted answers, so they run the same in
//! a browser page as in Node, with no server: what crosses the boundary (strings, bytes, errors,
//! JavaScript values read from options) is checked in each runtime.
#![cfg(target_arch = "wasm32")]

use js_sys::{Object, Reflect};
use mps_aigc::policy::codes::*;
use mps_aigc::wasm::{create_body, describe_body, sign_tc3_values, Call, Client, Pacer};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

#[wasm_bindgen(inline_js = r#"
export function object(json) { return JSON.parse(json); }
export function now() { return Date.now(); }
export function throwingGetter(json, name) {
  return Object.defineProperty(JSON.parse(json), name, { enumerable: true, get() { throw new Error("hostile getter"); } });
}
"#)]
extern "C" {
    fn object(json: &str) -> JsValue;
    fn now() -> f64;
    #[wasm_bindgen(js_name = throwingGetter)]
    fn throwing_getter(json: &str, name: &str) -> JsValue;
}

const KEYS: &str =
    r#""secretId":"AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE","secretKey":"Gu5t9xGARNpq86cd98joQYCN3EXAMPLE""#;

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

/// A describe answer's body.
fn status_body(status: &str) -> String {
    format!(r#"{{"Response":{{"Status":"{status}","VideoUrls":[],"RequestId":"r-1"}}}}"#)
}

/// A client with the example keys and `extra` options (JSON members).
fn client(extra: &str) -> Client {
    Client::new(object(&format!(r#"{{{KEYS},"endpoint":"https://mps.tencentcloudapi.com"{extra}}}"#))).unwrap()
}

/// Reports an answer to a call at the current time.
fn answer(call: &mut Call, status: u16, body: &str, server_ms: f64) -> u8 {
    call.answered(status, body.as_bytes(), server_ms, f64::NAN, 0.0, now(), 0.5)
}

/// The `X-TC-Timestamp` a client signs with now.
fn timestamp(c: &Client) -> f64 {
    let packed = c.upstream().headers("DescribeAigcVideoTask", b"{}", now(), JsValue::UNDEFINED, None).unwrap();
    let parts: Vec<&str> = packed.split('\n').collect();
    let i = parts.iter().position(|p| *p == "X-TC-Timestamp").unwrap();
    parts[i + 1].parse().unwrap()
}

/// `signTc3Values` as api.js calls it; returns `authorization \n signature \n name \n value ...`.
fn sign(i: &Value) -> Result<Vec<String>, JsValue> {
    let text = |k: &str| i[k].as_str().map(str::to_owned);
    sign_tc3_values(
        text("secret_id").unwrap_or_default(),
        text("secret_key").unwrap_or_default(),
        text("token"),
        text("service"),
        text("host"),
        text("action").unwrap_or_default(),
        text("version"),
        i["timestamp"].as_f64(),
        text("body"),
        None,
        text("content_type"),
        text("region"),
        text("language"),
        i["sign_action_header"].as_bool().unwrap_or(false),
    )
    .map(|packed| packed.split('\n').map(str::to_owned).collect())
}

#[wasm_bindgen_test]
fn signing_reproduces_every_shared_vector_through_the_boundary() {
    let doc: Value = serde_json::from_str(include_str!("vectors/tc3.json")).unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 7);
    for v in vectors {
        let parts = sign(&v["input"]).unwrap();
        assert_eq!(parts[0], v["expected"]["authorization"].as_str().unwrap());
        assert_eq!(parts[1], v["expected"]["signature"].as_str().unwrap());
        assert_eq!(parts[2..4], ["Authorization".to_owned(), parts[0].clone()]);
    }
}

#[wasm_bindgen_test]
fn errors_are_mps_errors_naming_the_field() {
    let e = sign(&serde_json::json!({"secret_id": "x", "action": "A"})).unwrap_err();
    assert!(e.is_instance_of::<js_sys::Error>());
    assert_eq!(get(&e, "name").as_string().unwrap(), "MpsError");
    assert_eq!(get(&e, "code").as_string().unwrap(), "MissingParameter");
    assert!(get(&e, "message").as_string().unwrap().starts_with("secretKey"));
    assert_eq!(get(&e, "retryable"), JsValue::FALSE);
    let e = sign(&serde_json::json!({"secret_id": "x", "secret_key": "k", "action": "A", "region": "bad\nregion"}))
        .unwrap_err();
    assert!(get(&e, "message").as_string().unwrap().starts_with("region must be non-empty printable ASCII"));
}

#[wasm_bindgen_test]
fn create_describe_wait_round_trip() {
    let c = client("");
    let body = create_body(0, r#"{"Prompt":"a cat","Duration":5,"ModelName":"Kling"}"#).unwrap();
    assert_eq!(body, br#"{"ModelName":"Kling","Prompt":"a cat","Duration":5}"#, "the API's field order");
    let packed = c.upstream().headers("CreateAigcVideoTask", &body, now(), JsValue::UNDEFINED, None).unwrap();
    assert!(
        packed.starts_with("Authorization\nTC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/"),
        "{packed}"
    );
    let mut call = c.start(OP_CREATE, 0, "CreateAigcVideoTask", f64::NAN);
    assert_eq!(answer(&mut call, 200, r#"{"Response":{"TaskId":"t-1","RequestId":"r-1"}}"#, f64::NAN), STEP_DONE);
    assert_eq!(call.result(), r#"{"TaskId":"t-1","RequestId":"r-1"}"#);

    let mut waiter = c.waiter(0, "t-1".into(), object(r#"{"intervalMs":5}"#), 0.0).unwrap();
    for (status, step) in [("WAIT", STEP_SLEEP), ("RUN", STEP_SLEEP), ("DONE", STEP_DONE)] {
        let mut call = c.start(OP_DESCRIBE, 0, "DescribeAigcVideoTask", waiter.deadline());
        let body = if status == "DONE" {
            r#"{"Response":{"Status":"DONE","VideoUrls":["https://v/x.mp4"],"Resolution":"1920x1088","RequestId":"r"}}"#
                .to_owned()
        } else {
            status_body(status)
        };
        assert_eq!(answer(&mut call, 200, &body, f64::NAN), STEP_DONE);
        assert_eq!(waiter.after(&call, 10.0, 0.5), step, "{status}");
    }
    assert_eq!(describe_body("t-1".into()).unwrap(), br#"{"TaskId":"t-1"}"#);
}

#[wasm_bindgen_test]
fn describe_retries_transient_failures_and_create_does_not() {
    let c = client("");
    let mut call = c.start(OP_DESCRIBE, 0, "DescribeAigcVideoTask", f64::NAN);
    assert_eq!(answer(&mut call, 502, "bad gateway", f64::NAN), STEP_SLEEP);
    assert!((250.0..=500.0).contains(&call.delay_ms()));
    assert_eq!(call.failed("terminated", "UND_ERR_SOCKET", 2, b"", 0.0, now(), 0.5), STEP_SLEEP);
    assert_eq!(answer(&mut call, 200, &status_body("RUN"), f64::NAN), STEP_DONE);

    let mut call = c.start(OP_CREATE, 0, "CreateAigcVideoTask", f64::NAN);
    assert_eq!(answer(&mut call, 502, "bad gateway", f64::NAN), STEP_FAIL);
    let e = call.error(JsValue::UNDEFINED);
    assert!(e.is_instance_of::<js_sys::Error>());
    assert_eq!(get(&e, "code").as_string().unwrap(), "ServerNetworkError");
    assert_eq!(get(&e, "maybeCreated"), JsValue::TRUE);
    assert_eq!(get(&e, "httpStatus").as_f64(), Some(502.0));
    assert_eq!(get(&e, "action").as_string().unwrap(), "CreateAigcVideoTask");
}

#[wasm_bindgen_test]
fn an_expired_signature_is_fixed_from_the_date_header() {
    let c = client("");
    let before = timestamp(&c);
    let mut call = c.start(OP_CREATE, 0, "CreateAigcVideoTask", f64::NAN);
    let expired =
        r#"{"Response":{"Error":{"Code":"AuthFailure.SignatureExpire","Message":"expired"},"RequestId":"r"}}"#;
    assert_eq!(answer(&mut call, 200, expired, now() + 3_600_000.0), STEP_RESIGN);
    let shift = timestamp(&c) - before;
    assert!((3590.0..3610.0).contains(&shift), "re-signed an hour ahead: {shift}");
    assert_eq!(answer(&mut call, 200, expired, now() + 3_600_000.0), STEP_FAIL, "only once");
}

#[wasm_bindgen_test]
fn the_pacer_holds_the_window_across_the_boundary() {
    let mut p = Pacer::new(2);
    let (a, b, c) = (p.join(), p.join(), p.join());
    assert_eq!(p.turn(a, 0.0), TURN_GO);
    assert_eq!(p.turn(c, 0.0), TURN_QUEUED);
    assert_eq!(p.turn(b, 0.0), TURN_GO);
    assert_eq!(p.turn(c, 0.0), TURN_AFTER_FINISH);
    p.finish(10.0);
    assert!(p.turn(c, 11.0) > 1000.0, "a window after the first answer");
    p.leave(c);
    assert_eq!(p.front(), -1.0);
}

#[wasm_bindgen_test]
fn a_failed_task_and_a_deadline_carry_the_task_id() {
    let c = client("");
    let mut waiter = c.waiter(0, "t-9".into(), object(r#"{"intervalMs":5}"#), 0.0).unwrap();
    let mut call = c.start(OP_DESCRIBE, 0, "DescribeAigcVideoTask", waiter.deadline());
    let failed = r#"{"Response":{"Status":"FAIL","Message":"refused","VideoUrls":[],"RequestId":"r"}}"#;
    assert_eq!(answer(&mut call, 200, failed, f64::NAN), STEP_DONE);
    assert_eq!(waiter.after(&call, 10.0, 0.5), STEP_FAIL);
    let e = waiter.error(JsValue::UNDEFINED);
    assert_eq!(get(&e, "name").as_string().unwrap(), "TaskFailedError");
    assert_eq!(get(&e, "taskId").as_string().unwrap(), "t-9");
    assert!(get(&e, "message").as_string().unwrap().contains("refused"));

    let mut waiter = c.waiter(0, "t-8".into(), object(r#"{"intervalMs":20,"timeoutMs":60}"#), 0.0).unwrap();
    assert_eq!(waiter.deadline(), 60.0);
    let mut call = c.start(OP_DESCRIBE, 0, "DescribeAigcVideoTask", waiter.deadline());
    assert_eq!(answer(&mut call, 200, &status_body("RUN"), f64::NAN), STEP_DONE);
    assert_eq!(waiter.after(&call, 61.0, 0.5), STEP_FAIL);
    let e = waiter.error(JsValue::UNDEFINED);
    assert_eq!(get(&e, "name").as_string().unwrap(), "WaitTimeoutError");
    assert_eq!(get(&e, "lastStatus").as_string().unwrap(), "RUN");
}

#[wasm_bindgen_test]
fn hostile_input_is_refused_and_the_instance_keeps_working() {
    let e = Client::new(throwing_getter(&format!("{{{KEYS}}}"), "region")).err().unwrap();
    assert_eq!(get(&e, "code").as_string().unwrap(), "InvalidParameter");
    assert!(get(&e, "message").as_string().unwrap().starts_with("region could not be read"));
    let options = object(&format!("{{{KEYS}}}"));
    Reflect::set(&options, &"region".into(), &js_sys::JsString::from_char_code1(0xD800)).unwrap();
    let e = Client::new(options).err().unwrap();
    assert!(get(&e, "message").as_string().unwrap().contains("lone surrogate"));
    let e = describe_body(JsValue::from_str(&"x".repeat(2000))).unwrap_err();
    assert!(get(&e, "message").as_string().unwrap().starts_with("TaskId is too long"));
    let e = create_body(0, r#"{"Prompt":"x","Duration":0}"#).unwrap_err();
    assert_eq!(get(&e, "code").as_string().unwrap(), "InvalidParameterValue");
    let e = client("").waiter(0, JsValue::from(42), JsValue::UNDEFINED, 0.0).err().unwrap();
    assert_eq!(get(&e, "message").as_string().unwrap(), "TaskId must be a string, got a number");
    // And a valid call still works.
    let c = client(r#","region":"ap-guangzhou""#);
    assert!(c
        .upstream()
        .headers("DescribeAigcVideoTask", b"{}", now(), JsValue::UNDEFINED, None)
        .unwrap()
        .contains("X-TC-Region\nap-guangzhou"));
    let _ = Object::new();
}
