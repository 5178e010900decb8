#!/usr/bin/env bash
# The Dockerfile's steps without a container engine: the build stage's command, then what
# the runtime stage relies on (the dump tools on PATH, the binary running as a user other
# than root). Run from the repository root. A release build takes minutes.
set -euo pipefail
cargo build --release --locked --bin dbfleet
for tool in pg_dump mariadb-dump; do
  command -v "$tool" >/dev/null || { echo "missing $tool (postgresql-client / mariadb-client)"; exit 1; }
done
target=${CARGO_TARGET_DIR:-target}
"$target/release/dbfleet" --version
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
  dir=$(mktemp -d)
  cp "$target/release/dbfleet" "$dir/" && chmod 755 "$dir" "$dir/dbfleet"
  su nobody -s /bin/sh -c "cd $dir && ./dbfleet completions bash >/dev/null" && echo "runs as a non-root user"
  rm -rf "$dir"
fi
echo "build steps ok"
