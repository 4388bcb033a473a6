#!/bin/sh
# check_goldens.sh CASES_FILE GOLDEN_DIR: no golden file without a case (renamed or deleted cases
# leave stale goldens behind otherwise).
set -u
cases=$1
dir=$2
stale=0
for f in "$dir"/*.out; do
  [ -e "$f" ] || continue
  name=$(basename "$f" .out)
  if ! grep -Eq "^case[[:space:]]+${name}[[:space:]]*\$" "$cases"; then
    echo "stale golden file without a case: $f"
    stale=1
  fi
done
exit "$stale"
