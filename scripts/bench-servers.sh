#!/usr/bin/env bash
# Benchmark, not a test: the engine's own cost per database next to the server's work,
# on PostgreSQL and MySQL/MariaDB.
#
# For each engine and each fleet size N, creates N empty databases on the local server and
# a set of M migrations (a table, two indexes, a few hundred rows, an update each), then
# times `dbfleet up` over the fleet against the engine's own client applying the same
# files with the same parallelism (P databases at once, xargs -P), one transaction per
# migration where the engine has them. Two baselines, both printed:
#   per file     one client per migration (`psql --single-transaction -f FILE`,
#                `mariadb DB < FILE`), the files of a database in order;
#   per database one client per database reading every file (psql: each wrapped in
#                BEGIN/COMMIT), as bench-sqlite.sh does with the sqlite3 shell.
# Every timed run starts from freshly recreated, empty databases, and every run is
# checked afterwards (dbfleet: M applied rows in schema_migrations; all: M tables, ROWS
# rows in the last). Prints both medians and the ratios per engine per N. Then times
# `dbfleet status --format json` over STATUS_N PostgreSQL databases that have the
# migrations applied (aim: under 1 s). Every database it creates (PREFIX_0001, ...) is
# dropped on exit, failure or Ctrl-C included. Needs PostgreSQL >= 13 (DROP ... FORCE).
#
#   scripts/bench-servers.sh                     # ENGINE="postgres mysql" N="20 100" M=12 P=8 ROWS=500 RUNS=3 STATUS_N=200
#   ENGINE=postgres N=50 RUNS=5 scripts/bench-servers.sh
#   N=4 RUNS=1 STATUS_N=10 scripts/bench-servers.sh   # a quick check that it all works
# Environment: PGHOST (127.0.0.1) PGPORT (5432) PGUSER (postgres) PGPASSWORD (none);
#   PGSSLMODE (unset: prefer, for psql and dbfleet alike);
#   MYSQL_HOST (127.0.0.1) MYSQL_PORT (3306) MYSQL_USER (root) MYSQL_PWD (empty);
#   PREFIX (dbfleet_bench) names the databases; STATUS_N=0 skips the status timing;
#   DBFLEET_BIN=path uses that binary instead of building one (cargo build --release).
set -euo pipefail
export LC_ALL=C

ENGINE=${ENGINE:-"postgres mysql"}
N=${N:-"20 100"}
M=${M:-12}
P=${P:-8}
ROWS=${ROWS:-500}
RUNS=${RUNS:-3}
STATUS_N=${STATUS_N:-200}
PREFIX=${PREFIX:-dbfleet_bench}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
export MYSQL_HOST=${MYSQL_HOST:-127.0.0.1} MYSQL_PORT=${MYSQL_PORT:-3306} MYSQL_USER=${MYSQL_USER:-root}
export MYSQL_PWD=${MYSQL_PWD:-}
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}

for e in $ENGINE; do
  case $e in
    postgres) for t in psql pg_isready; do command -v $t >/dev/null || { echo "needs $t (apt-get install postgresql-client)" >&2; exit 2; }; done
      pg_isready -q -h "$PGHOST" -p "$PGPORT" || { echo "PostgreSQL is not up at $PGHOST:$PGPORT" >&2; exit 2; } ;;
    mysql) MYSQL_BIN=$(command -v mariadb || command -v mysql) || { echo "needs the mariadb (or mysql) client" >&2; exit 2; }
      "$MYSQL_BIN" -h "$MYSQL_HOST" -P "$MYSQL_PORT" -u "$MYSQL_USER" -e 'SELECT 1' >/dev/null ||
        { echo "MySQL/MariaDB is not up at $MYSQL_HOST:$MYSQL_PORT" >&2; exit 2; } ;;
    *) echo "unknown engine '$e' (expected postgres, mysql)" >&2; exit 2 ;;
  esac
done
command -v jq >/dev/null || { echo "needs jq" >&2; exit 2; }
export MYSQL_BIN=${MYSQL_BIN:-}

