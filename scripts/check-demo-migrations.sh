#!/usr/bin/env bash
# check-demo-migrations.sh — prove the demo migration sets in migrations/ run on
# SQLite, PostgreSQL and MySQL/MariaDB, and that every down undoes its up.
#
# For every set and every engine the script, on a fresh database:
#   1. resolves each migration per dialect: <ver>_<name>.<dialect>.<up|down>.sql
#      wins over <ver>_<name>.<up|down>.sql (up and down resolved independently);
#   2. applies all ups in version order                       (snapshot the schema);
#   3. applies all downs in reverse order, then checks the database holds exactly
#      what it held before the set ran (nothing, for a service set);
#   4. applies all ups again and checks the schema equals the one from step 2.
# A shared set (cross_service) runs on top of a database that already carries a
# service set (user_service by default).
#
# Each file runs in one transaction where the engine allows it: sqlite3 wraps it in
# BEGIN/COMMIT, psql uses --single-transaction. MySQL/MariaDB DDL commits
# implicitly, so there a file is simply fed to the client, which stops at the first
# error.
#
# Usage: scripts/check-demo-migrations.sh [-v] [-e "sqlite postgres mysql"] [SET...]
#   -v            print every file as it is applied
#   -e ENGINES    engines to check (default: all three; env ENGINES works too)
#   SET...        only these sets (default: every folder under migrations/)
# Environment:
#   PGHOST (127.0.0.1) PGPORT (5432) PGUSER (postgres)       PostgreSQL, trust auth
#   MYSQL_HOST (127.0.0.1) MYSQL_PORT (3306) MYSQL_USER (root) MYSQL_PWD (empty)
#   SHARED_SETS (cross_service)   sets that are applied on top of a service set
#   CROSS_BASES (user_service)    service sets to put a shared set on ("all" = every one)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MIGRATIONS_DIR=${MIGRATIONS_DIR:-$ROOT/migrations}
ENGINES=${ENGINES:-"sqlite postgres mysql"}
SHARED_SETS=${SHARED_SETS:-cross_service}
CROSS_BASES=${CROSS_BASES:-user_service}
VERBOSE=0

export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
MYSQL_HOST=${MYSQL_HOST:-127.0.0.1}
MYSQL_PORT=${MYSQL_PORT:-3306}
MYSQL_USER=${MYSQL_USER:-root}
export MYSQL_PWD=${MYSQL_PWD:-}

DIALECTS=(sqlite postgres mysql)
FILE_RE='^([0-9]+)_([A-Za-z0-9_]+)(\.(sqlite|postgres|mysql))?\.(up|down)\.sql$'

while getopts "ve:h" opt; do
    case $opt in
        v) VERBOSE=1 ;;
        e) ENGINES=$OPTARG ;;
        h) sed -n '2,30p' "$0"; exit 0 ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))

# ---------------------------------------------------------------- helpers ---
RED=$'\e[31m' GREEN=$'\e[32m' BOLD=$'\e[1m' RESET=$'\e[0m'
if [[ -n ${NO_COLOR:-} || ! -t 1 ]]; then RED='' GREEN='' BOLD='' RESET=''; fi

die() { printf '%sFAIL%s %s\n' "$RED" "$RESET" "$*" >&2; exit 1; }
log() { if ((VERBOSE)); then printf '       %s\n' "$*"; fi; }
rel() { printf '%s' "${1#"$MIGRATIONS_DIR"/}"; }

MYSQL_BIN=$(command -v mariadb || command -v mysql || true)
MYSQLDUMP_BIN=$(command -v mariadb-dump || command -v mysqldump || true)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dbfleet-check.XXXXXX")
RUN_ID="$$_$RANDOM"
PG_DBS=()
MY_DBS=()

