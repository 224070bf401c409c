#!/usr/bin/env bash
# Builds the example handbook and a generated one with the secbook of REV and with the
# working tree, and fails unless every output file is byte-identical. For changes that must
# not change the site, such as moving code between modules.
#
#   scripts/same-output.sh [REV]      REV defaults to HEAD
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:-HEAD}
work=$(mktemp -d)
trap 'git worktree remove --force "$work/before" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

git worktree add --detach -q "$work/before" "$rev"
export CARGO_TARGET_DIR_BEFORE="$work/target-before"
(cd "$work/before" && CARGO_TARGET_DIR="$CARGO_TARGET_DIR_BEFORE" cargo build -q --release --bin secbook --example gen-site)
cargo build -q --release --bin secbook --example gen-site
before="$CARGO_TARGET_DIR_BEFORE/release"
after="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release"

"$after/examples/gen-site" "$work/generated" --pages 300 --exceptions 500 --incidents 100 >/dev/null
status=0
for handbook in "$PWD" "$work/generated"; do
  for side in before after; do
    bin="$before/secbook"
    [ "$side" = after ] && bin="$after/secbook"
    out="$work/out-$side-$(basename "$handbook")"
    # The warnings, without the summary line that names the folder and the time taken.
    (cd "$handbook" && SOURCE_DATE_EPOCH= "$bin" build . -o "$out" --as-of 2026-06-30 2>&1 >/dev/null |
      grep -v '^built ' >"$out.stderr") || true
  done
  name=$(basename "$handbook")
  if diff -r "$work/out-before-$name" "$work/out-after-$name" >/dev/null &&
     diff "$work/out-before-$name.stderr" "$work/out-after-$name.stderr" >/dev/null; then
    echo "same output: $name ($(find "$work/out-after-$name" -type f | wc -l) files)"
  else
    echo "DIFFERENT output: $name"
    diff -rq "$work/out-before-$name" "$work/out-after-$name" | head -20 || true
    diff "$work/out-before-$name.stderr" "$work/out-after-$name.stderr" | head -20 || true
    status=1
  fi
done
exit $status
