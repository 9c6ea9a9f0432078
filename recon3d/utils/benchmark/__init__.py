"""Speed benchmark of ReCon models: train step, inference, the point ops
alone and a comparison of variants (``tools/analysis_tools/benchmark.py``).
"""
from .compare import bf16_support, compare_variants
from .memory import MemoryMeter
from .phases import (TrainBench, bench_inference, bench_train, build_model,
                     count_params, fill_defaults, make_batch)
from .point_ops import bench_point_ops
from .report import print_compare, print_point_ops, print_report
from .timing import LOSS_HEADS, TEACHERS, StageTimer, instrument

__all__ = [
    'TEACHERS', 'LOSS_HEADS', 'StageTimer', 'instrument', 'MemoryMeter',
    'TrainBench', 'bench_train', 'bench_inference', 'build_model',
    'count_params', 'fill_defaults', 'make_batch', 'bench_point_ops',
    'bf16_support', 'compare_variants', 'print_report', 'print_compare',
    'print_point_ops'
]