cleanup() {
    local db
    for db in "${PG_DBS[@]}"; do
        psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1 || true
    done
    for db in "${MY_DBS[@]}"; do
        "$MYSQL_BIN" -h "$MYSQL_HOST" -P "$MYSQL_PORT" -u "$MYSQL_USER" \
            -e "DROP DATABASE IF EXISTS \`$db\`" >/dev/null 2>&1 || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pg()    { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
my()    { "$MYSQL_BIN" -h "$MYSQL_HOST" -P "$MYSQL_PORT" -u "$MYSQL_USER" \
              --default-character-set=utf8mb4 --batch "$@"; }

# ---------------------------------------------------------- discovery/lint ---
# STEMS[set] = newline separated "<version>_<name>" in ascending version order.
declare -A STEMS

discover_set() {
    local set=$1 dir=$MIGRATIONS_DIR/$1 f base stem
    local -A seen=() versions=()
    [[ -d $dir ]] || die "no such set: $dir"
    for f in "$dir"/*; do
        [[ -e $f ]] || continue
        base=${f##*/}
        # non-SQL files beside a set (e.g. cross_service/set.yaml declaring its targets)
        # are metadata for dbfleet, not migrations
        if [[ -f $f && $base != *.sql ]]; then
            log "skip $(rel "$f") (not SQL)"
            continue
        fi
        [[ -f $f && $base =~ $FILE_RE ]] ||
            die "$(rel "$f"): not a migration file (expected <version>_<name>[.sqlite|.postgres|.mysql].<up|down>.sql)"
        stem="${BASH_REMATCH[1]}_${BASH_REMATCH[2]}"
        local num=$((10#${BASH_REMATCH[1]}))
        if [[ -n ${versions[$num]:-} && ${versions[$num]} != "$stem" ]]; then
            die "$set: version $num used twice (${versions[$num]} and $stem)"
        fi
        versions[$num]=$stem
        seen[$stem]=1
    done
    ((${#seen[@]})) || die "$set: no migrations found"
    STEMS[$set]=$(printf '%s\n' "${!seen[@]}" | sort -t_ -k1,1n)
}

# resolve SET STEM DIALECT up|down -> path of the file that driver would run
resolve() {
    local dir=$MIGRATIONS_DIR/$1
    if [[ -f $dir/$2.$3.$4.sql ]]; then
        printf '%s' "$dir/$2.$3.$4.sql"
    elif [[ -f $dir/$2.$4.sql ]]; then
        printf '%s' "$dir/$2.$4.sql"
    else
        return 1
    fi
}

lint_file() {
    local f=$1 last
    grep -qiE '^[[:space:]]*DELIMITER' "$f" && die "$(rel "$f"): uses DELIMITER (not supported)"
    grep -qiE '(CREATE|ALTER|DROP)[[:space:]]+TABLE[[:space:]]+(IF[[:space:]]+(NOT[[:space:]]+)?EXISTS[[:space:]]+)?`?schema_migrations(_lock)?\b' "$f" &&
        die "$(rel "$f"): touches a bookkeeping table (schema_migrations / schema_migrations_lock)"
    # the last statement must end with ';' (comments stripped; strings left alone)
    last=$(perl -0777 -ne 's{/\*.*?\*/}{}gs; s{^\s*--[^\n]*}{}mg; s{\s+--[^\n\x27]*$}{}mg; s/\s+\z//; print' "$f")
    [[ -n $last ]] || die "$(rel "$f"): no SQL in file"
    [[ $last == *';' ]] || die "$(rel "$f"): last statement does not end with ';'"
}

lint_set() {
    local set=$1 stem d dir f
    while read -r stem; do
        for d in "${DIALECTS[@]}"; do
            for dir in up down; do
                f=$(resolve "$set" "$stem" "$d" "$dir") ||
                    die "$set/$stem: no $dir file for $d (need $stem.$dir.sql or $stem.$d.$dir.sql)"
                lint_file "$f"
                if [[ $d == sqlite ]] && grep -qiE '^[[:space:]]*CREATE[[:space:]]+TRIGGER' "$f"; then
                    die "$(rel "$f"): SQLite triggers are kept out of the demo"
                fi
            done
        done
    done <<<"${STEMS[$set]}"
}

# ---------------------------------------------------------------- engines ---
check_server() {
    case $1 in
        sqlite)
            command -v sqlite3 >/dev/null || die "sqlite3 not found"
            ;;
        postgres)
            command -v psql >/dev/null || die "psql not found"
            pg -d postgres -c 'SELECT 1' >/dev/null 2>&1 ||
                die "PostgreSQL not reachable at $PGHOST:$PGPORT as $PGUSER (start it: pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start)"
            ;;
        mysql)
            [[ -n $MYSQL_BIN ]] || die "mariadb/mysql client not found"
            my -e 'SELECT 1' >/dev/null 2>&1 ||
                die "MySQL/MariaDB not reachable at $MYSQL_HOST:$MYSQL_PORT as $MYSQL_USER (start it: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd)"
            ;;
        *) die "unknown engine '$1' (expected sqlite, postgres or mysql)" ;;
    esac
}

# new_db ENGINE LABEL -> sets NEW_DB to a handle (sqlite: file path, others: database
# name). Not a $(...) function: the cleanup lists must be updated in this shell.
new_db() {
    local engine=$1 name="dbfleet_check_${RUN_ID}_$2"
    case $engine in
        sqlite)
            NEW_DB="$TMP/$name.db"
            ;;
        postgres)
            PG_DBS+=("$name")
            pg -d postgres -c "CREATE DATABASE \"$name\" ENCODING 'UTF8' TEMPLATE template0" >/dev/null
            NEW_DB=$name
            ;;
        mysql)
            MY_DBS+=("$name")
            my -e "CREATE DATABASE \`$name\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            NEW_DB=$name
            ;;
    esac
}

