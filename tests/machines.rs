//! The call and wait machines, replayed natively on a fake clock: every row of the README's retry
//! table and fault table (the same scenarios `tests/js/faults.test.mjs` runs against the mock over
//! real sockets), the storms through the pacer against a simulated server, and property tests that a
//! create is never sent again after an outcome that may have made a task, and that no sleep
//! outlives a deadline.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::VecDeque;

use mps_aigc::error::codes;
use mps_aigc::json::{Map, Value};
use mps_aigc::kinds::{AUDIO, VIDEO};
use mps_aigc::policy::call::{Call, Failure, Now, Op, Outcome, Stage, Step, MAX_RETRY_AFTER_MS};
use mps_aigc::policy::pace::{Pacer, Turn};
use mps_aigc::policy::poll::PollSchedule;
use mps_aigc::policy::retry::Idempotency;
use mps_aigc::policy::wait::{Wait, WaitStep};
use mps_aigc::Error;
use proptest::prelude::*;
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// What a server (or the network) can do with one attempt. `task` is the id of a task the attempt
// made on the server, if it made one.

#[derive(Clone, Debug)]
enum Fate {
    Answer { status: u16, body: Vec<u8>, server_ms: Option<f64>, retry_after_ms: Option<f64> },
    TooLarge { status: u16, received: Vec<u8> },
    TimedOut { received: Vec<u8> },
    Failed { code: &'static str, message: &'static str, stage: Stage, received: Vec<u8> },
}

#[derive(Clone, Debug)]
struct Attempt {
    fate: Fate,
    task: Option<String>,
}

const NOW: f64 = 1_767_225_600_000.0; // 2026-01-01T00:00:00Z

