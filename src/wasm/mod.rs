//! The JavaScript boundary: small, synchronous exports over the pure core. The package's
//! JavaScript (`pkg-template/`) drives them: it sends with `fetch`, sleeps with timers, reads the
//! caller's values, and asks these exports what every outcome means.
//!
//! - [`client`]: `Client`, a client's settings and signing state; [`call`] and [`wait`]: the call
//!   and wait machines; [`pace`]: the rate-limit queue's policy.
//! - [`proxy`]: `Proxy`, the signing proxy's decisions and signing state ([`proxy_config`] reads its
//!   options); [`quota`]: quotas in memory and `mintProxyToken`. These three are built with the
//!   `proxy` feature only: the package ships the client's wasm without them, and loads the wasm
//!   with them (`mps_aigc_proxy_bg.wasm`) where a proxy is made (see scripts/assemble-pkg.mjs).
//! - [`requests`]: request bodies, task ids, advice; [`sign`]: `signTc3`.
//! - [`config`] and [`options`]: options objects into plain configurations; [`upstream`]: signing
//!   and redaction, shared by clients and the proxy; [`errors`] and [`js`]: errors into `MpsError`
//!   objects, and the raw bindings.

mod call;
mod client;
mod config;
mod errors;
mod js;
mod options;
mod pace;
#[cfg(feature = "proxy")]
mod proxy;
#[cfg(feature = "proxy")]
mod proxy_config;
#[cfg(feature = "proxy")]
mod quota;
mod requests;
#[cfg(feature = "standalone")]
mod sign;
mod upstream;
mod wait;

use wasm_bindgen::prelude::*;

pub use call::Call;
pub use client::Client;
pub use pace::Pacer;
#[cfg(feature = "proxy")]
pub use proxy::{Caller, Proxy};
#[cfg(feature = "proxy")]
pub use quota::{mint_proxy_token, Quotas};
#[cfg(feature = "standalone")]
pub use requests::{advise, redact_secrets};
pub use requests::{call_body, call_signal, create_body, describe_body};
#[cfg(feature = "proxy")]
pub use sign::hmac_sha256_hex;
#[cfg(feature = "standalone")]
pub use sign::{check_sign_options, sign_tc3_values};
pub use upstream::Link;
#[cfg(feature = "proxy")]
pub use wait::poll_delay_ms;
pub use wait::Waiter;

use crate::error::Error;
use crate::kinds::{Kind, KINDS};

/// Without std (the published build), a panic traps: no message is ever formatted.
#[cfg(not(feature = "std"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// Without std, Talc (smaller in the wasm than dlmalloc, which std would have used).
#[cfg(not(feature = "std"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The kind with number `index` in [`KINDS`] (the order the generated vocabulary lists them in).
fn kind(index: usize) -> Result<&'static Kind, JsValue> {
    KINDS.get(index).copied().ok_or_else(|| errors::thrown(Error::invalid_parameter("kind", "is not a task kind")))
}

/// The size of the WebAssembly memory in bytes, for monitoring: it grows as needed and never shrinks,
/// so a steady value over many calls means nothing leaks.
#[wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length().into()
}
