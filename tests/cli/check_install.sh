#!/bin/sh
# cmake --install into a scratch prefix: the binary runs, the man page has a section for every command
# the binary lists, the three completion scripts sit where bash-completion, fish and zsh users look, and the
# JSON Schemas (data/schema) are in share/vramfit/schema.
# Usage: check_install.sh BUILD_DIR CMAKE
set -u
build=$1
cmake=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
"$cmake" --install "$build" --prefix "$prefix" >/dev/null || { echo "FAIL: cmake --install"; exit 1; }
fail=0
"$prefix/bin/vramfit" --version | grep -q '^vramfit ' || { echo "FAIL: installed vramfit --version"; fail=1; }
man="$prefix/share/man/man1/vramfit.1"
[ -s "$man" ] || { echo "FAIL: no man page at $man"; exit 1; }
head -1 "$man" | grep -q '^\.TH VRAMFIT 1' || { echo "FAIL: the man page does not start with .TH VRAMFIT 1"; fail=1; }
for cmd in $("$prefix/bin/vramfit" --help | sed -n '/^Subcommands:/,/^$/p' | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'); do
  grep -q "^\.SS $cmd\$" "$man" || { echo "FAIL: the man page has no section for $cmd"; fail=1; }
done
grep -q -- '--device' "$man" || { echo "FAIL: the man page does not list --device"; fail=1; }
[ -s "$prefix/share/bash-completion/completions/vramfit" ] || { echo "FAIL: no bash completion"; fail=1; }
[ -s "$prefix/share/fish/vendor_completions.d/vramfit.fish" ] || { echo "FAIL: no fish completion"; fail=1; }
[ -s "$prefix/share/vramfit/vramfit.zsh" ] || { echo "FAIL: no zsh completion"; fail=1; }
schema="$prefix/share/vramfit/schema"
for f in vramfit.schema.json common.schema.json fit.schema.json catalog.schema.json models.yaml.schema.json devices.yaml.schema.json; do
  [ -s "$schema/$f" ] || { echo "FAIL: no $f in $schema"; fail=1; }
done
grep -q 'complete -F _vramfit vramfit' "$prefix/share/bash-completion/completions/vramfit" || { echo "FAIL: bash completion content"; fail=1; }
[ $fail -eq 0 ] && echo "install: binary, man page ($(grep -c '^\.SS' "$man") commands), completions and $(ls "$schema" | wc -l) schemas in place"
exit $fail
