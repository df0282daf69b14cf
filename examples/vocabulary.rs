//! Prints `vocab.js`, the names the package's JavaScript shares with the Rust crate (see
//! `src/vocabulary.rs`). `scripts/assemble-pkg.mjs` runs it: `cargo run --example vocabulary`.

fn main() {
    // The vocabulary is printed by the host's build (the wasm has no use for its document).
    #[cfg(not(target_arch = "wasm32"))]
    print!("{}", mps_aigc::vocabulary::js_module());
}