drop_db() {
    case $1 in
        sqlite)   rm -f "$2" ;;
        postgres) pg -d postgres -c "DROP DATABASE IF EXISTS \"$2\"" >/dev/null ;;
        mysql)    my -e "DROP DATABASE IF EXISTS \`$2\`" ;;
    esac
}

# exec_file ENGINE DB FILE — run one migration file, one transaction where possible
exec_file() {
    local engine=$1 db=$2 file=$3
    case $engine in
        sqlite)
            sqlite3 -bail -batch "$db" 'PRAGMA foreign_keys = ON;' 'BEGIN;' ".read '$file'" 'COMMIT;'
            ;;
        postgres)
            pg --single-transaction -d "$db" -f "$file"
            ;;
        mysql)
            my "$db" <"$file"
            ;;
    esac
}

# objects ENGINE DB — sorted list of user objects (tables, views, indexes,
# sequences, types, functions, triggers); used to prove a down left nothing behind
objects() {
    local engine=$1 db=$2
    case $engine in
        sqlite)
            # sqlite_* (sqlite_sequence, autoindexes) are SQLite's own bookkeeping
            sqlite3 -batch "$db" "SELECT type || ' ' || name FROM sqlite_master
                                  WHERE name NOT LIKE 'sqlite\_%' ESCAPE '\\' ORDER BY 1;"
            ;;
        postgres)
            pg -At -d "$db" -c "
                SELECT 'relation(' || c.relkind::text || ') ' || c.relname
                  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = 'public'
                UNION ALL
                SELECT 'type ' || t.typname
                  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                 WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'r', 'm')
                UNION ALL
                SELECT 'function ' || p.proname
                  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                 WHERE n.nspname = 'public'
                UNION ALL
                SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal
                ORDER BY 1;"
            ;;
        mysql)
            my -N "$db" -e "
                SELECT CONCAT(table_type, ' ', table_name) FROM information_schema.tables
                 WHERE table_schema = DATABASE()
                UNION ALL
                SELECT CONCAT('routine ', routine_name) FROM information_schema.routines
                 WHERE routine_schema = DATABASE()
                UNION ALL
                SELECT CONCAT('trigger ', trigger_name) FROM information_schema.triggers
                 WHERE trigger_schema = DATABASE()
                ORDER BY 1;"
            ;;
    esac
}

# schema ENGINE DB — full schema text, to compare the first and the second up
schema() {
    local engine=$1 db=$2
    case $engine in
        sqlite)   sqlite3 -batch "$db" "SELECT type || ' ' || name || ': ' || sql FROM sqlite_master
                                        WHERE name NOT LIKE 'sqlite\_%' ESCAPE '\\' ORDER BY type, name;" ;;
        postgres) pg_dump -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -s --no-owner --no-privileges "$db" |
                      grep -vE '^-- Dumped (from|by)|^\\(un)?restrict ' ;;
        mysql)    "$MYSQLDUMP_BIN" -h "$MYSQL_HOST" -P "$MYSQL_PORT" -u "$MYSQL_USER" --no-data \
                      --skip-comments --skip-dump-date --routines --triggers "$db" |
                      sed -E 's/ AUTO_INCREMENT=[0-9]+//' ;;
    esac
}

