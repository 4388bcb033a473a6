#!/usr/bin/env bash
# Bad inputs that cannot be checked in as files: FIFOs, links to devices, symlink loops, a directory
# where a file belongs, a 1 GB sparse file, 100-200 KB ids and arguments, a stdout that cannot be
# written. Each case builds its input in a fresh temporary directory and runs the CLI under a 30 s
# guard (a hang is a failure, not a stuck test run); the contract is that of docs/errors.md: exit 2,
# nothing on stdout, exactly one stderr line, starting "vramfit: error: " and holding the expected
# text. Every case failed before issue 16 (a crash, a hang, unbounded memory or a silent success).
#   special_inputs.sh VRAMFIT CASE        (run from tests/cli/, as the golden cases are)
set -u
bin=$1
name=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vramfit-special.XXXXXX")
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
fixtures=$(pwd)/fixtures
# No network: a remote reference would answer from this empty cache, offline.
export VRAMFIT_OFFLINE=1 VRAMFIT_CACHE_DIR="$tmp/cache"
unset HF_ENDPOINT HF_TOKEN VRAMFIT_OLLAMA_REGISTRY

# A string of N copies of one character (ids and arguments far past every limit).
repeat() { head -c "$2" /dev/zero | tr '\0' "$1"; }

stdout_to=$tmp/stdout
expect=""
args=()
case $name in
  fifo_validate_log)
    mkfifo "$tmp/run.log"
    args=(validate "$tmp/run.log")
    expect="$tmp/run.log: cannot read the log: it is a FIFO (named pipe), not a regular file" ;;
  fifo_catalog_models_yaml)
    mkdir "$tmp/cat" && mkfifo "$tmp/cat/models.yaml"
    args=(--catalog-dir "$tmp/cat" list models)
    expect="$tmp/cat/models.yaml: cannot read models.yaml: it is a FIFO (named pipe), not a regular file" ;;
  fifo_detect_recording)
    cp -r "$fixtures/detect/desktop-4090" "$tmp/rec" && rm "$tmp/rec/meminfo.txt" && mkfifo "$tmp/rec/meminfo.txt"
    args=(detect --from "$tmp/rec")
    expect="$tmp/rec/meminfo.txt: cannot read meminfo.txt: it is a FIFO (named pipe), not a regular file" ;;
  fifo_config_json)
    mkfifo "$tmp/config.json"
    args=(estimate "$tmp/config.json")
    expect="$tmp/config.json: cannot read config.json: it is a FIFO (named pipe), not a regular file" ;;
  fifo_safetensors_shard)
    mkdir "$tmp/model" && cp "$fixtures/hf/against_ok/llama-3.1-8b/config.json" "$tmp/model/" && mkfifo "$tmp/model/model.safetensors"
    args=(estimate "$tmp/model")
    expect="$tmp/model/model.safetensors: cannot read safetensors file: it is a FIFO (named pipe), not a regular file" ;;
  devzero_catalog_models_yaml)
    mkdir "$tmp/cat" && ln -s /dev/zero "$tmp/cat/models.yaml"
    args=(--catalog-dir "$tmp/cat" list models)
    expect="$tmp/cat/models.yaml: cannot read models.yaml: it is a device, not a regular file" ;;
  sparse_1gb_models_yaml)
    mkdir "$tmp/cat" && truncate -s 1G "$tmp/cat/models.yaml"
    args=(--catalog-dir "$tmp/cat" list models)
    expect="$tmp/cat/models.yaml: models.yaml is 1073741824 bytes, more than the 64 MiB limit" ;;
  symlink_loop_models_yaml)
    mkdir "$tmp/cat" && ln -s models.yaml "$tmp/cat/models.yaml"
    args=(--catalog-dir "$tmp/cat" list models)
    expect="$tmp/cat/models.yaml: cannot read models.yaml: too many levels of symbolic links (a symlink loop?)" ;;
  directory_as_models_yaml)
    mkdir -p "$tmp/cat/models.yaml"
    args=(--catalog-dir "$tmp/cat" list models)
    expect="$tmp/cat/models.yaml: cannot read models.yaml: it is a directory, not a file" ;;
  unreadable_catalog_dir)
    # Root reads any directory: nothing to test there (CTest counts exit 77 as skipped).
    [ "$(id -u)" = 0 ] && { echo "skipped: running as root"; exit 77; }
    mkdir "$tmp/cat" && cp "$fixtures/extra/devices.yaml" "$tmp/cat/" && chmod 000 "$tmp/cat"
    args=(--catalog-dir "$tmp/cat" list devices)
    expect="$tmp/cat/devices.yaml: cannot look it up: permission denied" ;;
  device_argument_100k)
    args=(fit llama-3.1-8b --device "$(repeat a 100000)")
    expect="unknown device '$(repeat a 80)...' (100000 bytes); see 'vramfit list devices'" ;;
  device_count_argument_100k)
    args=(fit llama-3.1-8b --device "rtx-4090x$(repeat 9 100000)")
    expect="invalid device count in 'rtx-4090x$(repeat 9 71)...' (100009 bytes)" ;;
  import_id_100k)
    args=(import "$fixtures/hf/against_ok/llama-3.1-8b" --id "$(repeat a 100000)")
    expect="--id '$(repeat a 80)...' (100000 bytes) is not a valid id" ;;
  models_yaml_id_200k)
    mkdir "$tmp/cat" && { printf 'schema_version: 1\nmodels:\n- id: '; repeat a 200000; printf '\n'; } > "$tmp/cat/models.yaml"
    args=(--catalog-dir "$tmp/cat" list models)
    expect="$tmp/cat/models.yaml:3:7: 'id': '$(repeat a 80)...' (200000 bytes) is not a valid id" ;;
  devices_yaml_id_200k)
    mkdir "$tmp/cat" && { printf 'schema_version: 1\ndevices:\n- id: '; repeat b 200000; printf '\n'; } > "$tmp/cat/devices.yaml"
    args=(--catalog-dir "$tmp/cat" list devices)
    expect="$tmp/cat/devices.yaml:3:7: 'id': '$(repeat b 80)...' (200000 bytes) is not a valid id" ;;
  ollama_yaml_name_200k)
    mkdir "$tmp/cat" && { printf 'schema_version: 1\nollama:\n- name: '; repeat c 200000; printf '\n  tags: {8b: llama-3.1-8b}\n'; } > "$tmp/cat/ollama.yaml"
    args=(--catalog-dir "$tmp/cat" list ollama)
    expect="is not a lower-case Ollama name" ;;
  stdout_full)
    [ -w /dev/full ] || { echo "skipped: no /dev/full"; exit 77; }
    stdout_to=/dev/full
    args=(list models)
    expect="cannot write the output: No space left on device" ;;
  stdout_closed)
    stdout_to=closed
    args=(list models)
    expect="cannot write the output: Bad file descriptor" ;;
  *) echo "unknown case '$name'" >&2; exit 1 ;;
esac

if [ "$stdout_to" = closed ]; then
  timeout 30 "$bin" "${args[@]}" 2>"$tmp/stderr" >&-
else
  timeout 30 "$bin" "${args[@]}" 2>"$tmp/stderr" >"$stdout_to"
fi
code=$?
fail() { echo "FAIL $name: $*"; echo "--- stderr (first 300 bytes):"; head -c 300 "$tmp/stderr"; echo; exit 1; }
[ $code -eq 124 ] && fail "hung (killed after 30 s)"
[ $code -eq 2 ] || fail "exit $code, expected 2"
if [ "$stdout_to" = "$tmp/stdout" ] && [ -s "$tmp/stdout" ]; then fail "stdout is not empty"; fi
[ "$(wc -l < "$tmp/stderr")" -eq 1 ] || fail "stderr has $(wc -l < "$tmp/stderr") lines, expected 1"
line=$(cat "$tmp/stderr")
case $line in "vramfit: error: "*) ;; *) fail "stderr does not start with 'vramfit: error: '" ;; esac
case $line in *"$expect"*) ;; *) fail "stderr lacks: $expect" ;; esac
[ ${#line} -le 4096 ] || fail "the error line is ${#line} bytes long"
echo "ok $name"
