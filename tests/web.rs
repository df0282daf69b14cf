//! The JavaScript boundary, run inside real runtimes by wasm-bindgen-test: Node
//! (`wasm-pack test --node`) and headless Chromium (`wasm-pack test --headless --chrome`).
//!
//! The client talks to a scripted `fetch` (a JS function given as the `fetch` option), so these run
//! the same in a browser page as in Node, with no server.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Object, Promise, Reflect};
use mps_aigc::wasm::{sign_tc3_values, MpsClient};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

#[wasm_bindgen(inline_js = r#"
export function scripted(answers) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, headers: init.headers, body: new TextDecoder().decode(init.body), at: Date.now() });
    const a = answers.shift();
    if (a === undefined) throw new TypeError("the script has no more answers");
    if (a.hang) return new Promise(() => {});
    if (a.throw) throw new TypeError(a.throw);
    const headers = a.date ? { date: a.date } : {};
    return new Response(typeof a.body === "string" ? a.body : JSON.stringify(a.body), { status: a.status ?? 200, headers });
  };
  return { fetch, calls };
}
export function object(json) { return JSON.parse(json); }
export function abortAfter(ms, reason) {
  const c = new AbortController();
  setTimeout(() => c.abort(reason), ms);
  return c.signal;
}
export function now() { return Date.now(); }
export function httpDate(offsetMs) { return new Date(Date.now() + offsetMs).toUTCString(); }
"#)]
extern "C" {
    fn scripted(answers: JsValue) -> JsValue;
    fn object(json: &str) -> JsValue;
    #[wasm_bindgen(js_name = abortAfter)]
    fn abort_after(ms: u32, reason: &str) -> JsValue;
    fn now() -> f64;
    #[wasm_bindgen(js_name = httpDate)]
    fn http_date(offset_ms: f64) -> String;
}

const KEYS: &str =
    r#""secretId":"AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE","secretKey":"Gu5t9xGARNpq86cd98joQYCN3EXAMPLE""#;

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

