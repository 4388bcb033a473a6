#!/bin/sh
# One golden CLI test: run_case.sh VRAMFIT_BINARY CASES_FILE CASE_NAME
#
# Reads the block "case CASE_NAME" from CASES_FILE (format in tests/cli/README.md), runs the binary
# from tests/cli/ (so fixture paths, and the paths errors print, are relative and stable) with
# NO_COLOR=1 COLUMNS=100 LC_ALL=C, no VRAMFIT_CATALOG_PATH unless the case sets it, and checks:
#   * the exit code;
#   * exit 2 (or a `stderr` line given): stdout empty, stderr exactly one line, equal to the case's
#     `stderr` line and starting with "vramfit: error:";
#   * otherwise: stderr empty and stdout byte-for-byte equal to golden/CASE_NAME.out (unless the
#     case says no-golden; stdout-contains / stdout-lacks check a substring instead);
#   * JSON output (--json / --format json, or a `json` line): valid JSON with "schema_version": 1.
# VRAMFIT_UPDATE_GOLDEN=1 rewrites golden/CASE_NAME.out from the actual stdout (review the diff!);
# exit code and stderr expectations are never rewritten: edit cases.txt by hand.
set -u

bin=$1
cases=$2
name=$3
here=$(cd "$(dirname "$0")" && pwd)
golden="$here/golden/$name.out"

block=$(awk -v want="$name" '
  /^case[ \t]/ { inside = ($2 == want); if (inside) found = 1; next }
  inside && !/^[ \t]*#/ && !/^[ \t]*$/ { print }
  END { if (!found) exit 3 }' "$cases") || { echo "run_case: no case '$name' in $cases" >&2; exit 2; }

args=
exit_want=
stderr_want=
stderr_given=0
stderr_contains=
known_bug=0
json=0
no_golden=0
stdout_contains=
stdout_lacks=
env_lines=
nl='
'
while IFS= read -r line; do
  key=${line%%[ 	]*}
  val=${line#"$key"}
  val=${val#[ 	]}
  case $key in
    args) args=$val ;;
    exit) exit_want=$val ;;
    stderr) stderr_want=$val; stderr_given=1 ;;
    stderr-contains) stderr_contains=$val ;;
    env) env_lines="$env_lines$val$nl" ;;
    json) json=1 ;;
    no-golden) no_golden=1 ;;
    stdout-contains) stdout_contains="$stdout_contains$val$nl" ;;  # repeatable: every one is checked
    stdout-lacks) stdout_lacks="$stdout_lacks$val$nl" ;;
    known-bug) known_bug=1 ;;  # CTest marks the test WILL_FAIL; the checks are unchanged
    *) echo "run_case: $name: unknown directive '$key'" >&2; exit 2 ;;
  esac
done <<EOF
$block
EOF
[ -n "$exit_want" ] || { echo "run_case: $name: no 'exit' line" >&2; exit 2; }
if [ "$exit_want" = 2 ] && [ "$stderr_given" = 0 ] && [ -z "$stderr_contains" ]; then
  echo "run_case: $name: an exit 2 case needs a 'stderr' (or 'stderr-contains') line" >&2
  exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vramfit-cli.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

# The binary runs in a subshell with a clean, fixed environment plus the case's env lines. No case
# touches the network: remote references answer from an empty cache of its own, offline.
(
  cd "$here" || exit 99
  # The user's saved bench runs (measurements.yaml) would calibrate speeds: an empty data directory.
  unset VRAMFIT_CATALOG_PATH HF_ENDPOINT HF_TOKEN VRAMFIT_OLLAMA_REGISTRY HF_HUB_OFFLINE XDG_CACHE_HOME XDG_DATA_HOME
  NO_COLOR=1 COLUMNS=100 LC_ALL=C VRAMFIT_OFFLINE=1 VRAMFIT_CACHE_DIR="$tmp/cache" VRAMFIT_DATA_DIR="$tmp/data"
  export NO_COLOR COLUMNS LC_ALL VRAMFIT_OFFLINE VRAMFIT_CACHE_DIR VRAMFIT_DATA_DIR
  while IFS= read -r kv; do
    [ -n "$kv" ] || continue
    export "${kv?}"  # NAME=VALUE: exports NAME
  done <<EOF
$env_lines
EOF
  eval "set -- $args"
  exec "$bin" "$@"
) >"$tmp/out" 2>"$tmp/err"
rc=$?

fail=0
report() { echo "FAIL [$name]: $*"; fail=1; }

