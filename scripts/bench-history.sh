#!/usr/bin/env bash
# Benchmark, not a test: dbfleet against the engine's own client over a realistic history
# (scripts/gen-history.sh: M migrations, tables, seed rows, added columns, indexes,
# backfills; mostly one statement each), N fresh databases, P at once on both sides.
#
#   dbfleet      `dbfleet up --all` with concurrency = per_server_concurrency = P, once per
#                MODE: `plain`, `group` (`--group`: PostgreSQL only), `before` (the binary
#                in BEFORE_BIN, e.g. one built from an older commit, run as `plain`);
#   raw client   one client per database reading every file, xargs -P P: psql and sqlite3
#                with each migration in its own BEGIN/COMMIT, mariadb with the files
#                concatenated (its DDL commits by itself).
#
# Every timed run starts from freshly recreated, empty databases and is checked afterwards
# (dbfleet: M applied rows; every run: the history's tables). Prints the median of RUNS per
# mode and its ratio to the client's. On MySQL/MariaDB it also prints the median server
# work per run from SHOW GLOBAL STATUS deltas (Com_commit, Handler_commit,
# Innodb_data_fsyncs, Innodb_log_writes); on PostgreSQL the WAL syncs (pg_stat_wal). Those
# are server-wide: other work on the server counts too. Then, if STATUS_N > 0, times
# `dbfleet status --format json` over STATUS_N databases with the history applied (the
# first read of a run of status reads is timed apart: on SQLite it is the cold read of
# STATUS_N files, on a server the first backends of a database).
# Every database it creates (PREFIX_0001, ...) is dropped on exit, Ctrl-C included.
#
#   ENGINE=mysql N=10 M=300 scripts/bench-history.sh
#   ENGINE=postgres N=20 M=150 MODES="plain group" STATUS_N=200 scripts/bench-history.sh
#   ENGINE=mysql N=10 M=300 MODES="before plain" BEFORE_BIN=/tmp/dbfleet-old scripts/bench-history.sh
#   ENGINE=sqlite N=500 M=12 MODES="plain group" scripts/bench-history.sh   # files in a temp dir
# N=0 skips the up timings (status only). LAST=k times only the history's last k migrations,
# a fleet's everyday rollout: before each timed run dbfleet applies the first M-k untimed
# (`up --to`), on the client's databases too, so both sides start from the same schema and
# dbfleet from its bookkeeping tables in place.
#   ENGINE=postgres N=100 M=60 LAST=1 scripts/bench-history.sh
# Environment: ENGINE (mysql) N (10) M (300) P (8) RUNS (3) MODES (plain) STATUS_N (0) LAST (0)
#   PREFIX (dbfleet_hist); DBFLEET_BIN (else cargo build --release); connection as in
#   scripts/bench-servers.sh (PGHOST.., MYSQL_HOST.., MYSQL_PWD).
set -euo pipefail
export LC_ALL=C

ENGINE=${ENGINE:-mysql}
N=${N:-10}
M=${M:-300}
P=${P:-8}
RUNS=${RUNS:-3}
MODES=${MODES:-plain}
STATUS_N=${STATUS_N:-0}
LAST=${LAST:-0}
[[ $LAST =~ ^[0-9]+$ ]] && ((LAST <= M)) ||
  { echo "LAST: expected a whole number from 0 to M ($M), got '$LAST'" >&2; exit 2; }
PREFIX=${PREFIX:-dbfleet_hist}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
export MYSQL_HOST=${MYSQL_HOST:-127.0.0.1} MYSQL_PORT=${MYSQL_PORT:-3306} MYSQL_USER=${MYSQL_USER:-root}
export MYSQL_PWD=${MYSQL_PWD:-}
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}

case $ENGINE in
  postgres) command -v psql >/dev/null || { echo "needs psql" >&2; exit 2; } ;;
  mysql) MYSQL_BIN=$(command -v mariadb || command -v mysql) || { echo "needs the mariadb (or mysql) client" >&2; exit 2; } ;;
  sqlite) command -v sqlite3 >/dev/null || { echo "needs the sqlite3 shell (apt-get install sqlite3)" >&2; exit 2; } ;;
  *) echo "unknown engine '$ENGINE' (expected postgres, mysql, sqlite)" >&2; exit 2 ;;
