#!/usr/bin/env bash
# The layering rule of docs/architecture.md: includes point down,
#   cli -> engine -> {catalog, formats} -> base -> core (include/vramfit),
# catalog and formats never include each other, and the engine knows no command line, JSON output or
# terminal. Every `#include "..."` of src/ is checked; a violation prints FILE:LINE and fails.
#   check_layers.sh SRC_DIR
set -u
src=${1:?usage: check_layers.sh SRC_DIR}
status=0
allowed() {  # allowed LAYER TARGET_LAYER
  case "$1:$2" in
    base:base|base:vramfit) return 0 ;;
    catalog:catalog|catalog:base|catalog:vramfit) return 0 ;;
    formats:formats|formats:base|formats:vramfit) return 0 ;;
    engine:engine|engine:catalog|engine:formats|engine:base|engine:vramfit) return 0 ;;
    cli:*) return 0 ;;
  esac
  return 1
}
for layer in base catalog formats engine cli; do
  [ -d "$src/$layer" ] || { echo "missing layer directory $src/$layer"; status=1; continue; }
  while IFS=: read -r file line text; do
    target=$(printf '%s' "$text" | sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z_]*\)\/.*/\1/p')
    [ -n "$target" ] || continue
    if ! allowed "$layer" "$target"; then
      echo "$file:$line: $layer includes $target (${text#*#}): includes must point down (docs/architecture.md)"
      status=1
    fi
  done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' -r "$src/$layer" --include='*.hpp' --include='*.cpp')
done
# The engine answers; it does not parse a command line, write JSON or print.
while IFS= read -r hit; do
  echo "$hit: the engine must not use a command line, JSON output or a terminal (docs/architecture.md)"
  status=1
done < <(grep -nE '#[[:space:]]*include[[:space:]]*<(CLI/|nlohmann/|iostream)|std::cout|std::cerr|fmt::print|(^|[^a-z_])printf\(' -r "$src/engine")
[ $status -eq 0 ] && echo "layers point down: $(find "$src" -name '*.[ch]pp' | wc -l) files checked"
exit $status
