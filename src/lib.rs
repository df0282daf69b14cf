//! Tencent Cloud MPS AIGC video tasks (`CreateAigcVideoTask`, `DescribeAigcVideoTask`, API
//! 2019-06-12), signed with TC3-HMAC-SHA256.
//!
//! The crate has two layers:
//!
//! - a plain Rust core that builds and tests natively: the signer ([`tc3`]), the request and result
//!   model ([`model`]), the answer parser ([`envelope`]), the error type ([`error`]) and the pure
//!   policies that decide retries, pacing and polling ([`policy`]). None of it reads a clock, a
//!   random source or the network; those are inputs.
//! - on `wasm32`, the JavaScript boundary (`wasm` module): `MpsClient`, `signTc3` and
//!   `createSigningProxy`, which add `fetch`, timers and JS values around the core.
#![warn(missing_docs)]
// The published wasm is built without the standard library (`--no-default-features`, see
// scripts/build): a panic there only traps, so none of std's panic reporting and formatting is in
// it. Native builds and the wasm tests keep std.
#![cfg_attr(all(target_arch = "wasm32", not(feature = "std")), no_std)]

extern crate alloc;

/// What every module uses from `alloc`, which `std`'s prelude has and `no_std` lacks.
mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

pub mod advice;
pub mod envelope;
pub mod error;
pub mod json;
pub mod kinds;
pub mod policy;
pub mod proxy;
pub mod schema;
pub mod secret;
pub mod tc3;
pub mod vocabulary;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::Error;
pub use secret::{Credentials, Secret};

/// The MPS API version these actions belong to.
pub const API_VERSION: &str = "2019-06-12";
/// The signing service name of every MPS host.
pub const SERVICE: &str = "mps";
/// The default host, as the official SDKs use it.
pub const DEFAULT_HOST: &str = "mps.tencentcloudapi.com";
/// The default endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://mps.tencentcloudapi.com";
/// This crate's name and version, sent as `X-TC-RequestClient`.
pub const REQUEST_CLIENT: &str = concat!("mps-aigc/", env!("CARGO_PKG_VERSION"));