fn answer(status: u16, body: &str) -> Attempt {
    Attempt { fate: Fate::Answer { status, body: body.into(), server_ms: None, retry_after_ms: None }, task: None }
}
fn status(s: &str) -> Attempt {
    answer(200, &format!(r#"{{"Response":{{"Status":"{s}","VideoUrls":[],"RequestId":"r"}}}}"#))
}
fn created(id: &str) -> Attempt {
    Attempt { task: Some(id.into()), ..answer(200, &format!(r#"{{"Response":{{"TaskId":"{id}","RequestId":"r"}}}}"#)) }
}
fn api(code: &str) -> Attempt {
    answer(200, &format!(r#"{{"Response":{{"Error":{{"Code":"{code}","Message":"m"}},"RequestId":"r"}}}}"#))
}
fn html(status: u16) -> Attempt {
    answer(status, &format!("<html><body><h1>{status}</h1></body></html>"))
}
fn expired(server_ms: Option<f64>) -> Attempt {
    let mut a = api(codes::SIGNATURE_EXPIRE);
    if let Fate::Answer { server_ms: s, .. } = &mut a.fate {
        *s = server_ms;
    }
    a
}
fn with_task(mut a: Attempt, id: &str) -> Attempt {
    a.task = Some(id.into());
    a
}
/// The start of a create's answer for `id`, cut `extra` bytes past the end of the TaskId (negative:
/// inside it).
fn cut_create(id: &str, extra: isize) -> Vec<u8> {
    let body = format!(r#"{{"Response":{{"TaskId":"{id}","RequestId":"r"}}}}"#);
    let end = body.find(id).unwrap() + id.len() + 1;
    body.as_bytes()[..(end as isize + extra) as usize].to_vec()
}
fn reset(received: Vec<u8>) -> Attempt {
    let fate = Fate::Failed {
        code: "UND_ERR_SOCKET",
        message: "terminated (other side closed)",
        stage: Stage::Answered,
        received,
    };
    Attempt { fate, task: None }
}
fn dropped() -> Attempt {
    let fate = Fate::Failed {
        code: "UND_ERR_SOCKET",
        message: "fetch failed (other side closed)",
        stage: Stage::Sent,
        received: vec![],
    };
    Attempt { fate, task: None }
}
fn refused() -> Attempt {
    let fate = Fate::Failed {
        code: "ECONNREFUSED",
        message: "fetch failed (connect ECONNREFUSED 127.0.0.1:9)",
        stage: Stage::Sent,
        received: vec![],
    };
    Attempt { fate, task: None }
}
fn silence(received: Vec<u8>) -> Attempt {
    Attempt { fate: Fate::TimedOut { received }, task: None }
}
fn too_large(received: Vec<u8>) -> Attempt {
    Attempt { fate: Fate::TooLarge { status: 200, received }, task: None }
}

/// How a scripted call ended.
#[derive(Debug)]
struct Run {
    result: Result<Map, Failure>,
    attempts: usize,
    sleeps: Vec<f64>,
    offset: Option<f64>,
    tasks_made: Vec<String>,
}

impl Run {
    fn error(&self) -> &Error {
        match &self.result {
            Err(Failure::Error(e)) => e,
            other => panic!("expected an error, got {other:?}"),
        }
    }
    /// The task ids made on the server that the caller got (in the result or the error).
    fn ids_reached(&self) -> usize {
        let got = match &self.result {
            Ok(r) => r.get("TaskId").and_then(Value::as_str).map(str::to_owned),
            Err(Failure::Error(e)) => e.task_id().map(str::to_owned),
            Err(Failure::Deadline) => None,
        };
        self.tasks_made.iter().filter(|t| got.as_deref() == Some(t.as_str())).count()
    }
}

/// Drives `op` through the machine over `script`, one attempt per entry, on a fake clock that
/// advances by each sleep. Panics if the machine asks for more attempts than the script has.
fn run(op: Op, max_retries: u32, deadline: Option<f64>, script: &[Attempt]) -> Run {
    let mut call = Call::new(op, max_retries, deadline);
    let (mut mono, mut sleeps, mut offset, mut tasks_made) = (0.0, vec![], None, vec![]);
    for (i, attempt) in script.iter().enumerate() {
        tasks_made.extend(attempt.task.clone());
        let outcome = match &attempt.fate {
            Fate::Answer { status, body, server_ms, retry_after_ms } => {
                Outcome::Answer { status: *status, body, server_ms: *server_ms, retry_after_ms: *retry_after_ms }
            }
            Fate::TooLarge { status, received } => Outcome::TooLarge { status: *status, received },
            Fate::TimedOut { received } => Outcome::TimedOut { limit_ms: 300.0, received },
            Fate::Failed { code, message, stage, received } => {
                Outcome::Failed { message, code, stage: *stage, received }
            }
        };
        let now = Now { mono_ms: mono, wall_ms: NOW + mono, random: 0.5 };
        let end =
            |result| Run { result, attempts: i + 1, sleeps: sleeps.clone(), offset, tasks_made: tasks_made.clone() };
        match call.after(outcome, now) {
            Step::Done(result) => return end(Ok(result)),
            Step::Fail(failure) => return end(Err(failure)),
            Step::Resign { clock_offset_ms } => offset = clock_offset_ms.or(offset),
            Step::Sleep(ms) => {
                if let Some(d) = deadline {
                    assert!(mono + ms < d, "a sleep of {ms} ms at {mono} outlives the deadline {d}");
                }
                sleeps.push(ms);
                mono += ms;
            }
        }
    }
    panic!("the machine wanted more than the {} attempts scripted", script.len());
}

const CREATE: Op = Op::Create(&VIDEO);
const DESCRIBE: Op = Op::Describe(&VIDEO);

fn ok_status(r: &Run) -> &str {
    r.result.as_ref().unwrap().get("Status").and_then(Value::as_str).unwrap()
}

/// `(code, httpStatus, retryable, maybeCreated, taskId given)` of a failed run.
fn failure(r: &Run) -> (String, Option<u16>, bool, bool, bool) {
    let e = r.error();
    (e.code().to_owned(), e.http_status(), e.retryable(), e.maybe_created(), e.task_id().is_some())
}

// ---------------------------------------------------------------------------------------------
// The README's retry table, row by row, for describe and for create.

#[test]
fn retry_table_throttling_is_retried_for_both() {
    for first in [api("RequestLimitExceeded"), api("RequestLimitExceeded.UinLimitExceeded"), html(429)] {
        let r = run(DESCRIBE, 3, None, &[first.clone(), status("RUN")]);
        assert_eq!((ok_status(&r), r.attempts), ("RUN", 2));
        let r = run(CREATE, 3, None, &[first, created("t-1")]);
        assert_eq!((r.result.unwrap().get("TaskId").and_then(Value::as_str), r.attempts), (Some("t-1"), 2));
    }
}

#[test]
fn retry_table_a_connection_that_never_opened_is_retried_for_both() {
    let r = run(CREATE, 3, None, &[refused(), created("t-1")]);
    assert_eq!(r.attempts, 2);
    assert!(r.result.is_ok());
    let threw = Attempt {
        fate: Fate::Failed { code: "", message: "fetch threw", stage: Stage::Threw, received: vec![] },
        task: None,
    };
    let r = run(CREATE, 3, None, &[threw, created("t-1")]);
    assert_eq!(r.attempts, 2, "a fetch that threw at once sent nothing");
    let r = run(DESCRIBE, 3, None, &[refused(), status("WAIT")]);
    assert_eq!(r.attempts, 2);
}

#[test]
fn retry_table_an_expired_signature_fixes_the_clock_once_for_both() {
    for op in [CREATE, DESCRIBE] {
        let server = NOW + 6.0 * 3_600_000.0;
        let ok = if matches!(op, Op::Create(_)) { created("t-1") } else { status("WAIT") };
        let r = run(op, 0, None, &[expired(Some(server)), ok]);
        assert!(r.result.is_ok());
        assert_eq!(r.attempts, 2, "maxRetries 0: the clock fix is not a retry");
        assert_eq!(r.offset, Some(6.0 * 3_600_000.0 + 500.0));
        assert!(r.sleeps.is_empty(), "re-signed at once");
        let r = run(op, 3, None, &[expired(Some(server)), expired(Some(server))]);
        assert_eq!(failure(&r).0, codes::SIGNATURE_EXPIRE, "only once");
    }
}

#[test]
fn retry_table_maybe_processed_failures_are_retried_for_describe_and_final_for_create() {
    let maybe = [
        silence(vec![]),
        reset(vec![]),
        dropped(),
        html(500),
        html(502),
        html(503),
        html(504),
        api("InternalError"),
        api("InternalError.DbError"),
        api("ServiceUnavailable"),
        api("ResourceUnavailable"),
        answer(200, "{Response: not json"),
    ];
    for fault in maybe {
        let r = run(DESCRIBE, 3, None, &[fault.clone(), status("RUN")]);
        assert_eq!((ok_status(&r), r.attempts), ("RUN", 2), "{fault:?}");
        let r = run(CREATE, 3, None, std::slice::from_ref(&fault));
        let (_, _, retryable, maybe_created, _) = failure(&r);
        assert_eq!((r.attempts, retryable, maybe_created), (1, false, true), "{fault:?}");
    }
}

#[test]
fn retry_table_everything_else_is_final_for_both() {
    for code in [
        "AuthFailure.SignatureFailure",
        "AuthFailure.SecretIdNotFound",
        "AuthFailure.UnauthorizedOperation",
        "InvalidParameter",
        "MissingParameter",
        "FailedOperation.TaskNotFound",
        "LimitExceeded.CreateTask",
    ] {
        for op in [CREATE, DESCRIBE] {
            let r = run(op, 3, None, &[api(code)]);
            assert_eq!(failure(&r), (code.to_owned(), Some(200), false, false, false), "{code}");
        }
    }
    for op in [CREATE, DESCRIBE] {
        let r = run(op, 3, None, &[html(404)]);
        assert_eq!(failure(&r).0, codes::SERVER_NETWORK_ERROR);
        assert_eq!(r.attempts, 1);
    }
}

#[test]
fn backoff_is_half_to_all_of_min_10s_500ms_times_2_to_the_n() {
    let script: Vec<Attempt> = (0..6).map(|_| html(503)).chain([status("RUN")]).collect();
    let r = run(DESCRIBE, 6, None, &script);
    // random 0.5: three quarters of each ceiling.
    assert_eq!(r.sleeps, [375.0, 750.0, 1500.0, 3000.0, 6000.0, 7500.0]);
}

// ---------------------------------------------------------------------------------------------
// The README's fault table, row by row (the storms are further below).

#[test]
fn fault_table_http_errors() {
    // burst of 2× HTTP 503, maxRetries 3 | describe | ok (WAIT) | 3
    let r = run(DESCRIBE, 3, None, &[html(503), html(503), status("WAIT")]);
    assert_eq!((ok_status(&r), r.attempts), ("WAIT", 3));
    // burst of 5× HTTP 500, maxRetries 2 | describe | ServerNetworkError (HTTP 500, retryable) | 3
    let r = run(DESCRIBE, 2, None, &[html(500), html(500), html(500)]);
    assert_eq!((failure(&r), r.attempts), (("ServerNetworkError".into(), Some(500), true, false, false), 3));
    // InternalError / ServiceUnavailable / ResourceUnavailable, 1 each | describe | 3× ok | 6
    let mut requests = 0;
    for code in ["InternalError", "ServiceUnavailable", "ResourceUnavailable"] {
        let r = run(DESCRIBE, 3, None, &[api(code), status("WAIT")]);
        assert_eq!(ok_status(&r), "WAIT");
        requests += r.attempts;
    }
    assert_eq!(requests, 6);
    // burst of 3× HTTP 502 (task not made) | create | ServerNetworkError (HTTP 502, maybeCreated) | 1
    let r = run(CREATE, 3, None, &[html(502)]);
    assert_eq!((failure(&r), r.attempts), (("ServerNetworkError".into(), Some(502), false, true, false), 1));
    // InternalError (task not made) | create | InternalError (HTTP 200, maybeCreated) | 1
    let r = run(CREATE, 3, None, &[api("InternalError")]);
    assert_eq!((failure(&r), r.attempts), (("InternalError".into(), Some(200), false, true, false), 1));
}

#[test]
fn fault_table_dropped_and_reset_connections() {
    let id = "4-AigcVideo-0123456789abcdef";
    // 2 resets mid-answer | describe | ok (WAIT) | 3
    let r = run(DESCRIBE, 3, None, &[reset(b"{\"Resp".to_vec()), reset(vec![]), status("WAIT")]);
    assert_eq!((ok_status(&r), r.attempts), ("WAIT", 3));
    // 5× dropped connection, maxRetries 2 | describe | ClientNetworkError (retryable) | 3
    let r = run(DESCRIBE, 2, None, &[dropped(), dropped(), dropped()]);
    assert_eq!((failure(&r), r.attempts), ((codes::CLIENT_NETWORK_ERROR.into(), None, true, false, false), 3));
    // dropped before processing | create | ClientNetworkError (maybeCreated) | 1
    let r = run(CREATE, 3, None, &[dropped()]);
    assert_eq!((failure(&r), r.attempts), ((codes::CLIENT_NETWORK_ERROR.into(), None, false, true, false), 1));
    // dropped after the task was made, before any byte | create | ... | 1 | 1 | 0 of 1 (maybeCreated)
    let r = run(CREATE, 3, None, &[with_task(dropped(), id)]);
    assert_eq!((failure(&r).3, r.tasks_made.len(), r.ids_reached()), (true, 1, 0));
    // reset after the TaskId's bytes (chunked, or with Content-Length) | create | taskId | 1 of 1
    for extra in [0, 3] {
        let r = run(CREATE, 3, None, &[with_task(reset(cut_create(id, extra)), id)]);
        assert_eq!((failure(&r), r.ids_reached()), ((codes::CLIENT_NETWORK_ERROR.into(), None, false, true, true), 1));
        assert!(r.error().message().contains(id), "{}", r.error().message());
    }
    // reset inside the TaskId | create | ClientNetworkError (maybeCreated) | 0 of 1
    let r = run(CREATE, 3, None, &[with_task(reset(cut_create(id, -5)), id)]);
    assert_eq!((failure(&r).4, r.ids_reached()), (false, 0));
}

#[test]
fn fault_table_timeouts() {
    let id = "4-AigcVideo-timeouts";
    // no answer once (timeoutMs 300) | describe | ok (WAIT) | 2
    let r = run(DESCRIBE, 3, None, &[silence(vec![]), status("WAIT")]);
    assert_eq!((ok_status(&r), r.attempts), ("WAIT", 2));
    // 3× headers then silence, maxRetries 2 | describe | ClientTimeout (retryable) | 3
    let r = run(DESCRIBE, 2, None, &[silence(vec![]), silence(vec![]), silence(vec![])]);
    assert_eq!((failure(&r), r.attempts), ((codes::CLIENT_TIMEOUT.into(), None, true, false, false), 3));
    assert_eq!(r.error().message(), "no answer within 300 ms");
    // answer after 150 ms (timeoutMs 300) | describe and create | ok | 1
    assert_eq!(run(DESCRIBE, 3, None, &[status("WAIT")]).attempts, 1);
    let r = run(CREATE, 3, None, &[created(id)]);
    assert_eq!((r.attempts, r.ids_reached()), (1, 1));
    // no answer, task not made | create | ClientTimeout (maybeCreated) | 1
    let r = run(CREATE, 3, None, &[silence(vec![])]);
    assert_eq!((failure(&r), r.attempts), ((codes::CLIENT_TIMEOUT.into(), None, false, true, false), 1));
    // task made, no answer / headers then silence | create | 0 of 1 (maybeCreated)
    let r = run(CREATE, 3, None, &[with_task(silence(vec![]), id)]);
    assert_eq!((failure(&r).3, r.ids_reached()), (true, 0));
    // task made, the TaskId's bytes, then silence | create | ClientTimeout (maybeCreated, taskId) | 1 of 1
    let r = run(CREATE, 3, None, &[with_task(silence(cut_create(id, 0)), id)]);
    assert_eq!((failure(&r), r.ids_reached()), ((codes::CLIENT_TIMEOUT.into(), None, false, true, true), 1));
}

#[test]
fn fault_table_garbled_answers() {
    let id = "4-AigcVideo-garbled";
    // malformed JSON, then JSON cut at 25 bytes | describe | ok (WAIT) | 3
    let cut = &br#"{"Response":{"Status":"WAIT","RequestId":"r"}}"#[..25];
    let r = run(
        DESCRIBE,
        3,
        None,
        &[answer(200, "{Response: not json"), answer(200, std::str::from_utf8(cut).unwrap()), status("WAIT")],
    );
    assert_eq!((ok_status(&r), r.attempts), ("WAIT", 3));
    // 3× truncated JSON in a 200, maxRetries 2 | describe | InvalidResponse (HTTP 200, retryable) | 3
    let r = run(DESCRIBE, 2, None, &[answer(200, "{\"Resp"), answer(200, "{\"Resp"), answer(200, "{\"Resp")]);
    assert_eq!((failure(&r), r.attempts), ((codes::INVALID_RESPONSE.into(), Some(200), true, false, false), 3));
    // malformed JSON; JSON without Response (task not made) | create | 2× InvalidResponse (maybeCreated) | 2
    for body in ["{Response: not json", r#"{"result":"ok"}"#] {
        let r = run(CREATE, 3, None, &[answer(200, body)]);
        assert_eq!((failure(&r), r.attempts), ((codes::INVALID_RESPONSE.into(), Some(200), false, true, false), 1));
    }
    // garbled JSON naming the task | create | InvalidResponse (maybeCreated, taskId) | 1 of 1
    let garbled = format!(r#"{{"Response":{{"TaskId":"{id}","RequestId":"r","Trace":<upstream hiccup>"#);
    let r = run(CREATE, 3, None, &[with_task(answer(200, &garbled), id)]);
    assert_eq!((failure(&r), r.ids_reached()), ((codes::INVALID_RESPONSE.into(), Some(200), false, true, true), 1));
    // JSON cut at 80 bytes, after the TaskId | create | ... taskId | 1 of 1
    let cut = String::from_utf8(cut_create(id, 4)).unwrap();
    let r = run(CREATE, 3, None, &[with_task(answer(200, &cut), id)]);
    assert_eq!((failure(&r).4, r.ids_reached()), (true, 1));
    // JSON cut inside the TaskId | create | InvalidResponse (maybeCreated) | 0 of 1
    let cut = String::from_utf8(cut_create(id, -3)).unwrap();
    let r = run(CREATE, 3, None, &[with_task(answer(200, &cut), id)]);
    assert_eq!((failure(&r).3, failure(&r).4, r.ids_reached()), (true, false, 0));
    // A create answered without a TaskId at all: the server took it, so a task may exist.
    let r = run(CREATE, 3, None, &[answer(200, r#"{"Response":{"RequestId":"r"}}"#)]);
    assert_eq!(failure(&r), (codes::INVALID_RESPONSE.into(), Some(200), false, true, false));
}

#[test]
fn a_describe_answer_of_the_wrong_shape_is_retried_and_a_creates_is_not() {
    for body in [
        r#"{"Response":{"RequestId":"r"}}"#,
        r#"{"Response":{"Status":"","RequestId":"r"}}"#,
        r#"{"Response":{"Status":"DONE","VideoUrls":"https://x/v.mp4","RequestId":"r"}}"#,
    ] {
        let r = run(DESCRIBE, 3, None, &[answer(200, body), status("DONE")]);
        assert_eq!((ok_status(&r), r.attempts), ("DONE", 2), "{body}");
        let r = run(DESCRIBE, 1, None, &[answer(200, body), answer(200, body)]);
        assert_eq!(failure(&r), (codes::INVALID_RESPONSE.into(), Some(200), true, false, false), "{body}");
    }
    let audio = Op::Describe(&AUDIO);
    let bad = r#"{"Response":{"Status":"DONE","AudioInfos":[{"Url":"u","Duration":"12"}],"RequestId":"r"}}"#;
    let good = r#"{"Response":{"Status":"DONE","AudioInfos":[{"Url":"u","Duration":12}],"RequestId":"r"}}"#;
    let r = run(audio, 3, None, &[answer(200, bad), answer(200, good)]);
    assert_eq!((ok_status(&r), r.attempts), ("DONE", 2));
    // A create's: never sent again, and a task may exist.
    for body in [r#"{"Response":{"TaskId":"","RequestId":"r"}}"#, r#"{"Response":{"TaskId":["t"],"RequestId":"r"}}"#] {
        let r = run(CREATE, 3, None, &[answer(200, body)]);
        assert_eq!((failure(&r), r.attempts), ((codes::INVALID_RESPONSE.into(), Some(200), false, true, false), 1));
    }
}

#[test]
fn a_creates_answer_that_names_a_task_gives_its_id_and_maybe_created() {
    for (status, body, id) in [
        (200, r#"{"Response":{"TaskId":12345678901234567000,"RequestId":"r"}}"#, "12345678901234567000"),
        (200, r#"{"Response":{"TaskId":42,"RequestId":"r"}}"#, "42"),
        (200, r#"{"Response":{"TaskId":"4-AigcVideo-a\/b","RequestId":"r","Extra":}"#, "4-AigcVideo-a/b"),
        (200, r#"{"Response":{"TaskId":"4-AigcVideo-\u0061bc","RequestId":"r","#, "4-AigcVideo-abc"),
        (201, r#"{"Response":{"TaskId":"4-AigcVideo-abc","RequestId":"r"}}"#, "4-AigcVideo-abc"),
        (202, r#"{"Response":{"TaskId":"4-AigcVideo-abc","RequestId":"r"}}"#, "4-AigcVideo-abc"),
    ] {
        let r = run(CREATE, 3, None, &[answer(status, body)]);
        let e = r.error();
        assert_eq!((e.maybe_created(), e.task_id(), r.attempts), (true, Some(id), 1), "{body}");
        assert!(e.message().ends_with(&format!("(the answer names task {id})")), "{}", e.message());
    }
    // A number at the end of what arrived may be cut short: it names nothing.
    let r = run(CREATE, 3, None, &[answer(200, r#"{"Response":{"TaskId":1234"#)]);
    assert_eq!((r.error().maybe_created(), r.error().task_id()), (true, None));
}

#[test]
fn fault_table_html_pages() {
    let id = "4-AigcVideo-html";
    // HTML 502, then HTML 504 | describe | ok (WAIT) | 3
    let r = run(DESCRIBE, 3, None, &[html(502), html(504), status("WAIT")]);
    assert_eq!((ok_status(&r), r.attempts), ("WAIT", 3));
    // 3× HTML 503, maxRetries 2 | describe | ServerNetworkError (HTTP 503, retryable) | 3
    let r = run(DESCRIBE, 2, None, &[html(503), html(503), html(503)]);
    assert_eq!((failure(&r), r.attempts), (("ServerNetworkError".into(), Some(503), true, false, false), 3));
    assert!(r.error().message().starts_with("HTTP 503: <html>"), "{}", r.error().message());
    // HTML 503 (task not made) | create | ServerNetworkError (HTTP 503, maybeCreated) | 1
    let r = run(CREATE, 3, None, &[html(503)]);
    assert_eq!(failure(&r), ("ServerNetworkError".into(), Some(503), false, true, false));
    // task made, then an HTML 504 from the gateway | create | 0 of 1 (maybeCreated)
    let r = run(CREATE, 3, None, &[with_task(html(504), id)]);
    assert_eq!((failure(&r).3, r.ids_reached()), (true, 0));
    // HTML page in a 200 | describe | ok (WAIT) | 2
    let r = run(DESCRIBE, 3, None, &[html(200), status("WAIT")]);
    assert_eq!((ok_status(&r), r.attempts), ("WAIT", 2));
    // HTML page in a 200 (task not made) | create | InvalidResponse (HTTP 200, maybeCreated) | 1
    let r = run(CREATE, 3, None, &[html(200)]);
    assert_eq!(failure(&r), (codes::INVALID_RESPONSE.into(), Some(200), false, true, false));
}

#[test]
fn fault_table_huge_answers() {
    let id = "4-AigcVideo-huge";
    // 4 MiB of junk, then a 2 MiB padded answer | describe | ok (WAIT) | 3
    let r = run(DESCRIBE, 3, None, &[too_large(vec![b'a'; 64]), too_large(vec![b'a'; 64]), status("WAIT")]);
    assert_eq!((ok_status(&r), r.attempts), ("WAIT", 3));
    // 2× 1.06 MiB of junk, maxRetries 1 | describe | InvalidResponse (HTTP 200, retryable) | 2
    let r = run(DESCRIBE, 1, None, &[too_large(vec![]), too_large(vec![])]);
    assert_eq!((failure(&r), r.attempts), ((codes::INVALID_RESPONSE.into(), Some(200), true, false, false), 2));
    // 4 MiB without a TaskId (task not made) | create | InvalidResponse (HTTP 200, maybeCreated) | 1
    let r = run(CREATE, 3, None, &[too_large(b"aaaa".to_vec())]);
    assert_eq!(failure(&r), (codes::INVALID_RESPONSE.into(), Some(200), false, true, false));
    // TaskId then 2 MiB (Content-Length); TaskId then 1 MiB (chunked) | create | 2× taskId | 2 of 2
    for _ in 0..2 {
        let r = run(CREATE, 3, None, &[with_task(too_large(cut_create(id, 12)), id)]);
        assert_eq!((failure(&r), r.ids_reached()), ((codes::INVALID_RESPONSE.into(), Some(200), false, true, true), 1));
    }
}

#[test]
fn fault_table_content_types_and_dates() {
    // text/plain, text/html, octet-stream, no Content-Type | describe | 4× ok: the machine reads the
    // bytes whatever the label; and a Date on a good answer changes nothing.
    for _ in 0..4 {
        assert_eq!(ok_status(&run(DESCRIBE, 3, None, &[status("WAIT")])), "WAIT");
    }
    // Date +5 days, then garbage, on good answers | describe | 3× ok, no clock change
    let mut good = status("WAIT");
    if let Fate::Answer { server_ms, .. } = &mut good.fate {
        *server_ms = Some(NOW + 5.0 * 86_400_000.0);
    }
    let r = run(DESCRIBE, 3, None, &[good]);
    assert_eq!((ok_status(&r), r.offset), ("WAIT", None));
    // server clock −3 days | describe | ok (WAIT) | 2
    let r = run(DESCRIBE, 3, None, &[expired(Some(NOW - 3.0 * 86_400_000.0)), status("WAIT")]);
    assert_eq!((ok_status(&r), r.attempts), ("WAIT", 2));
    assert!(r.offset.unwrap() < -2.9 * 86_400_000.0);
    // SignatureExpire with Date: garbage, or with no Date | AuthFailure.SignatureExpire | 1
    for op in [CREATE, DESCRIBE] {
        let r = run(op, 3, None, &[expired(None)]);
        assert_eq!((failure(&r).0, r.attempts), (codes::SIGNATURE_EXPIRE.into(), 1));
    }
    // SignatureExpire with a Date 2 days off (a lie) | create | 1× SignatureExpire; 1× ok | 4
    let lie = run(CREATE, 3, None, &[expired(Some(NOW + 2.0 * 86_400_000.0)), expired(Some(NOW))]);
    assert_eq!(failure(&lie).0, codes::SIGNATURE_EXPIRE);
    let next = run(CREATE, 3, None, &[expired(Some(NOW)), created("t-1")]);
    assert_eq!(lie.attempts + next.attempts, 4);
    assert!(next.result.is_ok());
}

#[test]
fn fault_table_throttling() {
    // storm: 15× RequestLimitExceeded + 5× HTTP 429 over 10 concurrent creates | 10× ok | 30 | 10
    let (mut requests, mut tasks) = (0, 0);
    for i in 0..10 {
        let first = if i < 5 { html(429) } else { api("RequestLimitExceeded") };
        let r = run(CREATE, 3, None, &[first, api("RequestLimitExceeded"), created(&format!("t-{i}"))]);
        assert!(r.result.is_ok());
        requests += r.attempts;
        tasks += r.ids_reached();
    }
    assert_eq!((requests, tasks), (30, 10));
    // 3× RequestLimitExceeded.UinLimitExceeded, maxRetries 2 | create | retryable | 3
    let code = "RequestLimitExceeded.UinLimitExceeded";
    let r = run(CREATE, 2, None, &[api(code), api(code), api(code)]);
    assert_eq!((failure(&r), r.attempts), ((code.into(), Some(200), true, false, false), 3));
}

#[test]
fn retry_after_is_honoured_or_refused_with_when() {
    let quota = |ms: f64| {
        let mut a = answer(
            429,
            r#"{"Response":{"Error":{"Code":"RequestLimitExceeded.ProxyQuota","Message":"spent"},"RequestId":"p"}}"#,
        );
        if let Fate::Answer { retry_after_ms, .. } = &mut a.fate {
            *retry_after_ms = Some(ms);
        }
        a
    };
    // A short reset: slept through (longer than the backoff), then the create goes once.
    let r = run(CREATE, 3, None, &[quota(4000.0), created("t-1")]);
    assert_eq!((r.sleeps.as_slice(), r.attempts), (&[4000.0][..], 2));
    // A reset later than a call waits: fails at once, retryable, saying when.
    let r = run(CREATE, 3, None, &[quota(MAX_RETRY_AFTER_MS + 1000.0)]);
    let e = r.error();
    assert_eq!(
        (e.code(), e.retryable(), e.maybe_created(), e.retry_after_ms()),
        ("RequestLimitExceeded.ProxyQuota", true, false, Some(61_000.0))
    );
    assert!(e.message().contains("resets in 61 s"), "{}", e.message());
    // Within the limit but past the call's deadline: the same.
    let r = run(DESCRIBE, 3, Some(2000.0), &[quota(5000.0)]);
    assert_eq!(r.error().retry_after_ms(), Some(5000.0));
}

// ---------------------------------------------------------------------------------------------
// The storms: many callers through one pacer per client, against a simulated server that counts
// arrivals in a sliding second and throttles beyond its limit, with uneven network delays.

struct Sim {
    limit: usize,
    arrivals: Vec<f64>,
    tasks: usize,
    throttled: usize,
}

impl Sim {
    /// The server's answer to an attempt arriving at `at`.
    fn serve(&mut self, at: f64, create: bool, n: usize) -> Attempt {
        let recent = self.arrivals.iter().filter(|&&t| t > at - 1000.0).count();
        self.arrivals.push(at);
        if recent >= self.limit {
            self.throttled += 1;
            return api("RequestLimitExceeded");
        }
        if create {
            self.tasks += 1;
            created(&format!("t-{n}"))
        } else {
            status("RUN")
        }
    }
}

/// `clients × per_client` calls at time 0, each client pacing at `pace` per second, the server
/// allowing `limit`. Returns (successes, requests the server saw, the sim).
fn storm(clients: usize, per_client: usize, pace: u32, limit: usize, create: bool) -> (usize, usize, Sim) {
    #[derive(Debug)]
    enum Ev {
        Ready { client: usize, call: usize },
        Answered { client: usize, call: usize },
    }
    let mut sim = Sim { limit, arrivals: vec![], tasks: 0, throttled: 0 };
    let mut pacers: Vec<Pacer> = (0..clients).map(|_| Pacer::new(pace)).collect();
    /// A call, its place in its client's pacer queue, and the answer on its way.
    type InFlight = (Call, Option<u64>, Option<Attempt>);
    let mut calls: Vec<Vec<InFlight>> = (0..clients)
        .map(|_| {
            (0..per_client).map(|_| (Call::new(if create { CREATE } else { DESCRIBE }, 3, None), None, None)).collect()
        })
        .collect();
    let mut events: Vec<(f64, Ev)> = vec![];
    for client in 0..clients {
        for call in 0..per_client {
            events.push((0.0, Ev::Ready { client, call }));
        }
    }
    let (mut ok, mut seq, mut steps) = (0, 0, 0);
    let delay = |n: usize| [2.0, 40.0, 7.0, 95.0, 0.5][n % 5];
    while !events.is_empty() {
        steps += 1;
        assert!(steps < 200_000, "the storm does not settle");
        events.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (now, ev) = events.remove(0);
        match ev {
            Ev::Ready { client, call } => {
                let entry = &mut calls[client][call];
                let ticket = *entry.1.get_or_insert_with(|| pacers[client].join());
                match pacers[client].turn(ticket, now) {
                    Turn::Go => {
                        entry.1 = None;
                        seq += 1;
                        let d = delay(seq);
                        entry.2 = Some(sim.serve(now + d, create, client * 1000 + call));
                        events.push((now + 2.0 * d, Ev::Answered { client, call }));
                    }
                    Turn::At(t) => events.push((t, Ev::Ready { client, call })),
                    // Woken when something finishes: look again a millisecond later.
                    Turn::Queued | Turn::AfterFinish => events.push((now + 1.0, Ev::Ready { client, call })),
                }
            }
            Ev::Answered { client, call } => {
                pacers[client].finish(now);
                let entry = &mut calls[client][call];
                let attempt = entry.2.take().unwrap();
                let Fate::Answer { status, body, .. } = &attempt.fate else { unreachable!() };
                let outcome = Outcome::Answer { status: *status, body, server_ms: None, retry_after_ms: None };
                match entry.0.after(outcome, Now { mono_ms: now, wall_ms: NOW + now, random: (seq % 7) as f64 / 7.0 }) {
                    Step::Done(_) => ok += 1,
                    Step::Sleep(ms) => events.push((now + ms, Ev::Ready { client, call })),
                    Step::Fail(f) => panic!("a storm call failed: {f:?}"),
                    Step::Resign { .. } => unreachable!(),
                }
            }
        }
    }
    let requests = sim.arrivals.len();
    (ok, requests, sim)
}

fn max_in_any_second(times: &[f64]) -> usize {
    let mut t = times.to_vec();
    t.sort_by(f64::total_cmp);
    (0..t.len()).map(|i| t[i..].iter().take_while(|&&x| x < t[i] + 1000.0).count()).max().unwrap_or(0)
}

#[test]
fn fault_table_storm_one_client_paced_is_never_throttled() {
    // 100 concurrent waits' describes from one client at its default limit: held at the server.
    let (ok, requests, sim) = storm(1, 100, 50, 50, false);
    assert_eq!((ok, requests, sim.throttled), (100, 100, 0));
    assert!(max_in_any_second(&sim.arrivals) <= 50);
}

#[test]
fn fault_table_storm_5_clients_x_3_creates_against_10_per_second() {
    // storm: 5 clients × 3 creates, mock limit 10/s | create | 15× ok | (26 at the mock) | 15 tasks
    let (ok, requests, sim) = storm(5, 3, 10, 10, true);
    assert_eq!((ok, sim.tasks), (15, 15), "every create made exactly one task");
    assert_eq!(requests, 15 + sim.throttled);
}

#[test]
fn fault_table_storm_4_clients_x_25_describes_against_50_per_second() {
    // storm: 4 clients × 25 describes, mock limit 50/s | describe | 100× ok
    let (ok, requests, sim) = storm(4, 25, 50, 50, false);
    assert_eq!(ok, 100);
    assert_eq!(requests, 100 + sim.throttled);
}

#[test]
fn fault_table_mixed_storms() {
    // mixed storm: 50 concurrent creates over every fault kind: each either made its one task and
    // gave its id, or failed saying maybeCreated; no create was sent twice after a maybe.
    let id = "4-AigcVideo-mixed";
    let kinds: Vec<Attempt> = vec![
        html(502),
        html(503),
        html(504),
        api("InternalError"),
        api("ServiceUnavailable"),
        api("ResourceUnavailable"),
        dropped(),
        with_task(dropped(), id),
        with_task(reset(cut_create(id, 0)), id),
        with_task(reset(cut_create(id, -4)), id),
        silence(vec![]),
        with_task(silence(vec![]), id),
        with_task(silence(cut_create(id, 0)), id),
        answer(200, "{Response"),
        with_task(answer(200, &String::from_utf8(cut_create(id, 2)).unwrap()), id),
        too_large(vec![]),
        with_task(too_large(cut_create(id, 12)), id),
        html(200),
        with_task(html(504), id),
        api("RequestLimitExceeded"),
        html(429),
        refused(),
    ];
    let (mut made, mut reached, mut never_sent_ids) = (0, 0, 0);
    for (i, fault) in kinds.iter().cycle().take(50).enumerate() {
        let ok = created(&format!("t-{i}"));
        let r = run(CREATE, 3, None, &[fault.clone(), ok]);
        made += r.tasks_made.len();
        reached += r.ids_reached();
        match &r.result {
            Ok(_) => assert!(r.attempts <= 2),
            Err(_) => {
                assert_eq!(r.attempts, 1, "not sent again: {fault:?}");
                assert!(r.error().maybe_created(), "{fault:?}");
                never_sent_ids += r.tasks_made.len() - r.ids_reached();
            }
        }
    }
    assert_eq!(made, reached + never_sent_ids, "every task's id reached its caller unless it never left the server");
    // mixed storm: 50 concurrent describes: every fault is retried; maxRetries 3 outlasts one fault.
    for fault in kinds.iter().cycle().take(50) {
        let r = run(DESCRIBE, 3, None, &[fault.clone(), status("RUN")]);
        assert_eq!(ok_status(&r), "RUN", "{fault:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// The wait machine.

fn result(status: &str) -> Map {
    let v = json!({"Status": status, "VideoUrls": [], "Message": if status == "FAIL" { "refused by review" } else { "" }, "RequestId": "r"});
    Value::from(v).as_object().unwrap().clone()
}

#[test]
fn a_wait_polls_with_growing_pauses_until_done() {
    let mut w = Wait::new("t-1", PollSchedule::default(), 0.0);
    let mut now = 0.0;
    let mut pauses = vec![];
    for s in ["WAIT", "WAIT", "RUN", "RUN", "RUN", "RUN"] {
        match w.on_result(&result(s), now, 0.5) {
            WaitStep::Sleep(ms) => {
                pauses.push(ms);
                now += ms;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(pauses, [2000.0, 3000.0, 4500.0, 6750.0, 10_000.0, 10_000.0]);
    assert_eq!(w.on_result(&result("DONE"), now, 0.5), WaitStep::Resolve);
    assert_eq!(w.state().polls, 7);
}

#[test]
fn a_failed_task_rejects_with_the_servers_message() {
    let mut w = Wait::new("t-9", PollSchedule::default(), 0.0);
    let WaitStep::Reject(e) = w.on_result(&result("FAIL"), 10.0, 0.5) else { panic!() };
    assert_eq!((e.code(), e.task_id(), e.last_status()), (codes::TASK_FAILED, Some("t-9"), Some("FAIL")));
    assert_eq!(e.message(), "task t-9 failed: refused by review");
}

#[test]
fn the_deadline_gives_up_with_the_last_status_after_a_last_poll_at_the_deadline() {
    let schedule = PollSchedule { interval_ms: 1000.0, max_interval_ms: 1000.0, timeout_ms: 2500.0 };
    let mut w = Wait::new("t-8", schedule, 0.0);
    assert_eq!(w.on_result(&result("RUN"), 0.0, 0.5), WaitStep::Sleep(1000.0));
    assert_eq!(w.on_result(&result("RUN"), 2000.0, 0.5), WaitStep::Sleep(500.0), "the last sleep ends at the deadline");
    let WaitStep::Reject(e) = w.on_result(&result("RUN"), 2500.0, 0.5) else { panic!() };
    assert_eq!((e.code(), e.last_status()), (codes::WAIT_TIMEOUT, Some("RUN")));
    assert_eq!(e.message(), "task t-8 still RUN after waiting 2500 ms");
}

#[test]
fn a_permanent_describe_failure_ends_the_wait_carrying_the_task() {
    let mut w = Wait::new("t-7", PollSchedule::default(), 0.0);
    let _ = w.on_result(&result("RUN"), 0.0, 0.5);
    let denied = Error::api("AuthFailure.UnauthorizedOperation", "no", Some("r"), 200);
    let WaitStep::Reject(e) = w.on_failure(Failure::Error(denied), 10.0, 0.5) else { panic!() };
    assert_eq!(
        (e.code(), e.task_id(), e.last_status()),
        ("AuthFailure.UnauthorizedOperation", Some("t-7"), Some("RUN"))
    );
    let WaitStep::Reject(e) = w.on_failure(Failure::Deadline, 10.0, 0.5) else { panic!() };
    assert_eq!(e.code(), codes::WAIT_TIMEOUT);
    assert_eq!(w.on_callback_error().code(), codes::CLIENT_CALLBACK_ERROR);
}

fn outage() -> Error {
    Error::new(codes::SERVER_NETWORK_ERROR, "HTTP 503").with_http_status(503).with_retryable(true)
}

#[test]
fn a_temporary_describe_failure_is_one_more_poll_and_the_deadline_names_it() {
    let schedule = PollSchedule { interval_ms: 1000.0, max_interval_ms: 4000.0, timeout_ms: 60_000.0 };
    let mut w = Wait::new("t-5", schedule, 0.0);
    assert_eq!(w.on_result(&result("RUN"), 0.0, 0.5), WaitStep::Sleep(1000.0));
    // Failed describes: the pauses keep growing on the wait's schedule, and nothing ends it.
    assert_eq!(w.on_failure(Failure::Error(outage()), 1000.0, 0.5), WaitStep::Sleep(1500.0));
    assert_eq!(w.on_failure(Failure::Error(outage()), 2500.0, 0.5), WaitStep::Sleep(2250.0));
    assert_eq!(w.state().last_error.as_ref().map(Error::code), Some(codes::SERVER_NETWORK_ERROR));
    assert_eq!(w.on_result(&result("RUN"), 4750.0, 0.5), WaitStep::Sleep(3375.0));
    assert_eq!(w.state().last_error, None, "an answer clears it");
    // At the deadline: WaitTimeout, the last status as before, and the machine keeps the error (the cause).
    assert_eq!(
        w.on_failure(Failure::Error(outage()), 58_000.0, 0.5),
        WaitStep::Sleep(2000.0),
        "the last poll at the deadline"
    );
    let WaitStep::Reject(e) = w.on_failure(Failure::Error(outage()), 60_000.0, 0.5) else { panic!() };
    assert_eq!((e.code(), e.task_id(), e.last_status()), (codes::WAIT_TIMEOUT, Some("t-5"), Some("RUN")));
    assert_eq!(w.state().last_error, Some(outage()));
}

#[test]
fn a_quota_reset_is_slept_through_unless_it_is_past_the_deadline() {
    let mut w = Wait::new("t-4", PollSchedule::default(), 0.0);
    let throttled =
        |ms| Error::api("RequestLimitExceeded.ProxyQuota", "q", None, 429).with_retryable(true).with_retry_after_ms(ms);
    assert_eq!(w.on_failure(Failure::Error(throttled(90_000.0)), 0.0, 0.5), WaitStep::Sleep(90_000.0));
    assert_eq!(w.on_failure(Failure::Error(throttled(500.0)), 90_000.0, 0.5), WaitStep::Sleep(3000.0));
    let WaitStep::Reject(e) = w.on_failure(Failure::Error(throttled(7_200_000.0)), 100_000.0, 0.5) else { panic!() };
    assert_eq!(
        (e.code(), e.retry_after_ms(), e.task_id()),
        ("RequestLimitExceeded.ProxyQuota", Some(7_200_000.0), Some("t-4"))
    );
}

/// A wait driven through its describes' machines: each poll a [`Call`] bounded by the wait's
/// deadline, with `answer(poll, attempt, now)` for every attempt. Returns how it ended and when.
fn wait_through(schedule: PollSchedule, mut answer: impl FnMut(f64) -> Attempt) -> (WaitStep, f64, usize) {
    let mut w = Wait::new("t-x", schedule, 0.0);
    let (mut now, mut attempts) = (0.0, 0);
    loop {
        let mut call = Call::new(DESCRIBE, 3, Some(w.deadline_ms()));
        let ended = loop {
            attempts += 1;
            let Fate::Answer { status, body, .. } = answer(now).fate else { unreachable!() };
            let outcome = Outcome::Answer { status, body: &body, server_ms: None, retry_after_ms: None };
            now += 100.0; // each answer takes 100 ms
            match call.after(outcome, Now { mono_ms: now, wall_ms: NOW + now, random: 0.5 }) {
                Step::Sleep(ms) => now += ms,
                Step::Done(result) => break w.on_result(&result, now, 0.5),
                Step::Fail(failure) => break w.on_failure(failure, now, 0.5),
                Step::Resign { .. } => {}
            }
        };
        match ended {
            WaitStep::Sleep(ms) => now += ms,
            end => return (end, now, attempts),
        }
    }
}

#[test]
fn a_wait_outlives_an_outage_longer_than_a_describes_retries() {
    // HTTP 503 from 1 s to 60 s (each describe's retries span under 4 s), DONE from 90 s.
    let (end, at, _) = wait_through(PollSchedule::default(), |now| match now {
        t if (1000.0..60_000.0).contains(&t) => html(503),
        t if t < 90_000.0 => status("RUN"),
        _ => status("DONE"),
    });
    assert_eq!(end, WaitStep::Resolve);
    assert!((90_000.0..100_100.0).contains(&at), "{at}");
    // An outage to the end: WaitTimeout at the deadline, after a last poll there.
    let schedule = PollSchedule { timeout_ms: 30_000.0, ..PollSchedule::default() };
    let (end, at, _) = wait_through(schedule, |now| if now < 1000.0 { status("RUN") } else { html(503) });
    let WaitStep::Reject(e) = end else { panic!("{end:?}") };
    assert_eq!((e.code(), e.last_status()), (codes::WAIT_TIMEOUT, Some("RUN")));
    assert!((30_000.0..30_200.0).contains(&at), "gave up at {at}");
    // A permanent error ends it at once.
    let (end, at, attempts) = wait_through(PollSchedule::default(), |now| {
        if now < 1000.0 {
            status("RUN")
        } else {
            api("AuthFailure.UnauthorizedOperation")
        }
    });
    let WaitStep::Reject(e) = end else { panic!("{end:?}") };
    assert_eq!((e.code(), attempts), ("AuthFailure.UnauthorizedOperation", 2));
    assert!(at < 3000.0);
}

#[test]
fn a_wait_continues_from_its_saved_state() {
    let mut w = Wait::new("t-6", PollSchedule::default(), 0.0);
    let _ = w.on_result(&result("WAIT"), 0.0, 0.5);
    let _ = w.on_result(&result("RUN"), 2000.0, 0.5);
    let mut resumed = Wait::resume(w.state().clone());
    assert_eq!(resumed.on_result(&result("RUN"), 5000.0, 0.5), w.clone().on_result(&result("RUN"), 5000.0, 0.5));
}

// ---------------------------------------------------------------------------------------------
// Properties over any sequence of outcomes.

fn any_attempt() -> impl Strategy<Value = Attempt> {
    prop_oneof![
        Just(status("RUN")),
        Just(created("t-p")),
        Just(html(429)),
        Just(html(500)),
        Just(html(503)),
        Just(html(404)),
        Just(api("RequestLimitExceeded")),
        Just(api("InternalError")),
        Just(api("InvalidParameter")),
        Just(expired(Some(NOW + 3_600_000.0))),
        Just(expired(None)),
        Just(dropped()),
        Just(refused()),
        Just(reset(vec![])),
        Just(silence(vec![])),
        Just(too_large(vec![])),
        Just(answer(200, "garbage")),
        (0u64..200_000).prop_map(|ms| {
            let mut a = api("RequestLimitExceeded.ProxyQuota");
            if let Fate::Answer { retry_after_ms, .. } = &mut a.fate {
                *retry_after_ms = Some(ms as f64);
            }
            a
        }),
    ]
}

/// Whether the server surely did not process an attempt that ended this way.
fn surely_not_processed(a: &Attempt) -> bool {
    match &a.fate {
        Fate::Failed { stage: Stage::Sent, code: "ECONNREFUSED", .. } | Fate::Failed { stage: Stage::Threw, .. } => {
            true
        }
        Fate::Answer { status: 429, .. } => true,
        Fate::Answer { body, .. } => {
            let text = String::from_utf8_lossy(body);
            text.contains("RequestLimitExceeded") || text.contains(codes::SIGNATURE_EXPIRE)
        }
        _ => false,
    }
}

proptest! {
    #[test]
    fn a_create_is_never_sent_again_after_an_outcome_that_may_have_made_a_task(
        script in prop::collection::vec(any_attempt(), 1..12),
        max_retries in 0u32..6,
    ) {
        let mut call = Call::new(CREATE, max_retries, None);
        let mut mono = 0.0;
        for attempt in &script {
            let Fate::Answer { status, body, server_ms, retry_after_ms } = &attempt.fate else {
                // Network outcomes: the same check, through the machine.
                let step = match &attempt.fate {
                    Fate::Failed { code, message, stage, received } => call.after(Outcome::Failed { message, code, stage: *stage, received }, Now { mono_ms: mono, wall_ms: NOW, random: 0.3 }),
                    Fate::TimedOut { received } => call.after(Outcome::TimedOut { limit_ms: 1.0, received }, Now { mono_ms: mono, wall_ms: NOW, random: 0.3 }),
                    Fate::TooLarge { status, received } => call.after(Outcome::TooLarge { status: *status, received }, Now { mono_ms: mono, wall_ms: NOW, random: 0.3 }),
                    Fate::Answer { .. } => unreachable!(),
                };
                match step {
                    Step::Sleep(ms) => { prop_assert!(surely_not_processed(attempt), "{:?}", attempt); mono += ms; continue }
                    Step::Resign { .. } => { prop_assert!(surely_not_processed(attempt)); continue }
                    Step::Fail(Failure::Error(e)) => {
                        let timed_out = matches!(attempt.fate, Fate::TimedOut { .. });
                        prop_assert!(!timed_out || e.maybe_created(), "a create that timed out says maybeCreated");
                        break
                    }
                    _ => break,
                }
            };
            let step = call.after(
                Outcome::Answer { status: *status, body, server_ms: *server_ms, retry_after_ms: *retry_after_ms },
                Now { mono_ms: mono, wall_ms: NOW, random: 0.3 },
            );
            match step {
                Step::Sleep(ms) => { prop_assert!(surely_not_processed(attempt), "sent again after {:?}", attempt); mono += ms; }
                Step::Resign { .. } => prop_assert!(surely_not_processed(attempt)),
                _ => break,
            }
        }
    }

    #[test]
    fn no_sleep_outlives_a_deadline(
        script in prop::collection::vec(any_attempt(), 1..12),
        deadline in 1.0f64..120_000.0,
        random in 0.0f64..1.0,
        start in 0.0f64..60_000.0,
    ) {
        for op in [CREATE, DESCRIBE, Op::Other(Idempotency::ReadOnly)] {
            let mut call = Call::new(op, 10, Some(start + deadline));
            let mut mono = start;
            for attempt in &script {
                let outcome = match &attempt.fate {
                    Fate::Answer { status, body, server_ms, retry_after_ms } => Outcome::Answer { status: *status, body, server_ms: *server_ms, retry_after_ms: *retry_after_ms },
                    Fate::Failed { code, message, stage, received } => Outcome::Failed { message, code, stage: *stage, received },
                    Fate::TimedOut { received } => Outcome::TimedOut { limit_ms: 1.0, received },
                    Fate::TooLarge { status, received } => Outcome::TooLarge { status: *status, received },
                };
                match call.after(outcome, Now { mono_ms: mono, wall_ms: NOW, random }) {
                    Step::Sleep(ms) => {
                        prop_assert!(ms >= 0.0 && mono + ms < start + deadline, "sleep {} at {} past {}", ms, mono, start + deadline);
                        mono += ms;
                    }
                    Step::Resign { .. } => {}
                    _ => break,
                }
            }
        }
    }

    #[test]
    fn a_waits_sleeps_never_outlive_its_deadline(
        statuses in prop::collection::vec(prop_oneof![Just("WAIT"), Just("RUN"), Just("QUEUED")], 1..40),
        timeout in 1.0f64..100_000.0,
        interval in 1.0f64..20_000.0,
        random in 0.0f64..1.0,
        lag in 0.0f64..3_000.0,
    ) {
        let schedule = PollSchedule { interval_ms: interval, max_interval_ms: interval * 3.0, timeout_ms: timeout };
        let mut w = Wait::new("t", schedule, 0.0);
        let mut now = 0.0;
        for s in statuses {
            match w.on_result(&result(s), now, random) {
                WaitStep::Sleep(ms) => {
                    prop_assert!(now + ms <= w.deadline_ms() + 1e-9);
                    now += ms + lag; // each describe takes `lag`
                }
                WaitStep::Reject(e) => { prop_assert_eq!(e.code(), codes::WAIT_TIMEOUT); break }
                WaitStep::Resolve => prop_assert!(false, "never DONE here"),
            }
        }
    }
}

#[test]
fn the_proxy_forward_passes_answers_on_and_fixes_the_clock_once() {
    let r = run(Op::Forward, 3, None, &[html(503)]);
    assert!(r.result.unwrap().is_empty(), "any answer passes on as it is");
    let r = run(Op::Forward, 3, None, &[api("InvalidParameter")]);
    assert!(r.result.is_ok());
    let r = run(Op::Forward, 3, None, &[expired(Some(NOW + 600_000.0)), expired(Some(NOW + 600_000.0))]);
    assert_eq!((r.attempts, r.offset), (2, Some(600_500.0)), "re-signed once, then the answer passes on");
    let r = run(Op::Forward, 3, None, &[silence(vec![])]);
    assert_eq!(failure(&r).0, codes::CLIENT_TIMEOUT);
    let mut queue = VecDeque::from([dropped()]);
    let r = run(Op::Forward, 3, None, &[queue.pop_front().unwrap()]);
    assert_eq!((r.attempts, failure(&r).0), (1, codes::CLIENT_NETWORK_ERROR.to_owned()), "the proxy never retries");
}
