from .accuracy import Accuracy
from .dump_predictions import DumpPredictions
from .part_seg_miou import PartSegMIoU
from .svm_accuracy import SVMAccuracy
from .zero_shot_accuracy import ZeroShotAccuracy

__all__ = [
    'Accuracy', 'SVMAccuracy', 'PartSegMIoU', 'ZeroShotAccuracy',
    'DumpPredictions'
]
