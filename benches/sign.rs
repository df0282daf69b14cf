//! The signer run natively, as the practical limit for the wasm build of the same code.
//! Prints JSON for benches/run.mjs: nanoseconds per signature with the day's key cached (as the client
//! and signTc3 sign) and with the key derived every time.
//!
//!   cargo bench --bench sign            (BENCH_QUICK=1 for a few iterations only)
#![allow(clippy::disallowed_methods)] // a benchmark reads the clock by definition

use std::hint::black_box;
use std::time::Instant;

use mps_aigc::tc3::{self, SignInput, Signer};
use mps_aigc::Credentials;

/// The shared vector "node-sdk-create": the request every signer in the benchmark signs.
const BODY: &str = r#"{"ModelName":"Kling","ModelVersion":"2.1","Prompt":"一只猫在草地上奔跑, cinematic","Duration":5,"ExtraParameters":{"Resolution":"1080P","AspectRatio":"16:9"}}"#;
const EXPECTED: &str = "c11266a59c531ddf622b0c021e29a3f13bda684ef60723cbdd4139c7451d9af5";

fn median_ns(iterations: u32, mut f: impl FnMut()) -> f64 {
    let mut samples = Vec::new();
    for _ in 0..7 {
        let start = Instant::now();
        for _ in 0..iterations {
            f();
        }
        samples.push(start.elapsed().as_nanos() as f64 / f64::from(iterations));
    }
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let quick = std::env::var_os("BENCH_QUICK").is_some();
    let iterations = if quick { 100 } else { 50_000 };
    let creds = Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE");
    let mut input = SignInput::mps("mps.tencentcloudapi.com", "CreateAigcVideoTask", BODY.as_bytes(), 1_767_222_000);
    input.region = Some("ap-guangzhou");
    assert_eq!(tc3::sign(&creds, &input).signature, EXPECTED, "the benchmark signs the shared vector");

    let mut signer = Signer::new();
    let cached = median_ns(iterations, || {
        black_box(signer.sign(black_box(&creds), black_box(&input)));
    });
    let fresh = median_ns(iterations, || {
        black_box(tc3::sign(black_box(&creds), black_box(&input)));
    });
    println!("{{\"sign_cached_ns\":{cached:.1},\"sign_fresh_ns\":{fresh:.1}}}");
}
