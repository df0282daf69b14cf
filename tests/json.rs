//! The crate's JSON (`src/json.rs`) against `serde_json` (with `preserve_order`, what the crate used
//! before): the same documents accepted, the same bytes written, the same order kept, duplicate keys
//! read the same way.
#![cfg(not(target_arch = "wasm32"))]

use mps_aigc::json::{decimal, parse, parse_lossy, parse_str, Invalid, Value, MAX_DEPTH};
use proptest::prelude::*;

fn serde_value() -> impl Strategy<Value = serde_json::Value> {
    values(true)
}

/// Documents; with `floats`, fractional numbers too (serde_json reads those back to the nearest
/// double only approximately unless built with `float_roundtrip`, so a document that is read,
/// written and read again may print them differently; this reader keeps their text).
fn values(floats: bool) -> impl Strategy<Value = serde_json::Value> {
    let float = any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(serde_json::Value::from);
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        "\\PC{0,20}".prop_map(serde_json::Value::String),
        "[\\u{0}-\\u{1f}\"\\\\/\u{7f}\u{2028}é😀]{0,8}".prop_map(serde_json::Value::String),
    ];
    let leaf = if floats { prop_oneof![leaf, float].boxed() } else { leaf.boxed() };
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::vec(("[a-zA-Z]{0,6}", inner), 0..6)
                .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Text of an object with these members, duplicates and all, with some white space.
