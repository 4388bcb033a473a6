#!/usr/bin/env bash
# vramfit completion bash, sourced into a real bash and asked for completions as the shell would
# (COMP_WORDS / COMP_CWORD, then the _vramfit function); zsh and fish scripts are syntax-checked where
# those shells are installed. Usage: check_completion.sh VRAMFIT
set -u
vramfit=$1
fail=0
script=$("$vramfit" completion bash) || { echo "FAIL: vramfit completion bash exited $?"; exit 1; }
eval "$script"

# expect WORD... -- the completion of the last word must contain WANT (or, with !WANT, must not).
expect() {
  local want=$1
  shift
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _vramfit
  local got=" ${COMPREPLY[*]} "
  if [[ $want == !* ]]; then
    [[ $got != *" ${want#!} "* ]] || { echo "FAIL: '${COMP_WORDS[*]}' offers ${want#!}"; fail=1; }
  else
    [[ $got == *" $want "* ]] || { echo "FAIL: '${COMP_WORDS[*]}' -> [${COMPREPLY[*]}], expected $want"; fail=1; }
  fi
}

expect fit vramfit fi
expect finetune vramfit fi
expect what-fits vramfit wh
expect --json vramfit --js
expect fit vramfit --format json fi                 # a global option's value is not the command
expect --device vramfit fit llama-3.1-8b --dev
expect --max-context vramfit fit llama-3.1-8b --max-c
expect --format vramfit fit llama-3.1-8b --for        # global options after the command
expect rtx-4090 vramfit fit llama-3.1-8b --device rtx-409
expect !llama-3.1-8b vramfit fit llama-3.1-8b --device l
expect Q4_K_M vramfit fit llama-3.1-8b -q Q4_K
expect llama-3.1-8b vramfit fit llama-3.1-
expect qwen3-30b-a3b vramfit estimate qwen3-30b
expect rtx-4090 vramfit what-fits rtx-40
expect devices vramfit list dev
expect json vramfit fit x --format j
expect --grad-ckpt vramfit finetune llama-3.1-8b --grad
expect !--grad-ckpt vramfit fit llama-3.1-8b --grad   # another command's option
expect fish vramfit completion fi

if command -v zsh >/dev/null; then
  "$vramfit" completion zsh | zsh -n || { echo "FAIL: the zsh script does not parse"; fail=1; }
else
  echo "note: zsh not installed: its script is not syntax-checked"
fi
if command -v fish >/dev/null; then
  "$vramfit" completion fish | fish --no-execute || { echo "FAIL: the fish script does not parse"; fail=1; }
else
  echo "note: fish not installed: its script is not syntax-checked"
fi
"$vramfit" completion fish | grep -q "^complete -c vramfit -n '__fish_seen_subcommand_from fit' -l device -xa '.*rtx-4090" ||
  { echo "FAIL: the fish script does not complete fit --device with device ids"; fail=1; }
[ $fail -eq 0 ] && echo "completion: all checks passed"
exit $fail
