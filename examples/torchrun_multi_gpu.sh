#!/usr/bin/env bash
# A search on 4 GPUs of one machine with DistributedDataParallel, launched by torchrun.
#
# Every process runs `python -m nasiam_dsl.cli search`; each takes batch-size / 4 images
# per step, weights and architecture parameters stay identical across processes (DDP
# averages their gradients), and rank 0 alone writes the run directory. The global batch
# and the lr therefore mean what they mean on one GPU: this is the CIFAR-10 seed recipe
# (cifar10_seed_recipe.sh) spread over 4 GPUs. Use --download once on one process first
# (or a prepared --data-dir): 4 processes must not download at the same time.
#
# --sync-bn: every BatchNorm (backbone, heads, narrowed widths and fused candidates) takes its
# batch statistics over all 4 processes, so a step computes what one GPU would on the whole
# batch (the default under torchrun for every framework but mocov2, written out here).
# --precision auto: bf16 where the GPU has it, else fp16 with loss scaling (docs/scale.md).
#
#   bash examples/torchrun_multi_gpu.sh
#   GPUS=8 bash examples/torchrun_multi_gpu.sh --epochs 50
#   TORCHRUN=python bash examples/torchrun_multi_gpu.sh --print-config   # one process, no GPU
set -euo pipefail

GPUS=${GPUS:-4}
TORCHRUN=${TORCHRUN:-torchrun --standalone --nproc_per_node $GPUS}
SPACES=${SPACES:-$(dirname "$0")/../spaces}
DATA_DIR=${DATA_DIR:-data}

$TORCHRUN -m nasiam_dsl.cli search "$SPACES/nasiam.nas" \
  --framework simsiam \
  --dataset cifar10 --data-dir "$DATA_DIR" --workers 4 \
  --backbone cifar_resnet18 \
  --epochs 100 --batch-size 512 --lr 0.06 --weight-decay 5e-4 \
  --arch-lr 1e-3 --arch-weight-decay 1e-3 \
  --sync-bn --precision auto \
  --name cifar10-ddp-${GPUS}gpu \
  "$@"
