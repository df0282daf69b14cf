//! Request and result models as data: a [`Schema`] lists an object's fields in the API's documented
//! order with their types, and one generic reader checks a JSON object against it.
//!
//! Every task kind's model is such a table (see [`crate::kinds`]), so adding a field or a kind is a
//! table entry, and the reader, the error messages that name a field by its full path
//! (`ImageInfos[1].ImageUrl must be a string, got an integer`), the pass-through of unknown fields
//! and the dropping of `null`s are written once. The same reader serves requests (a wrong field is
//! `InvalidParameter`) and answers (a wrong field is `InvalidResponse`).

use crate::error::Error;
use crate::json::{self, Map, Value};
use crate::prelude::*;

/// An object's fields, in the order the API documents them (and the official SDKs send them).
pub type Schema = [Field];

/// One field of a [`Schema`].
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// The API's PascalCase name.
    pub name: &'static str,
    /// What it holds.
    pub ty: Ty,
}

/// What a field holds.
#[derive(Clone, Copy, Debug)]
pub enum Ty {
    /// A string.
    Str,
    /// `true` or `false`.
    Bool,
    /// An integer (e.g. `LogoAdd`, a 0/1 flag).
    Int,
    /// A finite number (e.g. an audio's `Duration` in an answer).
    Number,
    /// A positive integer; the text is the unit, for messages (`" (seconds)"`).
    Count(&'static str),
    /// An array of strings.
    Strings,
    /// A nested object.
    Object(&'static Schema),
    /// An array of nested objects.
    Objects(&'static Schema),
    /// A JSON object serialized into a string, as `AdditionalParameters` is sent; callers may give
    /// the object itself.
    JsonText,
}

/// A field, for the schema tables.
pub const fn field(name: &'static str, ty: Ty) -> Field {
    Field { name, ty }
}

/// Who wrote the JSON, which decides the error code of a wrong field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The caller: a bad field is `InvalidParameter` (or `InvalidParameterValue` for a value out of
    /// range).
    Caller,
    /// The server: a bad field is `InvalidResponse`, and a missing array reads as empty.
    Server,
}

/// Reads `value` as an object of `schema`: the known fields in schema order, each checked, then
/// every unknown field as given (in the caller's order), with `null` members dropped at every depth.
/// `path` names the object in messages (`""` for a request, whose fields are named on their own).
pub fn read(schema: &Schema, value: Value, path: &str, source: Source) -> Result<Map, Error> {
    let mut map = match value {
        Value::Object(map) => map,
        other => return Err(wrong_type(source, object_name(path), "an object", &other)),
    };
    // Reordered in place (no second map: a request may carry thousands of unknown fields).
    let mut known = 0;
    for field in schema {
        let value = map.remove(field.name).filter(|v| !v.is_null());
        let value = match value {
            Some(value) => Some(check(field, value, &child(path, field.name), source)?),
            None if source == Source::Server && matches!(field.ty, Ty::Strings | Ty::Objects(_)) => {
                Some(Value::Array(Vec::new()))
            }
            None => None,
        };
        if let Some(value) = value {
            map.insert_at(known, field.name.to_owned(), value);
            known += 1;
        }
    }
    strip_nulls(&mut map);
    Ok(map)
}

fn check(field: &Field, value: Value, path: &str, source: Source) -> Result<Value, Error> {
    match (field.ty, value) {
        (Ty::Str, v @ Value::String(_)) | (Ty::Bool, v @ Value::Bool(_)) => Ok(v),
        (Ty::Int, Value::Number(n)) if n.is_integer() => Ok(Value::Number(n)),
        (Ty::Number, v @ Value::Number(_)) => Ok(v),
        (Ty::Count(unit), Value::Number(n)) => match n.as_u64() {
            Some(count) if count > 0 && count <= u64::from(u32::MAX) => Ok(Value::Number(n)),
            _ => Err(out_of_range(source, path, &["must be a positive integer", unit, ", got ", n.as_str()].concat())),
        },
        (Ty::Count(unit), other) => Err(wrong_type(source, path, &["a positive integer", unit].concat(), &other)),
        (Ty::Strings, Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                if !item.is_string() {
                    return Err(wrong_type(source, &index(path, i), "a string", item));
                }
            }
            Ok(Value::Array(items))
        }
        (Ty::Object(schema), v @ Value::Object(_)) => read(schema, v, path, source).map(Value::Object),
        (Ty::Objects(schema), Value::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                out.push(Value::Object(read(schema, item, &index(path, i), source)?));
            }
            Ok(Value::Array(out))
        }
        (Ty::JsonText, Value::String(text)) => match json::parse_str(&text) {
            Ok(Value::Object(_)) => Ok(Value::String(text)),
            _ => Err(json_text_refusal(path)),
        },
        (Ty::JsonText, Value::Object(mut map)) => {
            strip_nulls(&mut map);
            Ok(Value::String(map.to_json()))
        }
        (Ty::JsonText, _) => Err(json_text_refusal(path)),
        (ty, other) => Err(wrong_type(source, path, expected(ty), &other)),
    }
}

