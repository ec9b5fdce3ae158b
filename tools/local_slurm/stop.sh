#!/usr/bin/env bash
# Stop the one-node Slurm that tools/local_slurm/start.sh started: cancel its jobs, then signal only
# the pids it recorded in /run/seq2track-slurm/ (checked against /proc/PID/exe; never by name).
set -uo pipefail
RUN=/run/seq2track-slurm
ours() {
  local f="$RUN/$1.pid" pid exe
  [ -f "$f" ] || return 1
  pid="$(cat "$f")"; [ -d "/proc/$pid" ] || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
  [ "${exe% (deleted)}" = "$(readlink -f "/usr/sbin/$1")" ]
}
alive() { [ -d "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
if ours slurmctld; then
  jobs="$(squeue -h -o %i 2>/dev/null | tr '\n' ' ')"
  if [ -n "${jobs// }" ]; then
    # shellcheck disable=SC2086
    scancel $jobs 2>/dev/null || true
    for _ in $(seq 1 100); do [ -z "$(squeue -h -t running,completing -o %i 2>/dev/null)" ] && break; sleep 0.2; done
  fi
fi
for name in slurmd slurmctld munged; do
  [ -f "$RUN/$name.pid" ] || continue
  pid="$(cat "$RUN/$name.pid")"
  if ours "$name"; then
    kill -TERM "$pid"
    for _ in $(seq 1 150); do alive "$pid" || break; sleep 0.2; done
    alive "$pid" && kill -KILL "$pid"
    echo "[local-slurm] stopped $name ($pid)"
  fi
  rm -f "$RUN/$name.pid"
done
exit 0
