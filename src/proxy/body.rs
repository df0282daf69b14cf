//! What the signing proxy needs from a caller's body, read without building a tree of it: that it
//! is one JSON object, whether it names a `StoreCosParam`, and its `TaskId`. The body is validated
//! to the end with constant extra memory (a tree of a 1 MiB body of tiny values would take tens of
//! megabytes of wasm memory, which never shrinks).

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

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

/// Reads `body`; `None` unless it is exactly one JSON object nesting at most [`MAX_DEPTH`] levels.
pub fn scan(body: &[u8]) -> Option<Scan> {
    if depth(body) > MAX_DEPTH {
        return None;
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let scan = de.deserialize_map(ScanVisitor).ok()?;
    de.end().ok()?;
    Some(scan)
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

struct ScanVisitor;

/// A top-level key, compared without keeping it.
enum Key {
    StoreCosParam,
    TaskId,
    Other,
}

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
                Ok(match key {
                    "StoreCosParam" => Key::StoreCosParam,
                    "TaskId" => Key::TaskId,
                    _ => Key::Other,
                })
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

impl<'de> Visitor<'de> for ScanVisitor {
    type Value = Scan;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scan, A::Error> {
        let mut scan = Scan::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::StoreCosParam => {
                    let value = map.next_value::<Option<IgnoredAny>>()?;
                    scan.store_cos_param |= value.is_some();
                }
                Key::TaskId => scan.task_id = map.next_value::<Option<TaskIdValue>>()?.and_then(|v| v.0),
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(scan)
    }
}

/// A TaskId's value: the string, or nothing for any other JSON value (validated all the same).
struct TaskIdValue(Option<String>);

impl<'de> de::Deserialize<'de> for TaskIdValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TaskIdValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TaskIdValue, E> {
                Ok(TaskIdValue((v.len() <= 4096).then(|| v.to_owned())))
            }
            fn visit_bool<E>(self, _: bool) -> Result<TaskIdValue, E> {
                Ok(TaskIdValue(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<TaskIdValue, E> {
                Ok(TaskIdValue(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<TaskIdValue, E> {
                Ok(TaskIdValue(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<TaskIdValue, E> {
                Ok(TaskIdValue(None))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<TaskIdValue, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(TaskIdValue(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TaskIdValue, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(TaskIdValue(None))
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_read_for_what_matters() {
        let s = scan(br#"{"Prompt":"x","StoreCosParam":{"CosBucketName":"b"},"TaskId":"t-1"}"#).unwrap();
        assert_eq!(s, Scan { store_cos_param: true, task_id: Some("t-1".into()) });
        assert_eq!(scan(br#"{"StoreCosParam":null,"TaskId":5}"#).unwrap(), Scan::default());
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
