//! JSON values whose objects keep their members in order, with the reader and the compact writer
//! the package needs (RFC 8259).
//!
//! Order is the point: a body is sent in the API's documented field order with unknown fields after
//! it in the caller's order, byte-identical to the official SDK's. A number keeps its text as read,
//! so whatever passes through is sent as it came. `serde_json` with `preserve_order` did all this
//! too, but it was a fifth of the wasm (its generic deserializer, an index map with its hash table,
//! float printing, and formatting machinery for errors nobody reads); this is a few hundred lines.
//! `tests/json.rs` checks it against `serde_json` on generated documents.
//!
//! [`Value`] and [`Number`] are here, [`Map`] in `map`, the reader in `read`, the writer in `write`.

mod map;
mod read;
mod write;

use alloc::string::String;
use alloc::vec::Vec;

pub use map::Map;
pub use read::{parse, parse_lossy, parse_str, Invalid, Reader, MAX_DEPTH};
pub use write::{quoted, write, write_str};

/// A JSON value.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Value {
    /// `null`.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as its JSON text.
    Number(Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object.
    Object(Map),
}

/// A number as its JSON text (always valid JSON number syntax).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Number(pub(crate) String);

impl Number {
    /// The number's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value when it is written as a whole number from 0 to `u64::MAX`.
    pub fn as_u64(&self) -> Option<u64> {
        let mut n: u64 = 0;
        for b in self.0.bytes() {
            let digit = b.checked_sub(b'0').filter(|d| *d <= 9)?;
            n = n.checked_mul(10)?.checked_add(u64::from(digit))?;
        }
        Some(n)
    }

    /// Whether it is written as a whole number that fits in an `i64` or a `u64` (what `serde_json`
    /// calls an integer; `5.0` and `1e3` are not).
    pub fn is_integer(&self) -> bool {
        match self.0.strip_prefix('-') {
            Some(digits) => Number(digits.into()).as_u64().is_some_and(|n| n <= 1 << 63),
            None => self.as_u64().is_some(),
        }
    }
}

impl From<u64> for Number {
    fn from(n: u64) -> Self {
        Number(decimal(n))
    }
}

/// `n` in decimal (without `core::fmt`, which would bring its machinery into the wasm).
pub fn decimal(mut n: u64) -> String {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits[at..].iter().map(|&d| char::from(d)).collect()
}

impl Value {
    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    /// Whether this is a string.
    pub fn is_string(&self) -> bool {
        matches!(self, Value::String(_))
    }
    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    /// The items, if this is an array.
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }
    /// The members, if this is an object.
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }
    /// The number, if this is a whole number from 0 to `u64::MAX`.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }
    /// The member `key`, if this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }
    /// Compact JSON text.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write(&mut out, self);
        out
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.into())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<u64> for Value {
    fn from(n: u64) -> Self {
        Value::Number(n.into())
    }
}
impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Number(u64::from(n).into())
    }
}
impl From<Map> for Value {
    fn from(map: Map) -> Self {
        Value::Object(map)
    }
}
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Self {
        Value::Array(items.into_iter().map(Into::into).collect())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

// Natively (tests, tools), values convert to and from `serde_json`'s, through their text.
#[cfg(any(test, not(target_arch = "wasm32")))]
mod interop {
    use super::{parse_str, Map, Value};

    impl From<serde_json::Value> for Value {
        fn from(v: serde_json::Value) -> Self {
            parse_str(&v.to_string()).unwrap_or_default()
        }
    }
    impl From<Value> for serde_json::Value {
        fn from(v: Value) -> Self {
            serde_json::from_str(&v.to_json()).unwrap_or_default()
        }
    }
    impl From<Map> for serde_json::Value {
        fn from(map: Map) -> Self {
            Value::Object(map).into()
        }
    }
    impl PartialEq<serde_json::Value> for Value {
        fn eq(&self, other: &serde_json::Value) -> bool {
            let other = Value::from(other.clone());
            *self == other
        }
    }
}
