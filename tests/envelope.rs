//! Reading answers: success, Tencent errors, and everything that is neither.
#![cfg(not(target_arch = "wasm32"))]

use mps_aigc::envelope::{parse, task_id_span, MAX_RESPONSE_BYTES};
use mps_aigc::kinds::{read_created, TaskStatus, VIDEO};
use serde_json::json;

#[test]
fn success_gives_the_response_object() {
    let body = br#"{"Response":{"TaskId":"t-1","RequestId":"r-1"}}"#;
    let r = serde_json::Value::from(read_created(parse(200, body).unwrap()).unwrap());
    assert_eq!(r["TaskId"], "t-1");
    assert_eq!(r["RequestId"], "r-1");
}

#[test]
fn describe_example_from_the_documentation() {
    let body = br#"{"Response":{"Message":"ok","Resolution":"1920x1088","Status":"DONE","VideoUrls":["https://e/x.mp4"],"RequestId":"0b9ff3d7-959e-4b9d-8553-7c125305c868"}}"#;
    let result = VIDEO.read_result(parse(200, body).unwrap()).unwrap();
    let r = serde_json::Value::from(result.clone());
    assert_eq!(TaskStatus::parse(r["Status"].as_str().unwrap()), TaskStatus::Done);
    assert_eq!(r["VideoUrls"], json!(["https://e/x.mp4"]));
    assert_eq!(r["Resolution"], "1920x1088");
    assert_eq!(r["RequestId"], "0b9ff3d7-959e-4b9d-8553-7c125305c868");
    // Given back to JavaScript with the API's own names, in the documented order.
    let js = result.to_json();
    assert!(
        js.starts_with(r#"{"Status":"DONE","VideoUrls":["https://e/x.mp4"],"Resolution":"1920x1088","Message":"ok""#),
        "{js}"
    );
    assert_eq!(VIDEO.output_urls(&result), ["https://e/x.mp4"]);
}

#[test]
fn unknown_response_fields_pass_through_and_video_urls_default_to_empty() {
    let body = br#"{"Response":{"Status":"RUN","Progress":42,"RequestId":"r"}}"#;
    let r = serde_json::Value::from(VIDEO.read_result(parse(200, body).unwrap()).unwrap());
    assert_eq!(r["VideoUrls"], json!([]));
    assert_eq!(r["Progress"], 42);
    assert_eq!(TaskStatus::parse("CANCELLED"), TaskStatus::Other);
}

#[test]
fn tencent_errors_keep_code_message_and_request_id() {
    let body =
        br#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"bad sig"},"RequestId":"r-9"}}"#;
    let e = parse(200, body).unwrap_err();
    assert_eq!(e.code(), "AuthFailure.SignatureFailure");
    assert_eq!(e.message(), "bad sig");
    assert_eq!(e.request_id(), Some("r-9"));
    assert_eq!(e.http_status(), Some(200));
    // A signing proxy refuses with the same shape and a real HTTP status.
    let e = parse(
        403,
        br#"{"Response":{"Error":{"Code":"AuthFailure.UnauthorizedOperation","Message":"no"},"RequestId":"p-1"}}"#,
    )
    .unwrap_err();
    assert_eq!(e.code(), "AuthFailure.UnauthorizedOperation");
    assert_eq!(e.http_status(), Some(403));
}

#[test]
fn other_statuses_are_server_network_errors() {
    let e = parse(502, b"<html><body>Bad Gateway</body></html>").unwrap_err();
    assert_eq!(e.code(), "ServerNetworkError");
    assert_eq!(e.http_status(), Some(502));
    assert!(e.message().starts_with("HTTP 502: <html>"), "{}", e.message());
    let e = parse(500, b"").unwrap_err();
    assert_eq!(e.message(), "HTTP 500");
}

#[test]
fn a_200_that_is_not_the_envelope_is_invalid_response() {
    let cases: [(&[u8], &str); 9] = [
        (b"", "response is not JSON: (empty)"),
        (b"<!DOCTYPE html><title>Login</title>", "response is not JSON: <!DOCTYPE html><title>Login</title>"),
        (br#"{"Response":{"TaskId":"t""#, "response is not JSON"),
        (b"[1,2]", "response has no Response object"),
        (br#"{"response":{}}"#, "response has no Response object"),
        (br#"{"Response":"x"}"#, "response has no Response object"),
        (br#"{"Response":{"TaskId":"t"}}"#, "Response has no RequestId"),
        (br#"{"Response":{"Error":"x","RequestId":"r"}}"#, "Response.Error is not an object"),
        (br#"{"Response":{"Error":{"Message":"m"},"RequestId":"r"}}"#, "Response.Error has no Code"),
    ];
    for (body, want) in cases {
        let e = parse(200, body).unwrap_err();
        assert_eq!(e.code(), "InvalidResponse", "{}", String::from_utf8_lossy(body));
        assert!(e.message().starts_with(want), "{} -> {}", String::from_utf8_lossy(body), e.message());
    }
}

#[test]
fn wrong_result_shapes_are_invalid_response() {
    let ok = |b: &[u8]| parse(200, b).unwrap();
    let e = read_created(ok(br#"{"Response":{"RequestId":"r"}}"#)).unwrap_err();
    assert_eq!((e.code(), e.message()), ("InvalidResponse", "Response has no TaskId"));
    let e = read_created(ok(br#"{"Response":{"TaskId":5,"RequestId":"r"}}"#)).unwrap_err();
    assert_eq!(e.message(), "Response.TaskId must be a string, got an integer");
    let e = VIDEO.read_result(ok(br#"{"Response":{"RequestId":"r"}}"#)).unwrap_err();
    assert_eq!(e.message(), "Response has no Status");
    let e = VIDEO.read_result(ok(br#"{"Response":{"Status":"DONE","VideoUrls":"x","RequestId":"r"}}"#)).unwrap_err();
    assert_eq!(e.message(), "Response.VideoUrls must be an array, got a string");
}

#[test]
fn huge_and_deep_bodies_are_refused_without_panicking() {
    let mut huge = br#"{"Response":{"RequestId":"r","Pad":""#.to_vec();
    huge.resize(MAX_RESPONSE_BYTES + 10, b'a');
    huge.extend_from_slice(br#""}}"#);
    let e = parse(200, &huge).unwrap_err();
    assert_eq!(e.code(), "InvalidResponse");
    assert!(e.message().contains("larger than"));
    let deep = "[".repeat(100_000);
    assert_eq!(parse(200, deep.as_bytes()).unwrap_err().code(), "InvalidResponse");
}

#[test]
fn a_task_id_is_salvaged_from_whatever_arrived() {
    let id = |body: &[u8]| task_id_span(body).map(|(_, id)| id);
    let cut = br#"{"Response":{"TaskId":"4-AigcVideo-abc123","RequestId":"r-"#;
    assert_eq!(task_id_span(cut), Some((22..42, "4-AigcVideo-abc123".to_owned())), "the span has the quotes");
    assert_eq!(&cut[22..42], br#""4-AigcVideo-abc123""#);
    assert_eq!(id(br#"{ "Response" : { "TaskId" :  "t-1" "#).as_deref(), Some("t-1"));
    let mut huge = br#"{"Response":{"TaskId":"t-9","Pad":""#.to_vec();
    huge.resize(MAX_RESPONSE_BYTES + 10, b'a');
    assert_eq!(id(&huge).as_deref(), Some("t-9"));
    // "TaskId" as a value before the key is passed over.
    let noted = br#"{"Response":{"Note":"TaskId","TaskId":"t-3","RequestId":"r"}}"#;
    assert_eq!(task_id_span(noted), Some((38..43, "t-3".to_owned())));
    // Escaped as JSON allows: decoded, and the span is the whole escaped string.
    let escaped = br#"{"Response":{"TaskId":"4-AigcVideo-\u0061bc\/1","RequestId":"r"}}"#;
    let (span, task) = task_id_span(escaped).unwrap();
    assert_eq!(task, "4-AigcVideo-abc/1");
    assert_eq!(&escaped[span], br#""4-AigcVideo-\u0061bc\/1""#);
    // Invalid UTF-8 elsewhere in the answer does not hide it.
    assert_eq!(id(b"{\"Response\":{\"TaskId\":\"t-2\",\"Message\":\"\xff\"").as_deref(), Some("t-2"));
    // Cut inside the id, or no id at all, or none that could be one: nothing is made up.
    for nothing in [
        &br#"{"Response":{"TaskId":"4-AigcVi"#[..],
        br#"{"Response":{"TaskId":"4-AigcVi\"#,
        b"{\"Response\":{\"Status\":\"RU",
        b"",
        b"\"TaskId\"",
        br#""TaskId":5"#,
        br#""TaskId":"""#,
        br#""TaskId":"a b""#,
        br#""TaskId":"\u00e9""#,
        br#""TaskId":"\x""#,
        b"\"TaskId\":\"a\xffb\"",
    ] {
        assert_eq!(task_id_span(nothing), None, "{}", String::from_utf8_lossy(nothing));
    }
}