echo "case $name: vramfit $args"
[ -n "$env_lines" ] && printf '%s' "$env_lines" | sed 's/^/  env: /'

[ "$rc" = "$exit_want" ] || report "exit code $rc, expected $exit_want"

if [ "$exit_want" = 2 ] || [ "$stderr_given" = 1 ] || [ -n "$stderr_contains" ]; then
  if [ -s "$tmp/out" ]; then
    report "stdout must be empty on error, got:"
    sed 's/^/  | /' "$tmp/out" | head -n 40
  fi
  lines=$(awk 'END { print NR }' "$tmp/err")
  [ "$lines" = 1 ] || report "stderr must be exactly one line, got $lines"
  case $(head -n 1 "$tmp/err") in
    "vramfit: error: "*) ;;
    *) report "stderr does not start with 'vramfit: error: '" ;;
  esac
  if [ "$stderr_given" = 1 ]; then
    printf '%s\n' "$stderr_want" >"$tmp/err.want"
    if ! cmp -s "$tmp/err.want" "$tmp/err"; then
      report "stderr differs (expected line from cases.txt, then actual):"
      diff -u "$tmp/err.want" "$tmp/err" | sed 's/^/  /'
    fi
  fi
  if [ -n "$stderr_contains" ] && ! grep -Fq -- "$stderr_contains" "$tmp/err"; then
    report "stderr does not contain '$stderr_contains'; got:"
    sed 's/^/  | /' "$tmp/err"
  fi
else
  if [ -s "$tmp/err" ]; then
    report "stderr must be empty, got:"
    sed 's/^/  | /' "$tmp/err" | head -n 20
  fi
fi

while IFS= read -r want; do
  [ -n "$want" ] || continue
  grep -Fq -- "$want" "$tmp/out" || report "stdout does not contain '$want'"
done <<EOF
$stdout_contains
EOF
while IFS= read -r unwanted; do
  [ -n "$unwanted" ] || continue
  if grep -Fq -- "$unwanted" "$tmp/out"; then
    report "stdout contains '$unwanted':"
    grep -F -- "$unwanted" "$tmp/out" | sed 's/^/  | /'
  fi
done <<EOF
$stdout_lacks
EOF

if [ "$exit_want" != 2 ]; then
  if [ "$no_golden" = 1 ]; then
    [ -f "$golden" ] && report "no-golden case, but golden/$name.out exists"
  elif [ "${VRAMFIT_UPDATE_GOLDEN:-0}" = 1 ] && [ "$known_bug" = 1 ]; then
    # The golden of a known-bug case is the CORRECT output, written by hand: never overwrite it.
    echo "known-bug case: golden/$name.out not updated (it holds the correct output, written by hand)"
    if [ -f "$golden" ] && ! cmp -s "$golden" "$tmp/out"; then
      report "stdout differs from golden/$name.out:"
      diff -u "$golden" "$tmp/out" | sed 's/^/  /' | head -n 200
    fi
  elif [ "${VRAMFIT_UPDATE_GOLDEN:-0}" = 1 ]; then
    if [ -f "$golden" ] && cmp -s "$golden" "$tmp/out"; then :; else
      mkdir -p "$here/golden"
      cp "$tmp/out" "$golden"
      echo "updated $golden (review it with git diff)"
    fi
  elif [ ! -f "$golden" ]; then
    report "no golden file golden/$name.out; create it with VRAMFIT_UPDATE_GOLDEN=1 ctest -R cli_$name and review it"
  elif ! cmp -s "$golden" "$tmp/out"; then
    report "stdout differs from golden/$name.out:"
    diff -u "$golden" "$tmp/out" | sed 's/^/  /' | head -n 200
  fi
  case " $args " in *" --json "* | *" --format json "* | *" --format=json "*) json=1 ;; esac
  if [ "$json" = 1 ]; then
    if command -v python3 >/dev/null 2>&1; then
      python3 -c '
import json, sys
try:
    doc = json.load(open(sys.argv[1]))
except Exception as e:
    sys.exit("invalid JSON: %s" % e)
if not isinstance(doc, dict) or doc.get("schema_version") != 1:
    sys.exit("JSON lacks \"schema_version\": 1")
if not isinstance(doc.get("kind"), str):
    sys.exit("JSON lacks a string \"kind\"")
' "$tmp/out" || report "JSON check failed"
    else
      echo "note: python3 not found, JSON validity not checked"
    fi
  fi
fi

[ "$fail" = 0 ] && echo "ok"
exit "$fail"