esac
command -v jq >/dev/null || { echo "needs jq" >&2; exit 2; }
export MYSQL_BIN=${MYSQL_BIN:-}
for mode in $MODES; do
  case $mode in
    plain) ;;
    group) [ "$ENGINE" != mysql ] || { echo "MODES: group is for PostgreSQL and SQLite (MySQL commits DDL by itself)" >&2; exit 2; } ;;
    before) [ -x "${BEFORE_BIN:-}" ] || { echo "MODES: before needs BEFORE_BIN, a dbfleet binary" >&2; exit 2; } ;;
    *) echo "unknown mode '$mode' (expected plain, group, before)" >&2; exit 2 ;;
  esac
done

if [ -n "${DBFLEET_BIN:-}" ]; then
  bin=$DBFLEET_BIN
else
  echo "building dbfleet (release)..." >&2
  cargo build --release --quiet --manifest-path "$root/Cargo.toml"
  bin="$target/release/dbfleet"
fi
[ -x "$bin" ] || { echo "no dbfleet binary at $bin" >&2; exit 2; }

made=0
work=$(mktemp -d)
export work

names() { seq -f "${PREFIX}_%04g" 1 "$1"; }
pg() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
my() { "$MYSQL_BIN" -h "$MYSQL_HOST" -P "$MYSQL_PORT" -u "$MYSQL_USER" --batch "$@"; }
export -f pg my

cleanup() {
  local rc=$?
  if ((made > 0)); then
    case $ENGINE in
      postgres) names "$made" | awk '{printf "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE);\n", $1}' | psql -X -q -d postgres >/dev/null 2>&1 ;;
      mysql) names "$made" | awk '{printf "DROP DATABASE IF EXISTS `%s`;\n", $1}' | my >/dev/null 2>&1 ;;
      sqlite) true ;; # the files go with $work
    esac || echo "warning: could not drop every ${PREFIX}_* database" >&2
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

recreate() { # n
  ((made >= $1)) || made=$1
  case $ENGINE in
    postgres) names "$1" | awk '{printf "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE);\nCREATE DATABASE \"%s\";\n", $1, $1}' | pg -d postgres >/dev/null ;;
    mysql) names "$1" | awk '{printf "DROP DATABASE IF EXISTS `%s`;\nCREATE DATABASE `%s`;\n", $1, $1}' | my ;;
    sqlite) rm -rf "$work/db" && mkdir -p "$work/db" ;;
  esac
}

