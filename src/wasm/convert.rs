//! JavaScript values into JSON, refusing what JSON cannot carry with an error naming the field.
//!
//! This is what `JSON.stringify` would do, minus its silent surprises: `NaN` becoming `null`,
//! a lone surrogate being replaced, a cyclic object overflowing the stack (which in wasm would take
//! the instance down), a 100 MB string being copied into wasm memory that never shrinks.

use js_sys::{Array, JsString, Object, Reflect};
use serde_json::{Map, Number, Value};
use wasm_bindgen::{JsCast, JsValue};

use super::js::{is_well_formed, kind_of};
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
    if Array::is_array(v) {
        let array: &Array = v.unchecked_ref();
        let mut items = Vec::with_capacity(array.length().min(1024) as usize);
        for (i, item) in array.iter().enumerate() {
            items.push(convert(&item, &format!("{}[{i}]", name(path)), depth + 1, budget)?);
        }
        return Ok(Value::Array(items));
    }
    // Objects with toJSON (Date, for one) become what JSON.stringify would make of them.
    if let Ok(to_json) = Reflect::get(v, &JsValue::from_str("toJSON")) {
        if let Some(f) = to_json.dyn_ref::<js_sys::Function>() {
            let replaced = f.call0(v).map_err(|_| Error::invalid_parameter(name(path), "has a toJSON that threw"))?;
            return convert(&replaced, path, depth + 1, budget);
        }
    }
    let object: &Object = v.unchecked_ref();
    let mut map = Map::new();
    for key in Object::keys(object).iter() {
        let key_text = string(&key, path, budget)?;
        let value = Reflect::get(v, &key)
            .map_err(|_| Error::invalid_parameter(&child(path, &key_text), "could not be read"))?;
        let value = convert(&value, &child(path, &key_text), depth + 1, budget)?;
        map.insert(key_text, value);
    }
    Ok(Value::Object(map))
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

/// A JS string as a Rust one, refusing lone surrogates and charging the size budget first.
pub fn string(v: &JsValue, path: &str, budget: &mut usize) -> Result<String, Error> {
    let units = v.unchecked_ref::<JsString>().length() as usize;
    if units > *budget {
        return Err(Error::invalid_parameter(
            name(path),
            &format!("is too large: inputs are limited to {MAX_INPUT_UNITS} characters in all"),
        ));
    }
    *budget -= units;
    if !is_well_formed(v) {
        return Err(Error::invalid_parameter(name(path), "contains a lone surrogate (invalid UTF-16)"));
    }
    Ok(v.as_string().unwrap_or_default())
}
