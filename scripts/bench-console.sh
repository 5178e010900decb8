#!/usr/bin/env bash
# Benchmark, not a test: the console's run against the CLI's over the same fleet, and the
# console's idle cost.
#
# Generates N SQLite databases sharing one set of M migrations (scripts/gen-history.sh),
# then RUNS times, interleaved (odd runs CLI first, even runs console first), on fresh
# database files each time:
#   cli      `dbfleet up --all --directory bench`, timed around the process;
#   console  `dbfleet` (the console) in a detached tmux session of SIZE; once every
#            status is read: `a` (mark every database), `U`, wait for the plan, Tab (the
#            "Run up on N" button), Enter. Timed from the Enter to the run view's title
#            saying "finished" (capture-pane polled every POLL seconds); the console's own
#            clock (the title's elapsed time, from the keypress folded to RunFinished) is
#            printed beside it. The polled figure carries the screen's latency (a frame
#            is at most 100 ms behind, plus the polling): about 0.1 s more than the clock.
#            Each side's CPU time is printed too (the CLI's from /usr/bin/time, the
#            console's from /proc/PID/stat between the Enter and the end): the engine runs
#            inside either process, and CPU moves less than the clock with the disk.
# After every run each database must have all M migrations applied (`dbfleet status
# --format json`). Prints the medians and the ratio console/CLI. Aim: <= 1.05.
#
# Then the idle cost: the console open on the up-to-date fleet for IDLE seconds (six
# refresh periods by default, so where they fall in the window matters less), its CPU
# time from /proc/PID/stat (utime + stime), as % of one core, with the refresh interval
# it ran with (REFRESH seconds; unset: the config's default, migrator.console_refresh_secs
# 10). Aim: < 2%.
#
#   scripts/bench-console.sh                        # N=1000 M=12 RUNS=4 IDLE=60
#   N=200 RUNS=5 scripts/bench-console.sh
#   DBFLEET_BIN=target/release/dbfleet scripts/bench-console.sh   # no build
#   IDLE=0 ...   # runs only; RUNS=0 ... idle only (on a fleet brought up by the CLI)
set -euo pipefail

N=${N:-1000}
M=${M:-12}
RUNS=${RUNS:-4}
IDLE=${IDLE:-60}
SIZE=${SIZE:-200x50}
POLL=${POLL:-0.05}
REFRESH=${REFRESH:-}
root=$(cd "$(dirname "$0")/.." && pwd)
command -v tmux >/dev/null || { echo "needs tmux" >&2; exit 2; }
command -v jq >/dev/null || { echo "needs jq" >&2; exit 2; }

if [ -n "${DBFLEET_BIN:-}" ]; then
  bin=$(realpath "$DBFLEET_BIN")
else
  echo "building dbfleet (release)..." >&2
  cargo build --release --quiet --manifest-path "$root/Cargo.toml"
  bin="${CARGO_TARGET_DIR:-$root/target}/release/dbfleet"
fi

