//! The JavaScript boundary: `MpsClient`, `signTc3` and the error classes, over the pure core.
//!
//! Raw bindings (`fetch`, `performance`, the JS snippets) are in [`js`]; the one place that reads
//! the clock and randomness is [`clock`]. Everything else converts values, awaits I/O, and hands
//! decisions to [`crate::policy`].

mod abort;
mod client;
mod clock;
mod convert;
mod errors;
mod gate;
mod http;
mod js;
mod options;
mod proxy;
mod sign;

pub use client::{advise_aigc_video_task, MpsClient};
pub use proxy::SigningProxy;
pub use sign::sign_tc3_values;
