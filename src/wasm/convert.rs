//! JavaScript values into JSON, refusing what JSON cannot carry with an error naming the field.
//!
//! This is what `JSON.stringify` would do, minus its silent surprises: `NaN` becoming `null`,
//! a lone surrogate being replaced, a cyclic object overflowing the stack (which in wasm would take
//! the instance down), a 100 MB string being copied into wasm memory that never shrinks. The
//! caller's values are read only through calls that catch (see js/support.js): a getter or a Proxy
//! trap that throws becomes an error naming the field, never an exception through wasm.

use js_sys::{JsString, Reflect};
use serde_json::{Map, Number, Value};
use wasm_bindgen::{JsCast, JsValue};

use super::js::{describe_thrown, is_array, is_well_formed, keys_of, kind_of};
use crate::error::Error;

/// The deepest nesting accepted; real requests nest three levels, a cyclic object nests forever.
pub const MAX_DEPTH: usize = 32;
/// The most string data one input may hold (UTF-16 units); a real request is a few kilobytes.
pub const MAX_INPUT_UNITS: usize = 1 << 20;

/// Converts `value` to JSON; `root` names it in errors (`""` for a request whose fields are named
/// on their own, like `Prompt`).
pub fn to_json(value: &JsValue, root: &str) -> Result<Value, Error> {
    let mut budget = MAX_INPUT_UNITS;
    convert(value, root, 0, &mut budget)
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn name(path: &str) -> &str {
    if path.is_empty() {
        "request"
    } else {
        path
    }
}

/// `<path> could not be read (<what was thrown>)`.
pub fn unreadable(path: &str, thrown: &JsValue) -> Error {
    Error::invalid_parameter(name(path), &format!("could not be read ({})", describe_thrown(thrown)))
}

/// A property of a caller's object, read so that a throwing getter is an error, not an exception.
pub fn property(object: &JsValue, key: &JsValue, path: &str) -> Result<JsValue, Error> {
    Reflect::get(object, key).map_err(|e| unreadable(path, &e))
}

fn convert(v: &JsValue, path: &str, depth: usize, budget: &mut usize) -> Result<Value, Error> {
    if v.is_null() || v.is_undefined() {
        return Ok(Value::Null);
    }
    if let Some(b) = v.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Some(n) = v.as_f64() {
        return number(n).ok_or_else(|| Error::invalid_parameter(name(path), "must be a finite number"));
    }
    if v.is_string() {
        return string(v, path, budget).map(Value::String);
    }
    if !v.is_object() {
        // bigint, symbol, function
        let kind = kind_of(v);
        return Err(Error::invalid_parameter(name(path), &format!("must be JSON data, got {kind}")));
    }
    if depth >= MAX_DEPTH {
        // The path of a cyclic object repeats itself: show its start only.
        let shown = match path.char_indices().nth(60) {
            Some((cut, _)) => format!("{}...", &path[..cut]),
            None => path.to_owned(),
        };
        return Err(Error::invalid_parameter(
            &shown,
            &format!("nests deeper than {MAX_DEPTH} levels (is the object cyclic?)"),
        ));
    }
    if is_array(v).map_err(|e| unreadable(path, &e))? {
        let length = property(v, &JsValue::from_str("length"), path)?.as_f64().unwrap_or(0.0);
        if length > *budget as f64 {
            return Err(too_large(path));
        }
        let mut items = Vec::with_capacity((length as usize).min(1024));
        for i in 0..length as u32 {
            let item_path = format!("{}[{i}]", name(path));
            let item = property(v, &JsValue::from(i), &item_path)?;
            items.push(convert(&item, &item_path, depth + 1, budget)?);
        }
        return Ok(Value::Array(items));
    }
    // Objects with toJSON (Date, for one) become what JSON.stringify would make of them.
    let to_json = property(v, &JsValue::from_str("toJSON"), path)?;
    if to_json.is_function() {
        let f: &js_sys::Function = to_json.unchecked_ref();
        let replaced = f.call0(v).map_err(|e| unreadable(path, &e))?;
        return convert(&replaced, path, depth + 1, budget);
    }
    let keys = keys_of(v).map_err(|e| unreadable(path, &e))?;
    if keys.length() as usize > *budget {
        return Err(too_large(path));
    }
    let mut map = Map::new();
    for key in keys.iter() {
        let key_text = string(&key, path, budget)?;
        let key_path = child(path, &key_text);
        let value = property(v, &key, &key_path)?;
        let value = convert(&value, &key_path, depth + 1, budget)?;
        map.insert(key_text, value);
    }
    Ok(Value::Object(map))
}

fn too_large(path: &str) -> Error {
    Error::invalid_parameter(
        name(path),
        &format!("is too large: inputs are limited to {MAX_INPUT_UNITS} characters in all"),
    )
}

/// A JS number as JSON: integers stay integers (so `5` is sent as `5`, not `5.0`).
fn number(n: f64) -> Option<Value> {
    const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
    if !n.is_finite() {
        return None;
    }
    if n.fract() == 0.0 && n.abs() <= MAX_SAFE {
        return Some(Value::Number(Number::from(n as i64)));
    }
    Number::from_f64(n).map(Value::Number)
}

/// A JS string as a Rust one, refusing lone surrogates and charging the size budget before
/// anything is copied into wasm memory.
pub fn string(v: &JsValue, path: &str, budget: &mut usize) -> Result<String, Error> {
    let units = v.unchecked_ref::<JsString>().length() as usize;
    if units > *budget {
        return Err(too_large(path));
    }
    *budget -= units;
    if !is_well_formed(v) {
        return Err(Error::invalid_parameter(name(path), "contains a lone surrogate (invalid UTF-16)"));
    }
    Ok(v.as_string().unwrap_or_default())
}

/// A string of at most `max` UTF-16 units (a task id, an action name), its length checked before
/// it is copied: `None` when `v` is not a string.
pub fn short_string(v: &JsValue, path: &str, max: usize) -> Option<Result<String, Error>> {
    if !v.is_string() {
        return None;
    }
    if v.unchecked_ref::<JsString>().length() as usize > max {
        return Some(Err(Error::invalid_parameter(path, &format!("is too long: at most {max} characters"))));
    }
    let mut budget = max;
    Some(string(v, path, &mut budget))
}
