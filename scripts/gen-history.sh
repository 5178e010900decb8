#!/usr/bin/env bash
# A realistic migration history for the benchmarks (not a test): M migrations in DIR, as a
# product's history grows. Tables come one every ten migrations; between them the table
# gets seed rows, added columns, indexes, a backfill UPDATE and an audit table. Most
# migrations are one statement, two in ten have two. Each has a down file.
#
#   scripts/gen-history.sh postgres 300 /tmp/hist      # or mysql, sqlite
#
# Prints the number of tables the history creates (what a check counts afterwards).
set -euo pipefail
export LC_ALL=C

engine=${1:?usage: gen-history.sh postgres|mysql|sqlite M DIR}
m=${2:?M: how many migrations}
dir=${3:?DIR: where the files go}
case $engine in
  postgres) id='id BIGSERIAL PRIMARY KEY' ts='TIMESTAMPTZ NOT NULL DEFAULT now()' ;;
  mysql) id='id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY' ts='DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP' ;;
  sqlite) id='id INTEGER PRIMARY KEY' ts="TEXT NOT NULL DEFAULT (datetime('now'))" ;;
  *) echo "unknown engine '$engine' (expected postgres, mysql, sqlite)" >&2; exit 2 ;;
esac
mkdir -p "$dir"

tables=0
for i in $(seq 1 "$m"); do
  k=$(((i - 1) / 10 + 1))
  t="t_$k"
  v=$(printf '%04d' "$i")
  on=""
  if [ "$engine" = mysql ]; then on=" ON $t"; fi
  case $(((i - 1) % 10)) in
    0) name=create_$t
      up="CREATE TABLE $t (
  $id,
  name VARCHAR(100) NOT NULL,
  created_at $ts
);"
      down="DROP TABLE $t;"
      tables=$((tables + 1)) ;;
    1) name=seed_$t
      up="INSERT INTO $t (name) VALUES $(for r in $(seq 1 50); do printf "('row %s')%s" "$r" "$([ "$r" -lt 50 ] && echo ', ')"; done);"
      down="DELETE FROM $t;" ;;
    2) name=add_status_to_$t
      up="ALTER TABLE $t ADD COLUMN status VARCHAR(20);"
      down="ALTER TABLE $t DROP COLUMN status;" ;;
    3) name=index_${t}_name
      up="CREATE INDEX ${t}_name ON $t (name);"
      down="DROP INDEX ${t}_name$on;" ;;
    4) name=backfill_${t}_status
      up="UPDATE $t SET status = 'active' WHERE status IS NULL;"
      down="UPDATE $t SET status = NULL;" ;;
    5) name=add_amount_to_$t
      up="ALTER TABLE $t ADD COLUMN amount INTEGER NOT NULL DEFAULT 0;"
      down="ALTER TABLE $t DROP COLUMN amount;" ;;
    6) name=index_${t}_status
      up="CREATE INDEX ${t}_status ON $t (status);"
      down="DROP INDEX ${t}_status$on;" ;;
    7) name=add_note_to_$t
      up="ALTER TABLE $t ADD COLUMN note TEXT;
UPDATE $t SET note = name WHERE id % 2 = 0;"
      down="ALTER TABLE $t DROP COLUMN note;" ;;
    8) name=create_${t}_audit
      up="CREATE TABLE ${t}_audit (
  $id,
  row_id BIGINT NOT NULL,
  at $ts
);
CREATE INDEX ${t}_audit_row ON ${t}_audit (row_id);"
      down="DROP TABLE ${t}_audit;"
      tables=$((tables + 1)) ;;
    9) name=add_ref_to_$t
      up="ALTER TABLE $t ADD COLUMN ref_id BIGINT;"
      down="ALTER TABLE $t DROP COLUMN ref_id;" ;;
  esac
  printf '%s\n' "$up" >"$dir/${v}_$name.up.sql"
  printf '%s\n' "$down" >"$dir/${v}_$name.down.sql"
done
echo "$tables"
