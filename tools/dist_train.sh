#!/usr/bin/env bash
# Copyright (c) OpenMMLab. All rights reserved.
# Multi-process training: bash tools/dist_train.sh CONFIG NUM_PROCESSES [ARGS]
# NUM_PROCESSES is the number of GPUs, one process each (NCCL), or, on a
# machine without CUDA devices, the number of CPU processes (gloo; see
# mmpose_occlusion/utils/launch.py). ARGS go to tools/train.py.
# Multi-node: NNODES, NODE_RANK, MASTER_ADDR and PORT.

CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}

PYTHONPATH="$(dirname $0)/..":$PYTHONPATH \
python -m torch.distributed.run \
    --nnodes=$NNODES \
    --node_rank=$NODE_RANK \
    --master_addr=$MASTER_ADDR \
    --nproc_per_node=$GPUS \
    --master_port=$PORT \
    $(dirname "$0")/train.py \
    $CONFIG \
    --launcher pytorch ${@:3}
