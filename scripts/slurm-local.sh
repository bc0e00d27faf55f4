#!/usr/bin/env bash
# A throwaway one-node Slurm cluster on this machine, for trying the examples in examples/slurm/ and for the
# test that runs them.
#
#   scripts/slurm-local.sh -- COMMAND [ARGS...]   start the cluster, run COMMAND (with SLURM_CONF exported), stop it;
#                                                 `-- bash` gives a shell with the cluster up until it exits
#   scripts/slurm-local.sh                        start the cluster and keep it up until standard input closes
#                                                 (Ctrl-D or Ctrl-C); it prints the `export SLURM_CONF=...` line
#                                                 to paste into another shell
#
# It installs Debian's slurm-wlm and munge when they are missing, writes a configuration under a temporary
# directory (or $SLURM_LOCAL_DIR, which is then left in place with the daemons' logs), starts munged, slurmctld
# and slurmd in the foreground as its own children, and on exit (success, failure, Ctrl-C, SIGTERM) cancels the
# cluster's jobs and stops exactly the processes it started, by pid. The daemons also get SIGTERM should this
# script be killed outright. The pids are listed in daemons.pid in that directory.
#
# Needs root (the daemons run as root; use sudo). Exits with 77 and says why when this machine cannot run the
# daemons (not root, or Slurm missing and no apt-get), otherwise with COMMAND's exit status.
set -euo pipefail

say() { echo "slurm-local: $*" >&2; }
cannot() {
  say "cannot run Slurm here: $*"
  exit 77
}

if [[ ${1:-} == "-h" || ${1:-} == "--help" ]]; then
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
[[ ${1:-} == "--" ]] && shift

[[ $(id -u) -eq 0 ]] || cannot "the daemons run as root; run it as root (e.g. with sudo)"

