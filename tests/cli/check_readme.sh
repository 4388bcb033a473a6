#!/bin/sh
# check_readme.sh README.md CASES_FILE
# Every `vramfit ...` command line inside a ```sh block of README.md must be the `args` line of a
# case in cases.txt (same words, same order), so that each README example is a golden test.
set -u
readme=$1
cases=$2

awk '
  /^```sh[ \t]*$/ { inblock = 1; next }
  /^```/ { inblock = 0; next }
  inblock && /^[ \t]*vramfit[ \t]/ {
    line = $0
    sub(/^[ \t]*vramfit[ \t]+/, "", line)
    sub(/[ \t]+#.*$/, "", line)     # trailing shell comment
    sub(/[ \t]+$/, "", line)
    gsub(/[ \t]+/, " ", line)
    print line
  }' "$readme" >"${TMPDIR:-/tmp}/vramfit-readme.$$"

awk '/^args[ \t]/ { line = $0; sub(/^args[ \t]+/, "", line); sub(/[ \t]+$/, "", line); gsub(/[ \t]+/, " ", line); print line }' \
  "$cases" >"${TMPDIR:-/tmp}/vramfit-cases.$$"

n=0
missing=0
while IFS= read -r ex; do
  n=$((n + 1))
  if ! grep -Fqx -- "$ex" "${TMPDIR:-/tmp}/vramfit-cases.$$"; then
    echo "README example not in cases.txt: vramfit $ex"
    missing=$((missing + 1))
  fi
done <"${TMPDIR:-/tmp}/vramfit-readme.$$"
rm -f "${TMPDIR:-/tmp}/vramfit-readme.$$" "${TMPDIR:-/tmp}/vramfit-cases.$$"

if [ "$n" = 0 ]; then
  echo "no 'vramfit ...' lines found in the sh blocks of $readme (did the README format change?)"
  exit 1
fi
echo "$n README example(s), $missing missing from cases.txt"
[ "$missing" = 0 ]
