//! Reading option objects: every value checked for type and range, unknown names refused (a typo
//! such as `secretID` would otherwise be silently ignored), each error naming the option. Values
//! are read through calls that catch, so a getter that throws is an error naming the option, not
//! an option taken as absent.

use crate::prelude::*;
use js_sys::{Function, JsString};
use wasm_bindgen::{JsCast, JsValue};

use js_sys::Reflect;

use super::js::{describe_thrown, is_array, is_well_formed, keys_of, kind_of};
use crate::error::Error;
use crate::json::decimal;
use crate::tc3::is_header_value;

/// The most text an option may hold (an STS token is the longest, a few KB; a list of tokens more).
pub const MAX_OPTION_UNITS: usize = 64 * 1024;

/// The longest option name worth reading: real ones are short, and an unknown name is echoed in
/// the error.
const MAX_NAME_UNITS: usize = 64;

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
        let array = is_array(value).map_err(|e| unreadable(what, &e))?;
        if !value.is_object() || array {
            return Err(Error::invalid_parameter(what, &["must be an object, got ", &kind_of(value)].concat()));
        }
        for key in keys_of(value).map_err(|e| unreadable(what, &e))?.iter() {
            let units = key.unchecked_ref::<JsString>().length() as usize;
            let name = if units <= MAX_NAME_UNITS { key.as_string().unwrap_or_default() } else { String::new() };
            if !known.contains(&name.as_str()) {
                if units > MAX_NAME_UNITS {
                    let problem = ["has a ", &decimal(units as u64), "-character name, which is not an option"];
                    return Err(Error::invalid_parameter(what, &problem.concat()));
                }
                let hint = known
                    .iter()
                    .find(|k| k.eq_ignore_ascii_case(&name))
                    .map(|k| [" (did you mean ", k, "?)"].concat())
                    .unwrap_or_else(|| [" (known: ", &known.join(", "), ")"].concat());
                return Err(Error::invalid_parameter(&name, &["is not an option of ", what, &hint].concat()));
            }
        }
        Ok(Options { object: Some(value.clone()) })
    }

    /// The value of `key`, or `None` when absent; `null` counts as absent. A getter that throws
    /// is an error.
    pub fn get(&self, key: &str) -> Result<Option<JsValue>, Error> {
        let Some(object) = self.object.as_ref() else { return Ok(None) };
        let value = property(object, &JsValue::from_str(key), key)?;
        Ok((!value.is_undefined() && !value.is_null()).then_some(value))
    }

    /// Whether `key` was written at all, even as `undefined` (`{ coordinator: env.MISSING }`).
    pub fn named(&self, key: &str) -> bool {
        let Some(object) = self.object.as_ref() else { return false };
        Reflect::has(object, &JsValue::from_str(key)).unwrap_or(false)
    }

    /// Whether `key` has a value.
    pub fn has(&self, key: &str) -> Result<bool, Error> {
        Ok(self.get(key)?.is_some())
    }

    /// A string.
    pub fn string(&self, key: &str) -> Result<Option<String>, Error> {
        match self.get(key)? {
            None => Ok(None),
            Some(v) if v.is_string() => {
                let mut budget = MAX_OPTION_UNITS;
                string(&v, key, &mut budget).map(Some)
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
        match self.get(key)? {
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
        match self.get(key)? {
            None => Ok(None),
            Some(v) => match v.as_f64() {
                Some(n) if n == libm::trunc(n) && n >= f64::from(min) && n <= f64::from(max) => Ok(Some(n as u32)),
                Some(_) => {
                    let problem = ["must be a whole number from ", &decimal(min.into()), " to ", &decimal(max.into())];
                    Err(Error::invalid_value(key, &problem.concat()))
                }
                None => Err(wrong(key, "a number", &v)),
            },
        }
    }

    /// An array of strings. (The proxy's options only.)
    #[cfg(feature = "proxy")]
    pub fn strings(&self, key: &str) -> Result<Option<Vec<String>>, Error> {
        let Some(v) = self.get(key)? else { return Ok(None) };
        if !is_array(&v).map_err(|e| unreadable(key, &e))? {
            return Err(wrong(key, "an array of strings", &v));
        }
        let length = property(&v, &JsValue::from_str("length"), key)?.as_f64().unwrap_or(0.0);
        if length > 10_000.0 {
            return Err(Error::invalid_value(key, "has too many items"));
        }
        let mut out = Vec::new();
        let mut budget = MAX_OPTION_UNITS;
        for i in 0..length as u32 {
            let path = [key, "[", &decimal(i.into()), "]"].concat();
            let item = property(&v, &JsValue::from(i), &path)?;
            if !item.is_string() {
                return Err(wrong(&path, "a string", &item));
            }
            out.push(string(&item, &path, &mut budget)?);
        }
        Ok(Some(out))
    }

    /// `true` or `false`. (The proxy's options only.)
    #[cfg(feature = "proxy")]
    pub fn boolean(&self, key: &str) -> Result<Option<bool>, Error> {
        match self.get(key)? {
            None => Ok(None),
            Some(v) => v.as_bool().map(Some).ok_or_else(|| wrong(key, "true or false", &v)),
        }
    }

    /// A string or an array of strings, as a list. (The proxy's options only.)
    #[cfg(feature = "proxy")]
    pub fn string_or_strings(&self, key: &str) -> Result<Option<Vec<String>>, Error> {
        match self.get(key)? {
            Some(v) if v.is_string() => Ok(self.string(key)?.map(|s| vec![s])),
            Some(_) => self.strings(key),
            None => Ok(None),
        }
    }

    /// A function (by `typeof`, which no Proxy can make throw).
    pub fn function(&self, key: &str) -> Result<Option<Function>, Error> {
        match self.get(key)? {
            None => Ok(None),
            Some(v) if v.is_function() => Ok(Some(v.unchecked_into())),
            Some(v) => Err(wrong(key, "a function", &v)),
        }
    }

    /// An `AbortSignal` (any object that behaves like one, so polyfills work too).
    pub fn signal(&self, key: &str) -> Result<Option<JsValue>, Error> {
        match self.get(key)? {
            None => Ok(None),
            Some(v) => {
                let aborted = property(&v, &JsValue::from_str("aborted"), key)?;
                let listen = property(&v, &JsValue::from_str("addEventListener"), key)?;
                if aborted.as_bool().is_some() && listen.is_function() {
                    Ok(Some(v))
                } else {
                    Err(wrong(key, "an AbortSignal", &v))
                }
            }
        }
    }
}

/// `<path> could not be read (<what was thrown>)`.
pub fn unreadable(path: &str, thrown: &JsValue) -> Error {
    Error::invalid_parameter(path, &["could not be read (", &describe_thrown(thrown), ")"].concat())
}

/// A property of a caller's object, read so that a throwing getter is an error, not an exception.
pub fn property(object: &JsValue, key: &JsValue, path: &str) -> Result<JsValue, Error> {
    Reflect::get(object, key).map_err(|e| unreadable(path, &e))
}

/// A JS string as a Rust one, refusing lone surrogates and charging `budget` (UTF-16 units) before
/// anything is copied into wasm memory, which never shrinks.
pub fn string(v: &JsValue, path: &str, budget: &mut usize) -> Result<String, Error> {
    let units = v.unchecked_ref::<JsString>().length() as usize;
    if units > *budget {
        let problem = ["is too long: at most ", &decimal(*budget as u64), " characters"].concat();
        return Err(Error::invalid_parameter(path, &problem));
    }
    *budget -= units;
    if !is_well_formed(v) {
        return Err(Error::invalid_parameter(path, "contains a lone surrogate (invalid UTF-16)"));
    }
    Ok(v.as_string().unwrap_or_default())
}

/// A string of at most `max` UTF-16 units (a task id, an action name), its length checked before
/// it is copied: `None` when `v` is not a string.
pub fn short_string(v: &JsValue, path: &str, max: usize) -> Option<Result<String, Error>> {
    if !v.is_string() {
        return None;
    }
    let mut budget = max;
    Some(string(v, path, &mut budget))
}

fn wrong(key: &str, expected: &str, got: &JsValue) -> Error {
    Error::invalid_parameter(key, &["must be ", expected, ", got ", &kind_of(got)].concat())
}
