#!/usr/bin/env bash
# Start a real one-node Slurm on localhost for the `slurm` tests (Debian, root, no systemd).
#   tools/local_slurm/start.sh [--fake-gpus N]      (default 1; 0 = no GPU gres)
# Installs munge + slurmctld + slurmd + slurm-client with apt when missing, writes /etc/slurm/slurm.conf
# (and gres.conf with fake GPU device files, so GPU-requesting jobs can be scheduled; no GPU code runs),
# starts munged, slurmctld and slurmd, records THEIR pids in /run/seq2track-slurm/, and waits until the
# node is idle. No accounting daemon: job status is polled with squeue (MinJobAge=300 keeps finished
# jobs visible). tools/local_slurm/stop.sh stops only the recorded pids.
set -euo pipefail

FAKE_GPUS=1
while [ $# -gt 0 ]; do
  case "$1" in
    --fake-gpus) FAKE_GPUS="$2"; shift ;;
    *) echo "start.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
RUN=/run/seq2track-slurm
say() { echo "[local-slurm] $*"; }
die() { echo "local-slurm: ERROR: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root (it installs packages and starts daemons)"

need=()
for pkg in munge slurmctld slurmd slurm-client; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  say "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

exe_of() { readlink -f "/usr/sbin/$1"; }
runs() {  # runs NAME: our recorded pid is alive and is that daemon
  local f="$RUN/$1.pid" pid exe
  [ -f "$f" ] || return 1
  pid="$(cat "$f")"; [ -d "/proc/$pid" ] || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
  [ "${exe% (deleted)}" = "$(exe_of "$1")" ]
}
record() {  # record NAME PIDFILE: wait for the daemon's own pid file, keep a copy as ours
  for _ in $(seq 1 150); do
    if [ -s "$2" ] && [ -d "/proc/$(cat "$2")" ]; then cp "$2" "$RUN/$1.pid"; say "$1 pid $(cat "$2")"; return 0; fi
    sleep 0.1
  done
  die "$1 did not start (see /var/log/slurm/)"
}

mkdir -p "$RUN" /run/slurm /run/munge /var/log/slurm /var/lib/slurm/slurmctld /var/lib/slurm/slurmd
chown slurm:slurm /run/slurm /var/log/slurm /var/lib/slurm/slurmctld
chown munge:munge /run/munge

HOST="$(hostname -s)"
HW="$(/usr/sbin/slurmd -C | head -1)"
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$HW"; }
MEM=$(( $(field RealMemory) * 9 / 10 ))
GRES=""; TYPES=""
if [ "$FAKE_GPUS" -gt 0 ]; then
  TYPES="GresTypes=gpu"; GRES=" Gres=gpu:$FAKE_GPUS"
  : > /etc/slurm/gres.conf
  for i in $(seq 0 $((FAKE_GPUS - 1))); do
    [ -c "$RUN/gpu$i" ] || mknod "$RUN/gpu$i" c 1 3   # a device file with /dev/null's numbers
    echo "NodeName=$HOST Name=gpu File=$RUN/gpu$i" >> /etc/slurm/gres.conf
  done
else
  rm -f /etc/slurm/gres.conf
fi
CONF="# written by seq2track tools/local_slurm/start.sh
ClusterName=seq2track-local
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
KillWait=5
MinJobAge=300
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/linux
$TYPES
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$(field CPUs) Sockets=$(field SocketsPerBoard) CoresPerSocket=$(field CoresPerSocket) ThreadsPerCore=$(field ThreadsPerCore) RealMemory=$MEM$GRES State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP"
if [ ! -f /etc/slurm/slurm.conf ] || [ "$(cat /etc/slurm/slurm.conf)" != "$CONF" ]; then
  { runs slurmctld || runs slurmd; } && die "slurm.conf would change under a running Slurm: run stop.sh first"
  printf '%s\n' "$CONF" > /etc/slurm/slurm.conf
fi

[ -s /etc/munge/munge.key ] || mungekey --create --keyfile /etc/munge/munge.key
chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
if ! runs munged; then
  [ -f /run/munge/munged.pid ] && [ -d "/proc/$(cat /run/munge/munged.pid)" ] && die "a munged not started by us is running"
  rm -f /run/munge/munged.pid
  runuser -u munge -- /usr/sbin/munged
  record munged /run/munge/munged.pid
fi
if ! runs slurmctld; then
  rm -f /run/slurm/slurmctld.pid
  /usr/sbin/slurmctld
  record slurmctld /run/slurm/slurmctld.pid
fi
if ! runs slurmd; then
  rm -f /run/slurm/slurmd.pid
  /usr/sbin/slurmd
  record slurmd /run/slurm/slurmd.pid
fi

resumed=0
for _ in $(seq 1 600); do
  state="$(sinfo -h -N -n "$HOST" -o '%t' 2>/dev/null | head -1 || true)"
  case "$state" in
    idle|mix|alloc) say "node $HOST is $state"; exit 0 ;;
    drain|drng|down|inval|fail)
      [ "$resumed" = 0 ] && { scontrol update nodename="$HOST" state=resume 2>/dev/null || true; resumed=1; } ;;
  esac
  sleep 0.2
done
die "node $HOST not idle after 120 s (state: ${state:-?})"