install_missing() {
  local need=()
  command -v slurmctld >/dev/null 2>&1 && command -v slurmd >/dev/null 2>&1 && command -v sbatch >/dev/null 2>&1 || need+=(slurm-wlm)
  command -v munged >/dev/null 2>&1 || need+=(munge)
  [[ ${#need[@]} -eq 0 ]] && return 0
  command -v apt-get >/dev/null 2>&1 || cannot "${need[*]} missing and no apt-get to install them"
  say "installing ${need[*]}"
  # Keep the packages' own services from starting: this script starts the daemons it needs itself.
  local policy=/usr/sbin/policy-rc.d added=""
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    added=1
  fi
  local status=0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"; } >/dev/null || status=$?
  [[ -n $added ]] && rm -f "$policy"
  [[ $status -eq 0 ]] || { say "apt-get install ${need[*]} failed ($status)"; exit 1; }
}
install_missing

# Two TCP ports nobody listens on (state 0A in /proc/net/tcp*), so this cluster never meets another one.
listening=" "
while read -r _ local _ st _; do
  [[ $st == 0A ]] && listening+="$((16#${local##*:})) "
done < <(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null)
free_port() {
  local port
  for _ in $(seq 200); do
    port=$((20000 + RANDOM % 20000))
    [[ $listening == *" $port "* || $port -eq ${1:-0} ]] || { echo "$port"; return 0; }
  done
  say "no free TCP port found"
  exit 1
}
ctld_port=$(free_port)
slurmd_port=$(free_port "$ctld_port")

if [[ -n ${SLURM_LOCAL_DIR:-} ]]; then
  dir=$(realpath -m "$SLURM_LOCAL_DIR")
  keep=1
else
  dir=$(mktemp -d -t slurm-local.XXXXXX)
  keep=""
fi
mkdir -p "$dir"/{munge,state,spool}
chmod 700 "$dir" "$dir/munge"
node=$(hostname -s)
cpus=$(nproc)

# munged refuses a key readable by others. Slurm finds this munged through AuthInfo's socket, so neither
# /run/munge nor the system's key is used or needed.
if command -v mungekey >/dev/null 2>&1; then
  mungekey --create --keyfile="$dir/munge/munge.key" --force
else
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
fi
chmod 600 "$dir/munge/munge.key"

cat >"$dir/slurm.conf" <<EOF
# One node ($node, $cpus CPUs) on 127.0.0.1; written by scripts/slurm-local.sh.
ClusterName=losslab-local
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.log
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
KillWait=10
MinJobAge=600
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$dir/slurm.conf

pids=()
names=()
stopped=""
stop() {
  local status=$?
  [[ -n $stopped ]] && return
  stopped=1
  trap - EXIT INT TERM HUP
  if [[ ${#pids[@]} -gt 0 ]]; then
    # Jobs first (their slurmstepd outlives slurmd otherwise), while slurmctld and slurmd can still end them.
    if [[ ${#pids[@]} -ge 2 ]] && kill -0 "${pids[1]}" 2>/dev/null && [[ -n $(squeue -h -o %i 2>/dev/null) ]]; then
      say "cancelling the cluster's jobs"
      squeue -h -o %i 2>/dev/null | xargs -r scancel 2>/dev/null || true
      for _ in $(seq 60); do
        [[ -z $(squeue -h -o %i 2>/dev/null) ]] && break
        sleep 0.5
      done
    fi
    local i
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
      # munged last: slurmd and slurmctld authenticate through it while they shut down.
      kill -TERM "${pids[i]}" 2>/dev/null || true
      for _ in $(seq 100); do
        kill -0 "${pids[i]}" 2>/dev/null || break
        sleep 0.1
      done
      kill -KILL "${pids[i]}" 2>/dev/null || true
      wait "${pids[i]}" 2>/dev/null || true
    done
    # A job step's slurmstepd inherits the marker below from slurmd; none may outlive the cluster.
    local proc
    for proc in /proc/[0-9]*; do
      if grep -qzxF "LOSSLAB_SLURM_LOCAL=$dir" "$proc/environ" 2>/dev/null; then
        say "stopping leftover ${proc#/proc/} ($(cat "$proc/comm" 2>/dev/null))"
        kill -KILL "${proc#/proc/}" 2>/dev/null || true
      fi
    done
    say "stopped ${names[*]}"
  fi
  [[ -n $keep ]] || rm -rf "$dir"
  exit "$status"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

start() {
  local name=$1
  shift
  # setsid: a Ctrl-C at the terminal reaches this script, which stops the daemons in order, not the daemons.
  # Their own log files say more; the console catches what fails before those are open.
  LOSSLAB_SLURM_LOCAL=$dir setpriv --pdeathsig TERM -- setsid -- "$@" </dev/null >"$dir/$name.console" 2>&1 &
  pids+=("$!")
  names+=("$name")
  echo "$name $!" >>"$dir/daemons.pid"
}
: >"$dir/daemons.pid"
start munged munged --foreground --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed"
for _ in $(seq 100); do
  [[ -S $dir/munge/munge.socket ]] && break
  kill -0 "${pids[0]}" 2>/dev/null || { say "munged exited:"; tail -n 20 "$dir/munged.console" >&2; exit 1; }
  sleep 0.1
done
start slurmctld slurmctld -D -i -f "$SLURM_CONF"
start slurmd slurmd -D -f "$SLURM_CONF" -N "$node"

# Up when the node is idle (slurmd registered with slurmctld).
state=""
for _ in $(seq 120); do
  for i in 0 1 2; do
    kill -0 "${pids[i]}" 2>/dev/null && continue
    say "${names[i]} exited; the end of its log:"
    tail -n 20 "$dir/${names[i]}.console" >&2 || true
    exit 1
  done
  state=$(sinfo -h -n "$node" -o %T 2>/dev/null || true)
  [[ $state == idle* ]] && break
  sleep 0.5
done
[[ $state == idle* ]] || { say "node $node not idle after 60 s (state '${state}')"; tail -n 20 "$dir/slurmctld.log" >&2; exit 1; }
say "up: node $node, $cpus CPUs, partition local; munged ${pids[0]}, slurmctld ${pids[1]}, slurmd ${pids[2]}; files in $dir"

if [[ $# -gt 0 ]]; then
  status=0
  "$@" || status=$?
  exit "$status"
fi
echo "export SLURM_CONF=$SLURM_CONF"
say "paste the line above into another shell to use sbatch/squeue/scancel; Ctrl-D or Ctrl-C here stops the cluster"
while read -r _; do :; done