# apply ENGINE DB SET up|down — run a whole set in order (down: reverse order)
apply() {
    local engine=$1 db=$2 set=$3 dir=$4 stem file out n=0 order=cat
    [[ $dir == down ]] && order='sort -t_ -k1,1nr'
    while read -r stem; do
        file=$(resolve "$set" "$stem" "$engine" "$dir")
        log "$engine $dir $(rel "$file")"
        if ! out=$(exec_file "$engine" "$db" "$file" 2>&1); then
            printf '%sFAIL%s [%s] %s%s%s\n%s\n' "$RED" "$RESET" "$engine" "$BOLD" "$(rel "$file")" "$RESET" \
                "$(sed 's/^/     | /' <<<"$out")" >&2
            exit 1
        fi
        n=$((n + 1))
    done < <($order <<<"${STEMS[$set]}")
    APPLIED=$n
}

# --------------------------------------------------------------- the check ---
PASSED=0
declare -a REPORT

check_set() {
    local engine=$1 set=$2 base=${3:-} db label=$2 before after s1 s2 ups downs reups
    [[ -n $base ]] && label="${base}+$set"
    new_db "$engine" "$label"; db=$NEW_DB

    if [[ -n $base ]]; then
        apply "$engine" "$db" "$base" up
    fi
    before=$(objects "$engine" "$db")

    apply "$engine" "$db" "$set" up; ups=$APPLIED
    s1=$(schema "$engine" "$db")

    apply "$engine" "$db" "$set" down; downs=$APPLIED
    after=$(objects "$engine" "$db")
    if [[ $before != "$after" ]]; then
        printf '%sFAIL%s [%s] %s: after all downs the database differs from before the ups:\n' \
            "$RED" "$RESET" "$engine" "$label" >&2
        diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | sed 's/^/     | /' >&2 || true
        exit 1
    fi

    apply "$engine" "$db" "$set" up; reups=$APPLIED
    s2=$(schema "$engine" "$db")
    if [[ $s1 != "$s2" ]]; then
        printf '%sFAIL%s [%s] %s: schema after down+up differs from the first up:\n' \
            "$RED" "$RESET" "$engine" "$label" >&2
        diff <(printf '%s\n' "$s1") <(printf '%s\n' "$s2") | sed 's/^/     | /' >&2 || true
        exit 1
    fi

    local ntables
    ntables=$(objects "$engine" "$db" | grep -ciE '^(table|relation\(r\)|base table) ' || true)
    drop_db "$engine" "$db"

    printf '%sok%s   %-8s %-32s up %d, down %d (clean), up %d (same schema); %d tables\n' \
        "$GREEN" "$RESET" "$engine" "$label" "$ups" "$downs" "$reups" "$ntables"
    PASSED=$((PASSED + 1))
}

main() {
    local sets=() set engine base service_sets=() shared=() bases=() f
    if (($#)); then
        sets=("$@")
    else
        for f in "$MIGRATIONS_DIR"/*/; do sets+=("$(basename "$f")"); done
    fi
    ((${#sets[@]})) || die "no migration sets under $MIGRATIONS_DIR"

    for set in "${sets[@]}"; do
        if [[ " $SHARED_SETS " == *" $set "* ]]; then shared+=("$set"); else service_sets+=("$set"); fi
    done
    if ((${#shared[@]} == 0)); then
        :
    elif [[ $CROSS_BASES == all ]]; then
        for f in "$MIGRATIONS_DIR"/*/; do
            set=$(basename "$f")
            [[ " $SHARED_SETS " == *" $set "* ]] || bases+=("$set")
        done
    else
        read -ra bases <<<"$CROSS_BASES"
    fi

    # discover and lint everything first: a naming mistake fails before any database work
    for set in "${service_sets[@]}" "${shared[@]}" "${bases[@]}"; do
        [[ -n ${STEMS[$set]:-} ]] && continue
        discover_set "$set"
        lint_set "$set"
    done

    printf '%sdbfleet demo migrations%s: %s\n' "$BOLD" "$RESET" "$(rel "$MIGRATIONS_DIR")"
    for set in "${service_sets[@]}" "${shared[@]}"; do
        printf '  %-18s %s\n' "$set" "$(tr '\n' ' ' <<<"${STEMS[$set]}")"
    done

    for engine in $ENGINES; do
        check_server "$engine"
    done

    for engine in $ENGINES; do
        for set in "${service_sets[@]}"; do
            check_set "$engine" "$set"
        done
        for set in "${shared[@]}"; do
            for base in "${bases[@]}"; do
                check_set "$engine" "$set" "$base"
            done
        done
    done

    printf '%sPASS%s %d checks on: %s\n' "$GREEN$BOLD" "$RESET" "$PASSED" "$ENGINES"
}

main "$@"
