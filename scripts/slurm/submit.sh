#!/bin/bash
# Submits a sharded trace and its merge: N array tasks, then the merge once all of them succeeded
# (--dependency=afterok). Usage:
#   MODEL=… CORPUS=… OUT_DIR=… TRACE_ARGS="--split devtest" scripts/slurm/submit.sh N [extra sbatch options]
set -euo pipefail
N=${1:?usage: submit.sh N [sbatch options…]}
shift
here=$(cd "$(dirname "$0")" && pwd)
export SHARDS=$N
array=$(sbatch --parsable --array="1-$N" --export=ALL "$@" "$here/trace-array.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable --dependency="afterok:$array" --export=ALL "$here/merge.sbatch")
echo "trace array job $array (shards 1-$N), merge job $merge (after all shards succeed)"
