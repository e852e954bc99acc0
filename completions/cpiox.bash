# bash completion for cpiox (zsh has its own: completions/_cpiox).
# A command's options are read from its own --help, so they never drift from the program.
_cpiox() {
  local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]}
  if [[ $COMP_CWORD -eq 1 ]]; then
    mapfile -t COMPREPLY < <(compgen -W "extract list examine verify diff create bench serve worker --help --version" -- "$cur")
    return
  fi
  if [[ $cur == -* ]]; then
    local opts
    opts=$(cpiox "$cmd" --help 2>/dev/null | grep -oE -- '--[a-z0-9-]+' | sort -u)
    mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
    return
  fi
  mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}
complete -o filenames -o bashdefault -F _cpiox cpiox