tables=$("$root/scripts/gen-history.sh" "$ENGINE" "$M" "$work/migrations/bench")
export TABLES=$tables M
# The client's input: psql gets each migration in its own transaction. With LAST, only
# the last LAST files (the others are applied before the clock starts, on both sides).
files=("$work"/migrations/bench/*.up.sql)
((LAST > 0)) && files=("${files[@]: -LAST}")
for f in "${files[@]}"; do
  if [ "$ENGINE" != mysql ]; then printf 'BEGIN;\n'; cat "$f"; printf 'COMMIT;\n'; else cat "$f"; fi
done >"$work/all.sql"

write_config() { # n
  # shellcheck disable=SC2016 # ${PGPASSWORD:-} and ${MYSQL_PWD:-} are for dbfleet to expand
  {
    case $ENGINE in
      postgres) printf 'database:\n  driver: postgres\n  host: %s\n  port: %s\n  username: %s\n  password: ${PGPASSWORD:-}\n' "$PGHOST" "$PGPORT" "$PGUSER"
        if [ -n "${PGSSLMODE:-}" ]; then printf '  sslmode: %s\n' "$PGSSLMODE"; fi ;;
      mysql) printf 'database:\n  driver: mysql\n  host: %s\n  port: %s\n  username: %s\n  password: ${MYSQL_PWD:-}\n' "$MYSQL_HOST" "$MYSQL_PORT" "$MYSQL_USER" ;;
      sqlite) printf 'database:\n  driver: sqlite\n' ;;
    esac
    printf 'databases:\n'
    for d in $(names "$1"); do
      if [ "$ENGINE" = sqlite ]; then printf '  %s:\n    database: db/%s.db\n' "$d" "$d"; else printf '  %s:\n    database: %s\n' "$d" "$d"; fi
    done
    printf 'sets:\n  bench:\n    targets: ["%s_*"]\n' "$PREFIX"
    printf 'migrator:\n  auto_backup: false\n  concurrency: %s\n  per_server_concurrency: %s\n' "$P" "$P"
  } >"$work/config.yaml"
}

client_postgres() { pg -d "$1" -f "$work/all.sql" >/dev/null; }
client_mysql() { my "$1" <"$work/all.sql"; }
client_sqlite() { sqlite3 -bail "$work/db/$1.db" <"$work/all.sql" >/dev/null; }
# "DB APPLIED TABLES": dbfleet's applied rows (- for the client), the history's tables.
check_postgres() {
  local applied="'-'"
  [ "$2" = yes ] && applied="(SELECT count(*) FROM schema_migrations WHERE status = 'applied')"
  pg -At -d "$1" -F ' ' -c "SELECT '$1', $applied, (SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 't\_%')"
}
check_mysql() {
  local applied="'-'"
  [ "$2" = yes ] && applied="(SELECT count(*) FROM schema_migrations WHERE status = 'applied')"
  my -N "$1" -e "SELECT '$1', $applied, (SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE 't\_%')" | tr '\t' ' '
}
check_sqlite() {
  local applied="'-'"
  [ "$2" = yes ] && applied="(SELECT count(*) FROM schema_migrations WHERE status = 'applied')"
  sqlite3 -separator ' ' "$work/db/$1.db" "SELECT '$1', $applied, (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 't\_%' ESCAPE '\')"
}
export -f client_postgres client_mysql client_sqlite check_postgres check_mysql check_sqlite

verify() { # n with-bookkeeping what
  local want=- out bad
  [ "$2" = yes ] && want=$M
  out=$(names "$1" | xargs -P "$P" -I{} bash -c "check_$ENGINE {} $2") ||
    { printf '%s: could not check every database:\n%s\n' "$3" "$out" >&2; exit 1; }
  bad=$(awk -v a="$want" -v t="$TABLES" '$2 != a || $3 != t' <<<"$out")
  if [ -n "$bad" ] || [ "$(wc -l <<<"$out")" != "$1" ]; then
    printf '%s did not apply everything (db applied tables):\n%s\n' "$3" "${bad:-$out}" >&2
    exit 1
  fi
}

# Server-wide counters, one line of numbers.
counters() {
  case $ENGINE in
    mysql) my -N -e "SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_commit', 'Handler_commit', 'Innodb_data_fsyncs', 'Innodb_log_writes')" |
      sort | awk '{printf "%s ", $2} END {print ""}' ;;
    postgres) pg -At -d postgres -c "SELECT pg_stat_force_next_flush(); SELECT wal_sync, wal_write FROM pg_stat_wal" 2>/dev/null |
      tail -n 1 | tr '|' ' ' || echo "0 0" ;;
    sqlite) echo 0 ;;
  esac
}
counter_names() {
  case $ENGINE in
    mysql) echo "Com_commit Handler_commit Innodb_data_fsyncs Innodb_log_writes" ;;
    postgres) echo "wal_sync wal_write" ;;
    sqlite) echo "-" ;;
  esac
}
delta() { paste -d ' ' <(tr ' ' '\n' <<<"$1") <(tr ' ' '\n' <<<"$2") | awk 'NF == 2 {printf "%d ", $2 - $1}'; }

run_dbfleet() { # mode
  local b=$bin flags=()
  [ "$1" = before ] && b=$BEFORE_BIN
  [ "$1" = group ] && flags=(--group)
  (cd "$work" && "$b" up --all --directory bench "${flags[@]}" >"$work/up.log" 2>&1) ||
    { echo "dbfleet up ($1) failed:" >&2; tail -n 20 "$work/up.log" >&2; exit 1; }
}

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Medians column by column of lines of numbers.
medians() { awk '{for (i = 1; i <= NF; i++) v[i, NR] = $i; if (NF > nf) nf = NF} END {
  for (i = 1; i <= nf; i++) { n = 0; for (r = 1; r <= NR; r++) a[++n] = v[i, r]; asort(a); printf "%d ", a[int((n + 1) / 2)]; delete a } print "" }'; }
case $ENGINE in postgres) client=psql ;; sqlite) client=sqlite3 ;; *) client=$(basename "$MYSQL_BIN") ;; esac

declare -A times work_done
((N > 0)) && write_config "$N"
for run in $( ((N > 0)) && seq 1 "$RUNS"); do
  for mode in $MODES client; do
    recreate "$N"
    if ((LAST > 0)); then
      (cd "$work" && "$bin" up --all --directory bench --to "$((M - LAST))" >"$work/before.log" 2>&1) ||
        { echo "dbfleet up --to $((M - LAST)) failed:" >&2; tail -n 20 "$work/before.log" >&2; exit 1; }
    fi
    c0=$(counters)
    t0=$(now)
    if [ "$mode" = client ]; then
      names "$N" | xargs -P "$P" -I{} bash -c "client_$ENGINE {}"
    else
      run_dbfleet "$mode"
    fi
    t1=$(now)
    c1=$(counters)
    t=$(echo "$t1 - $t0" | bc -l)
    times[$mode]+="$t "
    work_done[$mode]+="$(delta "$c0" "$c1")
"
    if [ "$mode" = client ]; then verify "$N" no "$client"; else verify "$N" yes "dbfleet up ($mode)"; fi
    printf '%s run %s %s: %.3f s  [%s: %s]\n' "$ENGINE" "$run" "$mode" "$t" "$(counter_names)" "$(delta "$c0" "$c1")" >&2
  done
done

((N > 0)) && printf '%s: %s databases, %s migrations (%s tables)%s, parallelism %s, runs %s\n' "$ENGINE" "$N" "$M" "$TABLES" \
  "$( ((LAST > 0)) && echo ", the last $LAST timed")" "$P" "$RUNS"
((N > 0)) && c=$(tr ' ' '\n' <<<"${times[client]}" | grep . | median)
((N > 0)) && printf '  %-34s %8s   %-6s   server work per run (median): %s\n' "" "median" "ratio" "$(counter_names)"
for mode in $( ((N > 0)) && echo "$MODES client"); do
  d=$(tr ' ' '\n' <<<"${times[$mode]}" | grep . | median)
  label="dbfleet up ($mode)"
  [ "$mode" = client ] && label="$client per database + xargs"
  printf '  %-34s %7.3f s  %5.2fx   %s\n' "$label" "$d" "$(echo "$d / $c" | bc -l)" "$(grep . <<<"${work_done[$mode]}" | medians)"
done

if ((STATUS_N > 0)); then
  echo "status: preparing $STATUS_N $ENGINE databases..." >&2
  write_config "$STATUS_N"
  recreate "$STATUS_N"
  run_dbfleet plain
  verify "$STATUS_N" yes "dbfleet up"
  t0=$(now)
  (cd "$work" && "$bin" status --format json >"$work/status.json")
  first=$(echo "$(now) - $t0" | bc -l)
  printf 'status first read (not counted): %.3f s\n' "$first" >&2
  status_times=()
  for run in $(seq 1 "$RUNS"); do
    t0=$(now)
    (cd "$work" && "$bin" status --format json >"$work/status.json")
    t1=$(now)
    status_times+=("$(echo "$t1 - $t0" | bc -l)")
    ok=$(jq --argjson m "$M" '[.databases[] | select(.error == null and .applied == $m and .pending == 0)] | length' "$work/status.json")
    [ "$ok" = "$STATUS_N" ] || { echo "status shows $ok of $STATUS_N databases up to date" >&2; exit 1; }
    printf 'status run %s: %.3f s\n' "$run" "${status_times[-1]}" >&2
  done
  printf '%s: dbfleet status --format json over %s databases (%s migrations each), runs %s\n' "$ENGINE" "$STATUS_N" "$M" "$RUNS"
  printf '  %-34s %7.3f s   (aim: under 1 s; the first read: %.3f s)\n' "median" "$(printf '%s\n' "${status_times[@]}" | median)" "$first"
fi
