//! What the signing proxy needs from a caller's body, read without building a tree of it: that it
//! is one JSON object, whether it names a `StoreCosParam`, and its `TaskId`. The body is validated
//! to the end with constant extra memory (a tree of a 1 MiB body of tiny values would take tens of
//! megabytes of wasm memory, which never shrinks).

use crate::json::{Reader, Value};
use crate::prelude::*;

/// What a body holds, as far as the proxy cares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scan {
    /// It has a top-level `StoreCosParam` (a COS bucket to write into), other than `null`.
    pub store_cos_param: bool,
    /// Its top-level `TaskId`, when that is a string.
    pub task_id: Option<String>,
}

/// The deepest nesting accepted: real requests nest three levels.
pub const MAX_DEPTH: usize = 64;

/// The longest `TaskId` kept (a task handle is about 100 characters).
const MAX_TASK_ID_BYTES: usize = 4096;

/// Reads `body`; `None` unless it is exactly one JSON object nesting at most [`MAX_DEPTH`] levels.
/// Only the two members that matter are kept; everything else is checked and dropped.
pub fn scan(body: &[u8]) -> Option<Scan> {
    if depth(body) > MAX_DEPTH {
        return None;
    }
    let mut reader = Reader::new(body).ok()?;
    reader.open_object().ok()?;
    let mut scan = Scan::default();
    let mut first = true;
    while let Some(key) = reader.next_key(first, true).ok()? {
        first = false;
        match key.as_str() {
            name if is_store_cos_param(name) => {
                scan.store_cos_param |= !reader.next_is(b'n');
                reader.value(false).ok()?;
            }
            // Only a string is built: anything else is checked and dropped like the rest.
            "TaskId" => {
                let string = reader.next_is(b'"');
                scan.task_id = match reader.value(string).ok()? {
                    Value::String(id) if id.len() <= MAX_TASK_ID_BYTES => Some(id),
                    _ => None,
                }
            }
            _ => {
                reader.value(false).ok()?;
            }
        }
    }
    reader.end().ok()?;
    Some(scan)
}

/// Whether a member's name is `StoreCosParam` in any spelling a case-insensitive JSON decoder would
/// take for it (Go's, for one, which also folds `ſ` to `s`): the server might, so the check must.
fn is_store_cos_param(name: &str) -> bool {
    let folded = name.chars().map(|c| if c == '\u{17f}' { 's' } else { c.to_ascii_lowercase() });
    folded.eq("storecosparam".chars())
}

/// The deepest nesting of brackets outside strings (a byte loop: no allocation, no recursion).
fn depth(body: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_read_for_what_matters() {
        let s = scan(br#"{"Prompt":"x","StoreCosParam":{"CosBucketName":"b"},"TaskId":"t-1"}"#).unwrap();
        assert_eq!(s, Scan { store_cos_param: true, task_id: Some("t-1".into()) });
        assert_eq!(scan(br#"{"StoreCosParam":null,"TaskId":5}"#).unwrap(), Scan::default());
        for spelling in
            ["storeCosParam", "STORECOSPARAM", "\u{17f}toreCosParam", r"\u017ftoreCosParam", r"StoreCos\u0050aram"]
        {
            let body = ["{\"", spelling, "\":{\"CosBucketName\":\"b\"}}"].concat();
            assert!(scan(body.as_bytes()).unwrap().store_cos_param, "{spelling}");
        }
        assert!(!scan(br#"{"StoreCosParams":{}}"#).unwrap().store_cos_param);
        assert_eq!(scan(b"  {}  ").unwrap(), Scan::default());
        assert_eq!(scan(br#"{"TaskId":"a\"b"}"#).unwrap().task_id.as_deref(), Some("a\"b"));
    }

    #[test]
    fn anything_but_one_json_object_is_refused() {
        for bad in [&b"[1]"[..], b"not json", b"{} {}", b"{\"a\":}", b"", b"\"x\"", b"{\"a\":1,}"] {
            assert_eq!(scan(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
        let nested = |levels: usize| format!("{{\"a\":{}1{}}}", "[".repeat(levels), "]".repeat(levels));
        assert!(scan(nested(MAX_DEPTH - 1).as_bytes()).is_some());
        assert_eq!(scan(nested(MAX_DEPTH).as_bytes()), None, "deeper than any request");
        assert_eq!(scan(nested(100_000).as_bytes()), None);
        assert!(
            scan(br#"{"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"{{{{"}"#).is_some(),
            "brackets in strings do not count"
        );
    }
}