fn ok(fields: &str) -> String {
    format!(r#"{{"body":{{"Response":{{{fields},"RequestId":"r-1"}}}}}}"#)
}

/// A client on a scripted fetch; returns it and the script's `calls` array.
fn scripted_client(answers: &[String], extra_options: &str) -> (MpsClient, Array) {
    let script = scripted(object(&format!("[{}]", answers.join(","))));
    let options = object(&format!(r#"{{{KEYS},"endpoint":"https://mps.tencentcloudapi.com"{extra_options}}}"#));
    Reflect::set(&options, &"fetch".into(), &get(&script, "fetch")).unwrap();
    (MpsClient::new(options).unwrap(), get(&script, "calls").into())
}

async fn settle(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
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
async fn create_describe_wait_round_trip() {
    let answers = [
        ok(r#""TaskId":"t-1""#),
        ok(r#""Status":"WAIT""#),
        ok(r#""Status":"RUN""#),
        ok(r#""Status":"DONE","VideoUrls":["https://v/x.mp4"],"Resolution":"1920x1088""#),
    ];
    let (client, calls) = scripted_client(&answers, "");
    let created =
        settle(client.create(object(r#"{"ModelName":"Kling","Prompt":"a cat","Duration":5}"#), JsValue::UNDEFINED))
            .await
            .unwrap();
    assert_eq!(get(&created, "TaskId").as_string().unwrap(), "t-1");
    let done = settle(client.wait("t-1".into(), object(r#"{"intervalMs":5}"#))).await.unwrap();
    assert_eq!(get(&done, "Status").as_string().unwrap(), "DONE");
    assert_eq!(Array::from(&get(&done, "VideoUrls")).get(0).as_string().unwrap(), "https://v/x.mp4");
    assert_eq!(calls.length(), 4);
    let first = calls.get(0);
    assert_eq!(get(&first, "body").as_string().unwrap(), r#"{"ModelName":"Kling","Prompt":"a cat","Duration":5}"#);
    let auth = get(&get(&first, "headers"), "Authorization").as_string().unwrap();
    assert!(auth.starts_with("TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/"), "{auth}");
}

#[wasm_bindgen_test]
async fn describe_retries_transient_failures_and_create_does_not() {
    let answers = [
        r#"{"status":502,"body":"bad gateway"}"#.to_owned(),
        r#"{"throw":"connection reset"}"#.to_owned(),
        ok(r#""Status":"RUN""#),
    ];
    let (client, calls) = scripted_client(&answers, "");
    let r = settle(client.describe("t-1".into(), JsValue::UNDEFINED)).await.unwrap();
    assert_eq!(get(&r, "Status").as_string().unwrap(), "RUN");
    assert_eq!(calls.length(), 3);

    let (client, calls) = scripted_client(&[r#"{"status":502,"body":"bad gateway"}"#.to_owned()], "");
    let e = settle(client.create(object(r#"{"Prompt":"x"}"#), JsValue::UNDEFINED)).await.unwrap_err();
    assert_eq!(get(&e, "code").as_string().unwrap(), "ServerNetworkError");
    assert_eq!(get(&e, "maybeCreated"), JsValue::TRUE);
    assert_eq!(calls.length(), 1);
}

#[wasm_bindgen_test]
async fn an_expired_signature_is_fixed_from_the_date_header() {
    let expired = format!(
        r#"{{"date":"{}","body":{{"Response":{{"Error":{{"Code":"AuthFailure.SignatureExpire","Message":"expired"}},"RequestId":"r"}}}}}}"#,
        http_date(3_600_000.0)
    );
    let (client, calls) = scripted_client(&[expired, ok(r#""TaskId":"t-2""#)], "");
    let created = settle(client.create(object(r#"{"Prompt":"x"}"#), JsValue::UNDEFINED)).await.unwrap();
    assert_eq!(get(&created, "TaskId").as_string().unwrap(), "t-2");
    let stamp =
        |i: u32| get(&get(&calls.get(i), "headers"), "X-TC-Timestamp").as_string().unwrap().parse::<f64>().unwrap();
    let shift = stamp(1) - stamp(0);
    assert!((3590.0..3610.0).contains(&shift), "re-signed an hour ahead: {shift}");
}

#[wasm_bindgen_test]
async fn an_abort_during_a_long_sleep_rejects_at_once() {
    let (client, calls) = scripted_client(&[ok(r#""Status":"RUN""#)], "");
    let options = Object::new();
    Reflect::set(&options, &"intervalMs".into(), &10_000.into()).unwrap();
    Reflect::set(&options, &"signal".into(), &abort_after(50, "stop")).unwrap();
    let started = now();
    let e = settle(client.wait("t-1".into(), options.into())).await.unwrap_err();
    assert_eq!(e.as_string().unwrap(), "stop", "rejects with the signal's reason");
    assert!(now() - started < 1000.0, "took {} ms", now() - started);
    assert_eq!(calls.length(), 1);
}

#[wasm_bindgen_test]
async fn a_failed_task_and_a_deadline_carry_the_task_id() {
    let (client, _) = scripted_client(&[ok(r#""Status":"FAIL","Message":"refused""#)], "");
    let e = settle(client.wait("t-9".into(), object(r#"{"intervalMs":5}"#))).await.unwrap_err();
    assert_eq!(get(&e, "name").as_string().unwrap(), "TaskFailedError");
    assert_eq!(get(&e, "taskId").as_string().unwrap(), "t-9");
    assert!(get(&e, "message").as_string().unwrap().contains("refused"));

    let (client, _) = scripted_client(&[ok(r#""Status":"RUN""#), ok(r#""Status":"RUN""#), ok(r#""Status":"RUN""#)], "");
    let e = settle(client.wait("t-8".into(), object(r#"{"intervalMs":20,"timeoutMs":60}"#))).await.unwrap_err();
    assert_eq!(get(&e, "name").as_string().unwrap(), "WaitTimeoutError");
    assert_eq!(get(&e, "lastStatus").as_string().unwrap(), "RUN");
}

#[wasm_bindgen_test]
async fn hostile_input_is_refused_and_the_instance_keeps_working() {
    let (client, calls) = scripted_client(&[ok(r#""TaskId":"t-3""#)], "");
    let cyclic = object(r#"{"Prompt":"x"}"#);
    Reflect::set(&cyclic, &"self".into(), &cyclic).unwrap();
    let e = settle(client.create(cyclic, JsValue::UNDEFINED)).await.unwrap_err();
    assert!(get(&e, "message").as_string().unwrap().contains("cyclic"));
    let lone = Object::new();
    Reflect::set(&lone, &"Prompt".into(), &js_sys::JsString::from_char_code1(0xD800)).unwrap();
    let e = settle(client.create(lone.into(), JsValue::UNDEFINED)).await.unwrap_err();
    assert!(get(&e, "message").as_string().unwrap().contains("lone surrogate"));
    let huge = object(&format!(r#"{{"Prompt":"{}"}}"#, "x".repeat(2_000_000)));
    let e = settle(client.create(huge, JsValue::UNDEFINED)).await.unwrap_err();
    assert!(get(&e, "message").as_string().unwrap().contains("too large"));
    assert_eq!(calls.length(), 0);
    // And a valid call still works.
    let created = settle(client.create(object(r#"{"Prompt":"x"}"#), JsValue::UNDEFINED)).await.unwrap();
    assert_eq!(get(&created, "TaskId").as_string().unwrap(), "t-3");
}
