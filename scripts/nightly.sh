# Sourced by scripts/setup and scripts/build: which installed toolchain is the pinned nightly of
# Cargo.toml ([package.metadata.mps-aigc.nightly]) with the standard library's source, if any.
NIGHTLY_TOOLCHAIN=$(sed -n '/^\[package.metadata.mps-aigc.nightly\]/,/^\[/s/^toolchain = "\(.*\)"/\1/p' Cargo.toml)
NIGHTLY_RUSTC=$(sed -n '/^\[package.metadata.mps-aigc.nightly\]/,/^\[/s/^rustc = "\(.*\)"/\1/p' Cargo.toml)

# Prints the name of an installed toolchain that is the pinned nightly and has rust-src; fails if none.
find_nightly() {
  local name sysroot
  for name in "$NIGHTLY_TOOLCHAIN" nightly; do
    [ "$(RUSTUP_AUTO_INSTALL=0 rustup run "$name" rustc -V 2>/dev/null)" = "$NIGHTLY_RUSTC" ] || continue
    sysroot=$(RUSTUP_AUTO_INSTALL=0 rustup run "$name" rustc --print sysroot 2>/dev/null) || continue
    [ -f "$sysroot/lib/rustlib/src/rust/library/core/src/lib.rs" ] || continue
    echo "$name"
    return 0
  done
  return 1
}
