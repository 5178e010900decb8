#!/usr/bin/env bash
# Benchmark, not a test: the engine's own cost per database next to the database's work.
#
# Generates N SQLite databases and a set of M migrations (tables, indexes, a few hundred
# rows each), then times `dbfleet up` over the fleet against the `sqlite3` shell applying
# the same files, one transaction per migration, with the same parallelism (P databases
# at once). Prints both medians and the ratio. Aim: ratio <= 1.15.
#
#   scripts/bench-sqlite.sh                 # N=100 M=12 P=8 ROWS=500 RUNS=3
#   N=20 RUNS=5 scripts/bench-sqlite.sh
set -euo pipefail

N=${N:-100}
M=${M:-12}
P=${P:-8}
ROWS=${ROWS:-500}
RUNS=${RUNS:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 shell (apt-get install sqlite3)" >&2; exit 2; }

echo "building dbfleet (release)..." >&2
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$target/release/dbfleet"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/migrations/bench"
for i in $(seq 1 "$M"); do
  v=$(printf '%03d' "$i")
  cat >"$work/migrations/bench/${v}_step_${i}.up.sql" <<SQL
-- bench step $i: a table, two indexes, $ROWS rows, an update
CREATE TABLE t_$i (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  amount INTEGER NOT NULL,
  note TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX t_${i}_name ON t_$i (name);
CREATE INDEX t_${i}_amount ON t_$i (amount);
INSERT INTO t_$i (name, amount, note, created_at)
  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $ROWS)
  SELECT 'row ' || x, (x * 7919) % 1000, 'note; with a semicolon', '2026-01-01T00:00:00Z' FROM c;
UPDATE t_$i SET note = NULL WHERE amount < 100;
SQL
  printf 'DROP TABLE t_%s;\n' "$i" >"$work/migrations/bench/${v}_step_${i}.down.sql"
done
printf 'targets: ["db_*"]\n' >"$work/migrations/bench/set.yaml"

{
  printf 'database:\n  driver: sqlite\ndatabases:\n'
  for d in $(seq -f 'db_%03g' 1 "$N"); do printf '  %s:\n    database: data/%s.db\n' "$d" "$d"; done
  printf 'migrator:\n  auto_backup: false\n  concurrency: %s\n  journal: data/journal.jsonl\n' "$P"
} >"$work/config.yaml"

# The baseline's input: every migration wrapped in its own transaction, one script.
for f in "$work"/migrations/bench/*.up.sql; do printf 'BEGIN;\n'; cat "$f"; printf 'COMMIT;\n'; done >"$work/all.sql"

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

dbfleet_times=()
sqlite_times=()
for run in $(seq 1 "$RUNS"); do
  rm -rf "$work/data"; mkdir -p "$work/data"
  t0=$(now)
  (cd "$work" && "$bin" up --all --directory bench >/dev/null)
  t1=$(now)
  dbfleet_times+=("$(echo "$t1 - $t0" | bc -l)")
  applied=$(sqlite3 "$work/data/db_001.db" 'SELECT count(*) FROM schema_migrations')
  [ "$applied" = "$M" ] || { echo "dbfleet applied $applied of $M migrations" >&2; exit 1; }

  rm -rf "$work/data"; mkdir -p "$work/data"
  t0=$(now)
  seq -f 'db_%03g' 1 "$N" | xargs -P "$P" -I{} sh -c "sqlite3 '$work/data/{}.db' < '$work/all.sql'"
  t1=$(now)
  sqlite_times+=("$(echo "$t1 - $t0" | bc -l)")
  echo "run $run: dbfleet ${dbfleet_times[-1]} s, sqlite3 ${sqlite_times[-1]} s" >&2
done

d=$(printf '%s\n' "${dbfleet_times[@]}" | median)
s=$(printf '%s\n' "${sqlite_times[@]}" | median)
printf 'databases %s, migrations %s, parallelism %s, rows/migration %s, runs %s\n' "$N" "$M" "$P" "$ROWS" "$RUNS"
printf 'dbfleet up (median)        %.3f s\n' "$d"
printf 'sqlite3 + xargs (median)   %.3f s\n' "$s"
printf 'ratio                      %.2fx\n' "$(echo "$d / $s" | bc -l)"