work=$(mktemp -d)
sock="bench-console-$$"
console_pid=""
cleanup() {
  tmux -L "$sock" kill-server 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$root/scripts/gen-history.sh" sqlite "$M" "$work/migrations/bench" >/dev/null
printf 'targets: ["db_*"]\n' >"$work/migrations/bench/set.yaml"
{
  printf 'database:\n  driver: sqlite\ndatabases:\n'
  for d in $(seq -f 'db_%04g' 1 "$N"); do printf '  %s:\n    database: data/%s.db\n' "$d" "$d"; done
  printf 'migrator:\n  auto_backup: false\n  journal: data/journal.jsonl\n'
  if [ -n "$REFRESH" ]; then printf '  console_refresh_secs: %s\n' "$REFRESH"; fi
} >"$work/config.yaml"

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
fresh() { rm -rf "$work/data"; mkdir -p "$work/data"; }

check_applied() {
  local done
  done=$(cd "$work" && "$bin" status --all --directory bench --format json |
    jq --argjson m "$M" '[.databases[] | select(.error == null and .applied == $m and .pending == 0)] | length')
  [ "$done" = "$N" ] || { echo "$1: $done of $N databases have all $M migrations applied" >&2; exit 1; }
}

screen() { tmux -L "$sock" capture-pane -p -t bench 2>/dev/null || true; }

# Waits until the screen satisfies the grep -E pattern (and not the optional one).
wait_screen() {
  local want=$1 unwanted=${2:-} what=$3 limit=${4:-300} s t0
  t0=$(now)
  while :; do
    s=$(screen)
    if grep -Eq -- "$want" <<<"$s" && { [ -z "$unwanted" ] || ! grep -Eq -- "$unwanted" <<<"$s"; }; then
      return 0
    fi
    if (($(echo "$(now) - $t0 > $limit" | bc -l))); then
      echo "timed out waiting for $what; the screen:" >&2
      printf '%s\n' "$s" >&2
      exit 1
    fi
    sleep "$POLL"
  done
}

start_console() {
  local w=${SIZE%x*} h=${SIZE#*x}
  tmux -L "$sock" new-session -d -s bench -x "$w" -y "$h" -c "$work" "exec env -u NO_COLOR '$bin'"
  console_pid=$(tmux -L "$sock" list-panes -t bench -F '#{pane_pid}')
  # Every status in: the fleet's totals, nothing being read.
  wait_screen " $N databases " "reading" "the console's first statuses"
}

stop_console() {
  tmux -L "$sock" kill-server 2>/dev/null || true
  # Its last status reads must not overlap the next run.
  while [ -n "$console_pid" ] && kill -0 "$console_pid" 2>/dev/null; do sleep 0.05; done
  console_pid=""
}

cli_times=()
console_times=()
console_own=()
cli_cpu=()
console_cpu=()
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$console_pid/stat"; }
cli_run() {
  fresh
  local t0 t1
  t0=$(now)
  (cd "$work" && /usr/bin/time -f '%U %S' -o "$work/cli.cpu" "$bin" up --all --directory bench >/dev/null 2>&1)
  t1=$(now)
  cli_times+=("$(echo "$t1 - $t0" | bc -l)")
  cli_cpu+=("$(awk '{print $1 + $2}' "$work/cli.cpu")")
  check_applied "cli run $1"
}
console_run() {
  fresh
  start_console
  tmux -L "$sock" send-keys -t bench a
  wait_screen "marked $N" "" "every database marked"
  tmux -L "$sock" send-keys -t bench U
  wait_screen "$N of $N will change" "" "the plan of the run"
  tmux -L "$sock" send-keys -t bench Tab
  sleep 0.3
  local t0 t1 own k0 k1
  k0=$(ticks)
  t0=$(now)
  tmux -L "$sock" send-keys -t bench Enter
  wait_screen "· finished · $N/$N done" "" "the run's end" 600
  t1=$(now)
  k1=$(ticks)
  console_cpu+=("$(echo "($k1 - $k0) / $hz" | bc -l)")
  own=$(screen | grep -Eo "· finished · $N/$N done · [0-9.]+ ?(ms|s|m[0-9]+s)" | head -1 | sed 's/.*done · //')
  stop_console
  console_times+=("$(echo "$t1 - $t0" | bc -l)")
  console_own+=("$own")
  check_applied "console run $1"
}
# The order alternates (CLI first, then the console first), so neither always runs on
# the heels of the other's files being deleted.
for run in $(seq 1 "$RUNS"); do
  if ((run % 2)); then cli_run "$run"; console_run "$run"; else console_run "$run"; cli_run "$run"; fi
  printf 'run %s: cli %.3f s (CPU %.2f s), console %.3f s (its own clock: %s, CPU %.2f s), load %s\n' "$run" \
    "${cli_times[-1]}" "${cli_cpu[-1]}" "${console_times[-1]}" "${console_own[-1]}" "${console_cpu[-1]}" "$(cut -d' ' -f1 /proc/loadavg)" >&2
done

if ((RUNS > 0)); then
  c=$(printf '%s\n' "${cli_times[@]}" | median)
  k=$(printf '%s\n' "${console_times[@]}" | median)
  printf 'databases %s, migrations %s, runs %s, terminal %s, load %s\n' "$N" "$M" "$RUNS" "$SIZE" "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf 'cli up (median)        %.3f s   [%s]\n' "$c" "$(printf '%.3f ' "${cli_times[@]}")"
  printf 'console up (median)    %.3f s   [%s]\n' "$k" "$(printf '%.3f ' "${console_times[@]}")"
  printf 'console, own clock     [%s]\n' "${console_own[*]}"
  printf 'ratio console/cli      %.3fx\n' "$(echo "$k / $c" | bc -l)"
  cc=$(printf '%s\n' "${cli_cpu[@]}" | median)
  kc=$(printf '%s\n' "${console_cpu[@]}" | median)
  printf 'CPU of the process (median): cli %.2f s, console %.2f s (from the Enter to the end), ratio %.3fx\n' "$cc" "$kc" "$(echo "$kc / $cc" | bc -l)"
fi

if ((IDLE > 0)); then
  if ((RUNS == 0)); then
    fresh
    (cd "$work" && "$bin" up --all --directory bench >/dev/null 2>&1)
  fi
  check_applied "before idle"
  start_console
  wait_screen "up to date" "reading" "an up-to-date fleet"
  sleep 1
  a=$(ticks); t0=$(now)
  sleep "$IDLE"
  b=$(ticks); t1=$(now)
  stop_console
  pct=$(echo "100 * ($b - $a) / $hz / ($t1 - $t0)" | bc -l)
  printf 'idle %s s on %s up-to-date databases, refresh every %s s: %s ticks of 1/%s s, %.2f%% of one core\n' \
    "$IDLE" "$N" "${REFRESH:-10 (default)}" "$((b - a))" "$hz" "$pct"
fi
