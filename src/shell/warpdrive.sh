# The `warpdrive` shell function, for bash.
#
# `warpdrive rcfile` writes this file (with a first line that sets
# _warpdrive_program to the binary that wrote it) and prints its path;
# `warpdrive profile` prints the lines that source it from ~/.bash_profile.
#
# A program cannot change the shell it was started from, so the two commands
# that must do so are done here: `warpdrive project NAME` evaluates what
# `warpdrive activate NAME` prints, and `warpdrive deactivate` gives back the
# values that code saved. Every other word goes to the binary unchanged.
#
# State this shell keeps (never exported):
#   _warpdrive_active      the active project's name; unset when none is
#   _warpdrive_saved       the names of the variables activation changed
#   _warpdrive_old_NAME    NAME's value before the first activation; unset
#                          when NAME was unset then
#
# shellcheck shell=bash disable=SC2154 # _warpdrive_program and _warpdrive_saved are set elsewhere (see above)

warpdrive() {
  case "${1-}" in
    project)
      shift
      _warpdrive_project "$@"
      ;;
    deactivate)
      shift
      _warpdrive_deactivate "$@"
      ;;
    *)
      "$_warpdrive_program" "$@"
      ;;
  esac
}

# warpdrive project [--create] [--python PYTHON] [--system-site-packages] [NAME]
# warpdrive project --list
_warpdrive_project() {
  local arg skip='' help='' names=0 rest='' code
  for arg in "$@"; do
    if [ -n "$skip" ]; then
      skip=''
      continue
    fi
    if [ -n "$rest" ]; then # after --, every word is a name
      names=$((names + 1))
      continue
    fi
    case $arg in
      --) rest=1 ;;
      -h | --help | --list) help=1 ;;
      --python) skip=1 ;; # its value is not a project name
      -*) ;;
      *) names=$((names + 1)) ;;
    esac
  done
  # Listing the projects and printing the help change nothing in this shell.
  if [ -n "$help" ]; then
    "$_warpdrive_program" project "$@"
    return
  fi
  # Without a name: the project `default`, as in the original.
  if [ "$names" -eq 0 ]; then
    set -- "$@" default
  fi
  code=$("$_warpdrive_program" activate "$@") || return
  eval "$code"
}

# warpdrive deactivate
_warpdrive_deactivate() {
  local name
  if [ $# -gt 0 ]; then
    # --help, or arguments the binary refuses.
    "$_warpdrive_program" deactivate "$@"
    return
  fi
  if [ -z "${_warpdrive_active-}" ]; then
    echo "warpdrive: error: no warpdrive project is active in this shell" >&2
    return 1
  fi
  for name in $_warpdrive_saved; do
    _warpdrive_restore "$name"
  done
  unset _warpdrive_active _warpdrive_saved
  hash -r 2>/dev/null
  return 0
}

# Gives variable $1 back the value saved in _warpdrive_old_$1, or unsets it
# when it was unset. $1 is one of the fixed names activation lists.
_warpdrive_restore() {
  if eval "[ -n \"\${_warpdrive_old_$1+set}\" ]"; then
    eval "$1=\$_warpdrive_old_$1"
  else
    unset "$1"
  fi
  unset "_warpdrive_old_$1"
}
