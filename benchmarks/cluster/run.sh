#!/usr/bin/env bash
# Runs per hour of one fixed compare (9 runs) in-process at --parallel 1 and 2, and on the cluster: one silo with one
# slot, and two silos with one slot each, on this machine (Redis on a free loopback port). Writes results.tsv and each
# configuration's compare.json under OUT (default /tmp/gflownet-cluster-bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/gflownet-cluster-bench}
GFLOWNET=${GFLOWNET:-"dotnet src/GFlowNetML.Cli/bin/Debug/net10.0/linux-x64/gflownet.dll"}
REDIS=$(command -v redis-server || echo "$HOME/.cache/gflownetml/redis-debian/root/usr/bin/redis-server")
export LD_LIBRARY_PATH="$(dirname "$REDIS")/../lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
ARGS=(--env hypergrid --ndim 2 --height 8 --methods tb,db,rl-u --seeds 3 --iterations 200 --batch-size 32 --eval-every 50)
rm -rf "$OUT"; mkdir -p "$OUT"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
timed() { local start end; start=$(date +%s.%N); "$@" > "$OUT/last.log" 2>&1; end=$(date +%s.%N); echo "$end - $start" | bc; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
printf 'configuration\tseconds\truns_per_hour\n' > "$OUT/results.tsv"
record() { printf '%s\t%.1f\t%.0f\n' "$1" "$2" "$(echo "9 * 3600 / $2" | bc -l)" | tee -a "$OUT/results.tsv"; }

record "in-process, --parallel 1" "$(timed $GFLOWNET compare "${ARGS[@]}" --out "$OUT/p1")"
record "in-process, --parallel 2" "$(timed $GFLOWNET compare "${ARGS[@]}" --parallel 2 --out "$OUT/p2")"

port=$(free_port)
"$REDIS" --port "$port" --bind 127.0.0.1 --save '' --appendonly no > "$OUT/redis.log" 2>&1 & pids+=($!)
sleep 1
start_silo() { $GFLOWNET silo --cluster "redis://127.0.0.1:$port" --slots 1 --port "$(free_port)" --gateway-port "$(free_port)" > "$OUT/silo-$1.log" 2>&1 & pids+=($!);
  until grep -q "silo joined" "$OUT/silo-$1.log"; do sleep 0.2; done; }
start_silo a
record "cluster, 1 silo x 1 slot" "$(timed $GFLOWNET compare "${ARGS[@]}" --cluster "redis://127.0.0.1:$port" --out "$OUT/c1")"
start_silo b
record "cluster, 2 silos x 1 slot" "$(timed $GFLOWNET compare "${ARGS[@]}" --cluster "redis://127.0.0.1:$port" --out "$OUT/c2")"
