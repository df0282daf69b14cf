//! Raw JavaScript bindings: the snippets in `js/` that the wasm side imports. Everything that
//! touches a caller's value (a getter, a Proxy trap) is here, total or imported with `catch`, so
//! that an exception never unwinds through wasm frames.

use crate::prelude::*;
use js_sys::Array;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/wasm/js/errors.js")]
extern "C" {
    /// Builds an `MpsError` (or `TaskFailedError` / `WaitTimeoutError`, by `fields.code`).
    #[wasm_bindgen(js_name = makeError)]
    pub fn make_error(message: &str, fields: &JsValue, cause: &JsValue) -> JsValue;
}

#[wasm_bindgen(module = "/src/wasm/js/support.js")]
extern "C" {
    /// Whether a string has no lone surrogates.
    #[wasm_bindgen(js_name = isWellFormed)]
    pub fn is_well_formed(s: &JsValue) -> bool;
    /// What a value is, in words ("an array", "null"); never throws.
    #[wasm_bindgen(js_name = kindOf)]
    pub fn kind_of(v: &JsValue) -> String;
    /// `Array.isArray`, which throws for a revoked Proxy.
    #[wasm_bindgen(js_name = isArray, catch)]
    pub fn is_array(v: &JsValue) -> Result<bool, JsValue>;
    /// `Object.keys`, which runs a Proxy's `ownKeys` trap.
    #[wasm_bindgen(js_name = keysOf, catch)]
    pub fn keys_of(v: &JsValue) -> Result<Array, JsValue>;
    /// A short description of something thrown; never throws.
    #[wasm_bindgen(js_name = describeThrown)]
    pub fn describe_thrown(e: &JsValue) -> String;
}
