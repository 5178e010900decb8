#!/usr/bin/env bash
# Benchmark, not a test: every figure of docs/PERFORMANCE.md in one go, one after the
# other (never two at once: on 2 cores they would measure each other).
#
#   up      scripts/bench-history.sh per engine at 10 x 300, 100 x 60 and 500 x 12
#           (databases x migrations: the same 3,000-6,000 migrations spread differently),
#           parallelism 8 on both sides; PostgreSQL and SQLite also with --group; and
#           a rollout: one new migration over 100 databases that have the other 59;
#   status  200 PostgreSQL databases x 150 migrations, 1,000 SQLite databases x 12;
#   console scripts/bench-console.sh: its run against the CLI's at 1,000 databases, its
#           idle CPU.
# PostgreSQL runs without TLS on both sides (PGSSLMODE=disable): psql's default `prefer`
# encrypts on localhost, dbfleet's loopback default does not, and the comparison is of the
# work, not of the handshake. Each part's output goes to OUT/NAME.txt and the terminal.
#
#   scripts/bench-all.sh                    # about 35 minutes on 2 cores
#   OUT=/tmp/figures ONLY="postgres sqlite" scripts/bench-all.sh
# Environment: OUT (bench-results/DATE), ONLY (postgres mysql sqlite status console),
#   RUNS (3), DBFLEET_BIN (else cargo build --release once, here).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$root/bench-results/$(date -u +%Y%m%dT%H%MZ)}
ONLY=${ONLY:-"postgres mysql sqlite status console"}
RUNS=${RUNS:-3}
for wanted in $ONLY; do
  case $wanted in
    postgres | mysql | sqlite | status | console) ;;
    *) echo "ONLY: unknown part '$wanted' (expected postgres, mysql, sqlite, status, console)" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"

if [ -z "${DBFLEET_BIN:-}" ]; then
  echo "building dbfleet (release)..." >&2
  cargo build --release --quiet --manifest-path "$root/Cargo.toml"
  DBFLEET_BIN="${CARGO_TARGET_DIR:-$root/target}/release/dbfleet"
fi
export DBFLEET_BIN

part() { # name, then the environment and command
  local name=$1
  shift
  printf '== %s (%s, load %s)\n' "$name" "$(date -u +%H:%M:%S)" "$(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/$name.txt"
  env "$@" 2>&1 | tee -a "$OUT/$name.txt"
}
wants() { [[ " $ONLY " == *" $1 "* ]]; }

sizes=("10 300" "100 60" "500 12")
for engine in postgres mysql sqlite; do
  wants "$engine" || continue
  modes="plain group"
  [ "$engine" = mysql ] && modes=plain
  for size in "${sizes[@]}"; do
    read -r n m <<<"$size"
    part "up-$engine-${n}x$m" ENGINE="$engine" N="$n" M="$m" RUNS="$RUNS" MODES="$modes" \
      PGSSLMODE=disable "$root/scripts/bench-history.sh"
  done
  part "rollout-$engine-100" ENGINE="$engine" N=100 M=60 LAST=1 RUNS="$RUNS" MODES=plain \
    PGSSLMODE=disable "$root/scripts/bench-history.sh"
done
if wants status; then
  part status-postgres-200x150 ENGINE=postgres N=0 M=150 STATUS_N=200 RUNS=5 PGSSLMODE=disable \
    "$root/scripts/bench-history.sh"
  part status-sqlite-1000x12 ENGINE=sqlite N=0 M=12 STATUS_N=1000 RUNS=5 "$root/scripts/bench-history.sh"
fi
if wants console; then
  part console-1000 N=1000 RUNS=4 IDLE=60 "$root/scripts/bench-console.sh"
fi
echo "figures in $OUT" >&2
