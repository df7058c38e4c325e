#!/usr/bin/env bash
# Runs one coverage-guided fuzz target (libFuzzer through cargo-fuzz) for SECONDS (default 600).
# Stable Rust works with RUSTC_BOOTSTRAP=1 and no sanitizer: Rust's own checks catch the panics,
# and libFuzzer's RSS and malloc limits catch oversized allocations.
#   cargo install cargo-fuzz
#   fuzz/run.sh checkpoint|spec|csv|idx|preprocessing [SECONDS]
# A crash is saved under fuzz/artifacts/TARGET/; turn it into a regression test in
# tests/fuzz_regressions.rs.
set -euo pipefail
cd "$(dirname "$0")"
target=$1
seconds=${2:-600}
mkdir -p "corpus/$target"
RUSTC_BOOTSTRAP=1 cargo fuzz run -s none -O "$target" "corpus/$target" -- \
  -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len=65536
