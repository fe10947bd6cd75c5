#!/usr/bin/env bash
# The NASiam seed's CIFAR-10 search, as nasiam runs it: SimSiam, ResNet-18 with the CIFAR
# stem, the seed's own space (spaces/nasiam.nas), one GPU.
#
# Seed recipe (aheuillet/NASiam, SimSiam/main_search.py and its README): 100 epochs, batch
# 512, SGD lr 0.06 x batch/256 with momentum 0.9, weight decay 5e-4, cosine schedule,
# --fix-pred-lr (the simsiam framework's default here), half of the training images for
# the weights and half for the architecture, first-order DARTS with architecture lr 1e-3
# and weight decay 1e-3, softmax relaxation, argmax derivation.
# Differences that nasiam keeps on purpose: Adam betas (0.5, 0.999) for the architecture
# (the seed: AdamW (0.9, 0.999); set `engine.arch_betas` in a --config file to match), no
# backbone backward in architecture steps, BatchNorm statistics untouched by them.
#
#   bash examples/cifar10_seed_recipe.sh                  # search; data in ./data
#   bash examples/cifar10_seed_recipe.sh --seeds 0,1,2    # extra flags are passed on
#   bash examples/cifar10_seed_recipe.sh --print-config   # show the resolved config only
#
# Then pretrain the genotype it writes (the seed: 800 epochs) and evaluate it:
#   nasiam train runs/cifar10-seed-recipe/genotype.nas --dataset cifar10 --data-dir data \
#     --backbone cifar_resnet18 --epochs 800 --batch-size 512 --lr 0.06 --weight-decay 5e-4
#   nasiam eval runs/train-genotype-*/
set -euo pipefail

NASIAM=${NASIAM:-nasiam}                 # e.g. NASIAM="python -m nasiam_dsl.cli"
SPACES=${SPACES:-$(dirname "$0")/../spaces}
DATA_DIR=${DATA_DIR:-data}

$NASIAM search "$SPACES/nasiam.nas" \
  --framework simsiam \
  --dataset cifar10 --data-dir "$DATA_DIR" --download --workers 8 \
  --backbone cifar_resnet18 \
  --epochs 100 --batch-size 512 --optimizer sgd --lr 0.06 --weight-decay 5e-4 \
  --train-portion 0.5 --mode bilevel --arch-lr 1e-3 --arch-weight-decay 1e-3 \
  --sampler softmax \
  --name cifar10-seed-recipe \
  "$@"
