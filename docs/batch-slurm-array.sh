#!/bin/bash
# gifsmith batch as a Slurm job array over a shared file system.
#
#   sbatch docs/batch-slurm-array.sh /shared/videos /shared/gifs
#
# Slurm sets SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT; gifsmith takes the shard index
# relative to SLURM_ARRAY_TASK_MIN, so --array=0-15 and --array=1-16 both work. Each task writes
# its own journal; resubmitting the same array (or one task: sbatch --array=7 ...) resumes and
# converts only what is missing or changed.
#SBATCH --job-name=gifsmith
#SBATCH --array=0-15
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=04:00:00
#SBATCH --output=gifsmith-%A_%a.log
#SBATCH --signal=B:TERM@60        # SIGTERM a minute before the limit: running items are abandoned cleanly

set -u
IN=${1:?input folder}
OUT=${2:?output folder}
# exec, so that SIGTERM reaches gifsmith; exit 65 (some inputs bad) is reported, not retried.
exec gifsmith batch "$IN" -o "$OUT" --width 480 --jobs "${SLURM_CPUS_PER_TASK:-2}" --json
