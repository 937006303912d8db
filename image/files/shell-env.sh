# warpdrive: gives a shell that warpdrive did not start (`podman exec C bash`,
# `oc rsh POD`) the application's deploy environment, the one `warpdrive
# shell` gives. The builder image points BASH_ENV (non-interactive bash),
# ENV (interactive sh) and PROMPT_COMMAND (interactive bash) at this file.
#
# It runs `warpdrive env` once: afterwards WARPDRIVE_PHASE is set, and
# processes that warpdrive started (hooks, servers) have it already, so they
# skip it. Nothing is applied during an S2I build (the sources are still at
# /tmp/src then), because the build environment belongs to assemble.
if [ -z "${WARPDRIVE_PHASE-}" ] && [ ! -d /tmp/src ] && command -v warpdrive >/dev/null 2>&1; then
  if __warpdrive_env=$(warpdrive env); then
    eval "$__warpdrive_env"
    case $- in
      *i*)
        # The shell looked its user name up before this ran ("I have no
        # name!" under an arbitrary UID); the prompt uses the name now known.
        if [ -n "${BASH_VERSION-}" ]; then
          PS1="$(id -un 2>/dev/null || id -u)@\\h:\\w\\$ "
        else
          PS1="$(id -un 2>/dev/null || id -u)\$ "
        fi
        ;;
    esac
  fi
  unset __warpdrive_env
fi
# Once is enough for an interactive bash.
if [ "${PROMPT_COMMAND-}" = ". /usr/local/share/warpdrive/shell-env.sh" ]; then
  unset PROMPT_COMMAND
fi