fn expected(ty: Ty) -> &'static str {
    match ty {
        Ty::Str => "a string",
        Ty::Bool => "true or false",
        Ty::Int => "an integer",
        Ty::Number => "a number",
        Ty::Strings => "an array",
        Ty::Object(_) => "an object",
        Ty::Objects(_) => "an array",
        Ty::Count(_) | Ty::JsonText => "a value of another type",
    }
}

fn json_text_refusal(path: &str) -> Error {
    Error::invalid_parameter(path, "must be a JSON object, or a string holding one")
}

fn child(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        let mut out = String::with_capacity(path.len() + name.len() + 1);
        out.push_str(path);
        out.push('.');
        out.push_str(name);
        out
    }
}

fn index(path: &str, i: usize) -> String {
    let mut out = String::with_capacity(path.len() + 6);
    out.push_str(path);
    out.push('[');
    out.push_str(&json::decimal(i as u64));
    out.push(']');
    out
}

fn object_name(path: &str) -> &str {
    if path.is_empty() {
        "request"
    } else {
        path
    }
}

/// Drops `null` members of objects, at every depth (array items stay, so positions keep meaning).
pub fn strip_nulls(map: &mut Map) {
    map.retain(|_, v| !v.is_null());
    for value in map.values_mut() {
        strip_nulls_in(value);
    }
}

fn strip_nulls_in(value: &mut Value) {
    match value {
        Value::Object(map) => strip_nulls(map),
        Value::Array(items) => items.iter_mut().for_each(strip_nulls_in),
        _ => {}
    }
}

/// What kind of JSON value this is, in a JavaScript caller's words.
pub fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_integer() => "an integer",
        Value::Number(_) => "a fractional number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `<path> must be <expected>, got <what>`, coded by who wrote the JSON.
fn wrong_type(source: Source, path: &str, expected: &str, got: &Value) -> Error {
    let mut problem = String::with_capacity(32);
    problem.push_str("must be ");
    problem.push_str(expected);
    problem.push_str(", got ");
    problem.push_str(describe(got));
    match source {
        Source::Caller => Error::invalid_parameter(path, &problem),
        Source::Server => Error::invalid_response([path, " ", &problem].concat()),
    }
}

/// A value of the right type that no model accepts.
fn out_of_range(source: Source, path: &str, problem: &str) -> Error {
    match source {
        Source::Caller => Error::invalid_value(path, problem),
        Source::Server => Error::invalid_response([path, " ", problem].concat()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(schema: &Schema, value: serde_json::Value, path: &str, source: Source) -> Result<Map, Error> {
        super::read(schema, value.into(), path, source)
    }

    const INNER: &Schema = &[field("C", Ty::Str)];
    const OUTER: &Schema = &[field("A", Ty::Objects(INNER)), field("N", Ty::Count(" (seconds)"))];

    #[test]
    fn errors_name_the_full_path() {
        let err = read(OUTER, json!({"A": [{"C": "x"}, {"C": 5}]}), "", Source::Caller).unwrap_err();
        assert_eq!(err.code(), "InvalidParameter");
        assert_eq!(err.message(), "A[1].C must be a string, got an integer");
        let err = read(OUTER, json!({"N": 0}), "", Source::Caller).unwrap_err();
        assert_eq!(
            (err.code(), err.message()),
            ("InvalidParameterValue", "N must be a positive integer (seconds), got 0")
        );
        let err = read(OUTER, json!({"N": "5"}), "", Source::Caller).unwrap_err();
        assert_eq!(
            (err.code(), err.message()),
            ("InvalidParameter", "N must be a positive integer (seconds), got a string")
        );
    }

    #[test]
    fn known_fields_come_first_then_the_rest_without_nulls() {
        let out = read(OUTER, json!({"New": {"a": null, "b": [null, 1]}, "N": 3, "Gone": null}), "", Source::Caller);
        assert_eq!(out.unwrap().to_json(), r#"{"N":3,"New":{"b":[null,1]}}"#);
    }

    #[test]
    fn answers_are_invalid_response_and_missing_arrays_are_empty() {
        let err = read(OUTER, json!({"N": "x"}), "Response", Source::Server).unwrap_err();
        assert_eq!(err.code(), "InvalidResponse");
        assert_eq!(err.message(), "Response.N must be a positive integer (seconds), got a string");
        let out = read(OUTER, json!({}), "Response", Source::Server).unwrap();
        assert_eq!(Value::Object(out), json!({"A": []}));
    }
}