if [ -n "${DBFLEET_BIN:-}" ]; then
  bin=$DBFLEET_BIN
else
  echo "building dbfleet (release)..." >&2
  cargo build --release --quiet --manifest-path "$root/Cargo.toml"
  bin="$target/release/dbfleet"
fi
[ -x "$bin" ] || { echo "no dbfleet binary at $bin" >&2; exit 2; }

# How many of PREFIX_0001.. each server may hold, for the cleanup.
pg_made=0
my_made=0
work=$(mktemp -d)
export work M ROWS

names() { seq -f "${PREFIX}_%04g" 1 "$1"; }
pg() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
my() { "$MYSQL_BIN" -h "$MYSQL_HOST" -P "$MYSQL_PORT" -u "$MYSQL_USER" --batch "$@"; }
export -f pg my

cleanup() {
  local rc=$?
  if ((pg_made > 0)); then
    names "$pg_made" | awk '{printf "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE);\n", $1}' |
      psql -X -q -d postgres >/dev/null 2>&1 || echo "warning: could not drop every ${PREFIX}_* database on PostgreSQL" >&2
  fi
  if ((my_made > 0)); then
    names "$my_made" | awk '{printf "DROP DATABASE IF EXISTS `%s`;\n", $1}' |
      my >/dev/null 2>&1 || echo "warning: could not drop every ${PREFIX}_* database on MySQL/MariaDB" >&2
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Drop and create databases 1..n, empty.
recreate() { # engine n
  case $1 in
    postgres)
      ((pg_made >= $2)) || pg_made=$2
      names "$2" | awk '{printf "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE);\nCREATE DATABASE \"%s\";\n", $1, $1}' |
        pg -d postgres >/dev/null ;;
    mysql)
      ((my_made >= $2)) || my_made=$2
      names "$2" | awk '{printf "DROP DATABASE IF EXISTS `%s`;\nCREATE DATABASE `%s`;\n", $1, $1}' | my ;;
  esac
}

# The migration files, one set per engine: same shape as bench-sqlite.sh, in each dialect.
for i in $(seq 1 "$M"); do
  v=$(printf '%03d' "$i")
  mkdir -p "$work/postgres/migrations/bench" "$work/mysql/migrations/bench"
  cat >"$work/postgres/migrations/bench/${v}_step_${i}.up.sql" <<SQL
-- bench step $i: a table, two indexes, $ROWS rows, an update
CREATE TABLE t_$i (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL,
  amount INTEGER NOT NULL,
  note TEXT,
  created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX t_${i}_name ON t_$i (name);
CREATE INDEX t_${i}_amount ON t_$i (amount);
INSERT INTO t_$i (name, amount, note, created_at)
  SELECT 'row ' || x, (x * 7919) % 1000, 'note; with a semicolon', '2026-01-01T00:00:00Z'
  FROM generate_series(1, $ROWS) AS x;
UPDATE t_$i SET note = NULL WHERE amount < 100;
SQL
  # MySQL caps recursive CTEs at 1000 rows by default: one multi-row INSERT instead.
  {
    cat <<SQL
-- bench step $i: a table, two indexes, $ROWS rows, an update
CREATE TABLE t_$i (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  amount INT NOT NULL,
  note TEXT,
  created_at DATETIME NOT NULL
) ENGINE=InnoDB;
CREATE INDEX t_${i}_name ON t_$i (name);
CREATE INDEX t_${i}_amount ON t_$i (amount);
INSERT INTO t_$i (name, amount, note, created_at) VALUES
SQL
    awk -v n="$ROWS" 'BEGIN { for (x = 1; x <= n; x++)
      printf "  (\x27row %d\x27, %d, \x27note; with a semicolon\x27, \x272026-01-01 00:00:00\x27)%s\n", x, (x * 7919) % 1000, (x < n ? "," : ";") }'
    printf 'UPDATE t_%s SET note = NULL WHERE amount < 100;\n' "$i"
  } >"$work/mysql/migrations/bench/${v}_step_${i}.up.sql"
  for e in postgres mysql; do printf 'DROP TABLE t_%s;\n' "$i" >"$work/$e/migrations/bench/${v}_step_${i}.down.sql"; done