fn object_text(members: &[(String, serde_json::Value)]) -> String {
    let inner: Vec<String> =
        members.iter().map(|(k, v)| format!("{} : {}", serde_json::to_string(k).unwrap(), v)).collect();
    format!("{{ {} }}", inner.join(" ,\n"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn what_serde_json_writes_reads_back_byte_for_byte(value in serde_value()) {
        let text = serde_json::to_string(&value).unwrap();
        let ours = parse(text.as_bytes()).expect("valid JSON");
        prop_assert_eq!(ours.to_json(), text);
    }

    #[test]
    fn duplicate_keys_read_as_serde_json_reads_them(members in prop::collection::vec(("[ab]{1,2}", values(false)), 0..8)) {
        // Both members are kept and written back; a lookup sees the last one; and what serde_json
        // (or JSON.parse) makes of the text written is what it makes of the text read.
        let text = object_text(&members);
        let serde: serde_json::Value = serde_json::from_str(&text).unwrap();
        let ours = parse(text.as_bytes()).unwrap();
        let written: serde_json::Value = serde_json::from_str(&ours.to_json()).unwrap();
        prop_assert_eq!(&written, &serde);
        for (key, _) in &members {
            prop_assert!(*ours.get(key).unwrap() == serde[key.as_str()], "{}", key);
        }
    }

    #[test]
    fn the_same_documents_are_accepted(value in serde_value(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        // A valid document with one byte changed: usually invalid, sometimes still valid.
        let mut bytes = serde_json::to_vec(&value).unwrap();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        let serde = serde_json::from_slice::<serde_json::Value>(&bytes);
        // serde_json refuses numbers beyond f64 (1e999); JSON itself does not, nor does this reader.
        prop_assume!(!serde.as_ref().is_err_and(|e| e.to_string().starts_with("number out of range")));
        prop_assert_eq!(parse(&bytes).is_ok(), serde.is_ok(), "{:?}", String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_bytes_never_panic_and_agree(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let serde = serde_json::from_slice::<serde_json::Value>(&bytes);
        prop_assume!(!serde.as_ref().is_err_and(|e| e.to_string().starts_with("number out of range")));
        prop_assert_eq!(parse(&bytes).is_ok(), serde.is_ok());
    }

    #[test]
    fn answers_are_read_as_their_lossy_text_is(value in values(false), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        // A document with one byte changed (often to invalid UTF-8): what the strict reader reads
        // reads the same; otherwise the answer reads as its text decoded with U+FFFD would, which
        // serde_json judges (but for surrogate escapes, which it refuses and JSON.parse does not).
        let mut bytes = serde_json::to_vec(&value).unwrap();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        let lossy = parse_lossy(&bytes);
        if let Ok(strict) = parse(&bytes) {
            prop_assert_eq!(lossy, Ok(strict));
            return Ok(());
        }
        let text = String::from_utf8_lossy(&bytes);
        prop_assume!(!text.to_ascii_lowercase().contains("\\ud"));
        let serde = serde_json::from_str::<serde_json::Value>(&text);
        prop_assume!(!serde.as_ref().is_err_and(|e| e.to_string().starts_with("number out of range")));
        prop_assert_eq!(lossy.map(|v| v.to_json()), serde.map(|v| serde_json::to_string(&v).unwrap()).map_err(|_| Invalid));
    }
}

#[test]
fn answers_read_invalid_utf8_and_lone_surrogates_as_javascript_does() {
    // What `JSON.parse(new TextDecoder().decode(bytes))` gives, written back as UTF-8.
    let read = |bytes: &[u8]| parse_lossy(bytes).map(|v| v.as_str().unwrap().to_owned());
    assert_eq!(read(br#""bad prompt \ud83d""#).unwrap(), "bad prompt \u{fffd}");
    assert_eq!(read(br#""a\udc00b""#).unwrap(), "a\u{fffd}b");
    assert_eq!(read(br#""\ud83d\u0041""#).unwrap(), "\u{fffd}A", "the next escape is its own");
    assert_eq!(read(br#""\ud83d\ud83d\ude00""#).unwrap(), "\u{fffd}😀");
    assert_eq!(read(br#""\ud83d\ude00""#).unwrap(), "😀");
    assert_eq!(read(b"\"bad \xff\"").unwrap(), "bad \u{fffd}");
    assert_eq!(read(b"\"a\xe2\x82\"").unwrap(), "a\u{fffd}", "one U+FFFD for a cut-off sequence");
    // A byte order mark before the value is skipped, as TextDecoder skips it; one only.
    assert_eq!(read(b"\xef\xbb\xbf\"ok\"").unwrap(), "ok");
    assert_eq!(parse(b"\xef\xbb\xbf\"ok\""), Err(Invalid), "not by the strict reader");
    // What is not JSON stays refused.
    for bad in
        [&b"\xef\xbb\xbf\xef\xbb\xbf1"[..], b" \xef\xbb\xbf1", br#"{"a":"#, br#""\ud83d\uZZZZ""#, br#""\x""#, b"\xff"]
    {
        assert_eq!(parse_lossy(bad), Err(Invalid), "{:?}", String::from_utf8_lossy(bad));
    }
    // The strict reader, for what callers send, refuses both.
    assert_eq!(parse(br#""\ud83d""#), Err(Invalid));
    assert_eq!(parse(b"\"\xff\""), Err(Invalid));
}

#[test]
fn integers_are_classified_as_serde_json_classifies_them() {
    for text in [
        "0",
        "-1",
        "9223372036854775807",
        "-9223372036854775808",
        "18446744073709551615",
        "5.0",
        "1e3",
        "-9223372036854775809",
        "18446744073709551616",
        "0.5",
    ] {
        let serde: serde_json::Value = serde_json::from_str(text).unwrap();
        let serde_integer = serde.is_i64() || serde.is_u64();
        let Value::Number(ours) = parse(text.as_bytes()).unwrap() else { panic!("{text}") };
        assert_eq!(ours.is_integer(), serde_integer, "{text}");
        assert_eq!(ours.as_u64(), serde.as_u64(), "{text}");
    }
}

fn round(text: &str) -> String {
    parse_str(text).unwrap().to_json()
}

#[test]
fn order_and_numbers_are_kept() {
    assert_eq!(
        round(r#" {"b": 1, "a": [true, null, -0.5e+3], "c": {}} "#),
        r#"{"b":1,"a":[true,null,-0.5e+3],"c":{}}"#
    );
    let twice = parse_str(r#"{"a":1,"b":2,"a":3}"#).unwrap();
    assert_eq!(twice.to_json(), r#"{"a":1,"b":2,"a":3}"#, "written back as read");
    assert_eq!(twice.get("a"), Some(&parse_str("3").unwrap()), "read as its last value");
}

#[test]
fn strings_are_escaped_as_json_stringify_does() {
    assert_eq!(round(r#""\u00e9\/\ud83d\ude00\b\u001f\u007f""#), "\"é/😀\\b\\u001f\u{7f}\"");
}

#[test]
fn anything_but_one_value_is_refused() {
    for bad in [
        "",
        "{",
        "[1,]",
        "{\"a\":1,}",
        "01",
        "1.",
        "-",
        "1e",
        "tru",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"a\nb\"",
        "{} {}",
        "{'a':1}",
        "[1 2]",
        "\"\\x\"",
        "nul",
    ] {
        assert_eq!(parse_str(bad), Err(Invalid), "{bad:?}");
    }
    assert_eq!(parse(b"\"\xff\""), Err(Invalid), "not UTF-8");
    let deep = |n: usize| "[".repeat(n) + &"]".repeat(n);
    assert!(parse_str(&deep(MAX_DEPTH)).is_ok());
    assert_eq!(parse_str(&deep(MAX_DEPTH + 1)), Err(Invalid));
}

#[test]
fn integers_are_whole_numbers_that_fit() {
    let n = |t: &str| match parse_str(t) {
        Ok(Value::Number(n)) => n,
        other => panic!("{t}: {other:?}"),
    };
    assert!(n("0").is_integer() && n("-9223372036854775808").is_integer() && n("18446744073709551615").is_integer());
    assert!(!n("-9223372036854775809").is_integer() && !n("18446744073709551616").is_integer());
    assert!(!n("5.0").is_integer() && !n("1e3").is_integer());
    assert_eq!(n("42").as_u64(), Some(42));
    assert_eq!(n("-1").as_u64(), None);
    assert_eq!(decimal(0), "0");
    assert_eq!(decimal(u64::MAX), "18446744073709551615");
}
