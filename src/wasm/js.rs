//! Raw JavaScript bindings. Globals are bound as free functions and called unbound: `window` does
//! not exist in Node or Workers, and workerd throws "Illegal invocation" for a foreign `this`.

use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::RequestInit;

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`.
    #[wasm_bindgen(js_name = fetch, catch)]
    pub fn global_fetch(url: &str, init: &RequestInit) -> Result<Promise, JsValue>;

    pub type Performance;
    /// The global `performance`, where there is one.
    #[wasm_bindgen(thread_local_v2, js_name = performance)]
    pub static PERFORMANCE: Option<Performance>;
    #[wasm_bindgen(method)]
    pub fn now(this: &Performance) -> f64;
}

#[wasm_bindgen(module = "/js/errors.js")]
extern "C" {
    /// Builds an `MpsError` (or `TaskFailedError` / `WaitTimeoutError`, by `fields.code`).
    #[wasm_bindgen(js_name = makeError)]
    pub fn make_error(message: &str, fields: &JsValue, cause: &JsValue) -> JsValue;
}

#[wasm_bindgen(module = "/js/support.js")]
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
    /// The bytes of a Uint8Array, ArrayBuffer or view, or `None`; never throws.
    #[wasm_bindgen(js_name = bytesOf)]
    pub fn bytes_of(v: &JsValue) -> Option<Uint8Array>;
    /// A short description of something thrown; never throws.
    #[wasm_bindgen(js_name = describeThrown)]
    pub fn describe_thrown(e: &JsValue) -> String;
}