done
# The per-database baseline's input: psql gets every migration in its own transaction;
# MariaDB commits DDL implicitly, so there the files are simply concatenated.
for f in "$work"/postgres/migrations/bench/*.up.sql; do printf 'BEGIN;\n'; cat "$f"; printf 'COMMIT;\n'; done >"$work/postgres/all.sql"
cat "$work"/mysql/migrations/bench/*.up.sql >"$work/mysql/all.sql"

# config.yaml for databases 1..n of one engine, the shared set `bench` targeting them all.
write_config() { # engine n
  # shellcheck disable=SC2016 # ${PGPASSWORD:-} and ${MYSQL_PWD:-} are for dbfleet to expand
  {
    case $1 in
      postgres) printf 'database:\n  driver: postgres\n  host: %s\n  port: %s\n  username: %s\n  password: ${PGPASSWORD:-}\n' \
        "$PGHOST" "$PGPORT" "$PGUSER"
        # psql follows PGSSLMODE; so does dbfleet then (both default to prefer: TLS if offered).
        if [ -n "${PGSSLMODE:-}" ]; then printf '  sslmode: %s\n' "$PGSSLMODE"; fi ;;
      mysql) printf 'database:\n  driver: mysql\n  host: %s\n  port: %s\n  username: %s\n  password: ${MYSQL_PWD:-}\n' \
        "$MYSQL_HOST" "$MYSQL_PORT" "$MYSQL_USER" ;;
    esac
    printf 'databases:\n'
    for d in $(names "$2"); do printf '  %s:\n    database: %s\n' "$d" "$d"; done
    printf 'sets:\n  bench:\n    targets: ["%s_*"]\n' "$PREFIX"
    printf 'migrator:\n  auto_backup: false\n  concurrency: %s\n  per_server_concurrency: %s\n' "$P" "$P"
  } >"$work/$1/config.yaml"
}

# The baselines, per database (run by xargs in a child shell).
base_files_postgres() { for f in "$work"/postgres/migrations/bench/*.up.sql; do pg --single-transaction -d "$1" -f "$f" >/dev/null; done; }
base_files_mysql() { for f in "$work"/mysql/migrations/bench/*.up.sql; do my "$1" <"$f"; done; }
base_session_postgres() { pg -d "$1" -f "$work/postgres/all.sql" >/dev/null; }
base_session_mysql() { my "$1" <"$work/mysql/all.sql"; }
# Prints "DB APPLIED TABLES ROWS": dbfleet's applied rows (- without bookkeeping), the
# bench tables, the rows of the last one.
check_postgres() {
  local applied="'-'"
  [ "$2" = yes ] && applied="(SELECT count(*) FROM schema_migrations WHERE status = 'applied')"
  pg -At -d "$1" -F ' ' -c "SELECT '$1', $applied,
    (SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 't\_%'),
    (SELECT count(*) FROM t_$M)"
}
check_mysql() {
  local applied="'-'"
  [ "$2" = yes ] && applied="(SELECT count(*) FROM schema_migrations WHERE status = 'applied')"
  my -N "$1" -e "SELECT '$1', $applied,
    (SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE 't\_%'),
    (SELECT count(*) FROM t_$M)" | tr '\t' ' '
}
export -f base_files_postgres base_files_mysql base_session_postgres base_session_mysql check_postgres check_mysql

verify() { # engine n with-bookkeeping what
  local want=- out bad
  [ "$3" = yes ] && want=$M
  out=$(names "$2" | xargs -P "$P" -I{} bash -c "check_$1 {} $3") ||
    { printf '%s: could not check every %s database:\n%s\n' "$4" "$1" "$out" >&2; exit 1; }
  bad=$(awk -v a="$want" -v t="$M" -v r="$ROWS" '$2 != a || $3 != t || $4 != r' <<<"$out")
  if [ -n "$bad" ] || [ "$(wc -l <<<"$out")" != "$2" ]; then
    printf '%s did not apply everything on %s (db applied tables rows):\n%s\n' "$4" "$1" "${bad:-$out}" >&2
    exit 1
  fi
}

dbfleet_up() { # engine
  (cd "$work/$1" && "$bin" up --all --directory bench >"$work/$1/up.log" 2>&1) ||
    { echo "dbfleet up failed on $1:" >&2; tail -n 20 "$work/$1/up.log" >&2; exit 1; }
}

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
client() { if [ "$1" = postgres ]; then echo psql; else basename "$MYSQL_BIN"; fi; }

for e in $ENGINE; do
  for n in $N; do
    write_config "$e" "$n"
    dbfleet_times=()
    files_times=()
    session_times=()
    for run in $(seq 1 "$RUNS"); do
      recreate "$e" "$n"
      t0=$(now)
      dbfleet_up "$e"
      t1=$(now)
      dbfleet_times+=("$(echo "$t1 - $t0" | bc -l)")
      verify "$e" "$n" yes "dbfleet up"

      recreate "$e" "$n"
      t0=$(now)
      names "$n" | xargs -P "$P" -I{} bash -c "base_files_$e {}"
      t1=$(now)
      files_times+=("$(echo "$t1 - $t0" | bc -l)")
      verify "$e" "$n" no "$(client "$e") per file"

      recreate "$e" "$n"
      t0=$(now)
      names "$n" | xargs -P "$P" -I{} bash -c "base_session_$e {}"
      t1=$(now)
      session_times+=("$(echo "$t1 - $t0" | bc -l)")
      verify "$e" "$n" no "$(client "$e") per database"
      printf '%s N=%s run %s: dbfleet %.3f s, %s per file %.3f s, per database %.3f s\n' "$e" "$n" "$run" \
        "${dbfleet_times[-1]}" "$(client "$e")" "${files_times[-1]}" "${session_times[-1]}" >&2
    done
    d=$(printf '%s\n' "${dbfleet_times[@]}" | median)
    f=$(printf '%s\n' "${files_times[@]}" | median)
    s=$(printf '%s\n' "${session_times[@]}" | median)
    c=$(client "$e")
    printf '%s: databases %s, migrations %s, parallelism %s, rows/migration %s, runs %s\n' "$e" "$n" "$M" "$P" "$ROWS" "$RUNS"
    printf '  %-40s %8.3f s\n' "dbfleet up (median)" "$d"
    printf '  %-40s %8.3f s   ratio %.2fx\n' "$c per file + xargs (median)" "$f" "$(echo "$d / $f" | bc -l)"
    printf '  %-40s %8.3f s   ratio %.2fx\n' "$c per database + xargs (median)" "$s" "$(echo "$d / $s" | bc -l)"
  done
done

if [[ " $ENGINE " == *" postgres "* ]] && ((STATUS_N > 0)); then
  echo "status: preparing $STATUS_N PostgreSQL databases..." >&2
  write_config postgres "$STATUS_N"
  recreate postgres "$STATUS_N"
  dbfleet_up postgres
  verify postgres "$STATUS_N" yes "dbfleet up"
  status_times=()
  for run in $(seq 1 "$RUNS"); do
    t0=$(now)
    (cd "$work/postgres" && "$bin" status --format json >"$work/status.json")
    t1=$(now)
    status_times+=("$(echo "$t1 - $t0" | bc -l)")
    ok=$(jq --argjson m "$M" '[.databases[] | select(.error == null and .applied == $m and .pending == 0)] | length' "$work/status.json")
    [ "$ok" = "$STATUS_N" ] || { echo "status shows $ok of $STATUS_N databases up to date" >&2; exit 1; }
    printf 'status run %s: %.3f s\n' "$run" "${status_times[-1]}" >&2
  done
  printf 'postgres: dbfleet status --format json over %s databases (%s migrations each), runs %s\n' "$STATUS_N" "$M" "$RUNS"
  printf '  %-40s %8.3f s   (aim: under 1 s)\n' "median" "$(printf '%s\n' "${status_times[@]}" | median)"
fi
