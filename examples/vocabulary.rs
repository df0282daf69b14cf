//! Prints `vocab.js`, the names the package's JavaScript shares with the Rust crate (see
//! `src/vocabulary.rs`). `scripts/assemble-pkg.mjs` runs it: `cargo run --example vocabulary`.

fn main() {
    print!("{}", mps_aigc::vocabulary::js_module());
}
