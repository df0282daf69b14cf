//! Reading option objects: every value checked for type and range, unknown names refused (a typo
//! such as `secretID` would otherwise be silently ignored), each error naming the option.

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

use super::convert;
use super::js::kind_of;
use crate::error::Error;
use crate::tc3::is_header_value;

/// An options object being read.
pub struct Options {
    object: Option<JsValue>,
}

impl Options {
    /// Starts reading `value` (`undefined` or `null` read as empty), which may hold only `known`.
    pub fn new(value: &JsValue, what: &str, known: &[&str]) -> Result<Self, Error> {
        if value.is_undefined() || value.is_null() {
            return Ok(Options { object: None });
        }
        if !value.is_object() || js_sys::Array::is_array(value) || value.is_function() {
            return Err(Error::invalid_parameter(what, &format!("must be an object, got {}", kind_of(value))));
        }
        for key in Object::keys(value.unchecked_ref::<Object>()).iter() {
            let key = key.as_string().unwrap_or_default();
            if !known.contains(&key.as_str()) {
                let hint = known
                    .iter()
                    .find(|k| k.eq_ignore_ascii_case(&key))
                    .map(|k| format!(" (did you mean {k}?)"))
                    .unwrap_or_else(|| format!(" (known: {})", known.join(", ")));
                return Err(Error::invalid_parameter(&key, &format!("is not an option of {what}{hint}")));
            }
        }
        Ok(Options { object: Some(value.clone()) })
    }

    /// The raw value of `key`; `undefined` when absent. `null` counts as absent too.
    pub fn get(&self, key: &str) -> Option<JsValue> {
        let object = self.object.as_ref()?;
        let value = Reflect::get(object, &JsValue::from_str(key)).ok()?;
        (!value.is_undefined() && !value.is_null()).then_some(value)
    }

    /// A string.
    pub fn string(&self, key: &str) -> Result<Option<String>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(v) if v.is_string() => {
                let mut budget = convert::MAX_INPUT_UNITS;
                convert::string(&v, key, &mut budget).map(Some)
            }
            Some(v) => Err(wrong(key, "a string", &v)),
        }
    }

    /// A non-empty string that can be sent as an HTTP header value.
    pub fn header(&self, key: &str) -> Result<Option<String>, Error> {
        match self.string(key)? {
            Some(s) if !is_header_value(&s) => Err(Error::invalid_parameter(
                key,
                "must be non-empty printable ASCII without surrounding spaces (it is sent in a header)",
            )),
            other => Ok(other),
        }
    }

    /// A duration in milliseconds: a positive number, or `Infinity` for none.
    pub fn millis(&self, key: &str) -> Result<Option<f64>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.as_f64() {
                Some(ms) if ms > 0.0 => Ok(Some(ms)),
                Some(_) => Err(Error::invalid_value(key, "must be a positive number of milliseconds")),
                None => Err(wrong(key, "a number of milliseconds", &v)),
            },
        }
    }

    /// A whole number from `min` to `max`.
    pub fn integer(&self, key: &str, min: u32, max: u32) -> Result<Option<u32>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.as_f64() {
                Some(n) if n.fract() == 0.0 && n >= f64::from(min) && n <= f64::from(max) => Ok(Some(n as u32)),
                Some(_) => Err(Error::invalid_value(key, &format!("must be a whole number from {min} to {max}"))),
                None => Err(wrong(key, "a number", &v)),
            },
        }
    }

    /// An array of strings.
    pub fn strings(&self, key: &str) -> Result<Option<Vec<String>>, Error> {
        let Some(v) = self.get(key) else { return Ok(None) };
        if !js_sys::Array::is_array(&v) {
            return Err(wrong(key, "an array of strings", &v));
        }
        let mut out = Vec::new();
        let mut budget = convert::MAX_INPUT_UNITS;
        for (i, item) in js_sys::Array::from(&v).iter().enumerate() {
            let path = format!("{key}[{i}]");
            if !item.is_string() {
                return Err(wrong(&path, "a string", &item));
            }
            out.push(convert::string(&item, &path, &mut budget)?);
        }
        Ok(Some(out))
    }

    /// A function.
    pub fn function(&self, key: &str) -> Result<Option<Function>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.dyn_into::<Function>().map(Some).map_err(|v| wrong(key, "a function", &v)),
        }
    }

    /// An `AbortSignal` (any object that behaves like one, so polyfills work too).
    pub fn signal(&self, key: &str) -> Result<Option<AbortSignal>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => {
                let looks_right = Reflect::get(&v, &JsValue::from_str("aborted")).is_ok_and(|a| a.as_bool().is_some())
                    && Reflect::get(&v, &JsValue::from_str("addEventListener")).is_ok_and(|f| f.is_function());
                if looks_right {
                    Ok(Some(v.unchecked_into()))
                } else {
                    Err(wrong(key, "an AbortSignal", &v))
                }
            }
        }
    }
}

fn wrong(key: &str, expected: &str, got: &JsValue) -> Error {
    Error::invalid_parameter(key, &format!("must be {expected}, got {}", kind_of(got)))
}
