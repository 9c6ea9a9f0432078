from .accuracy import Accuracy
from .part_seg_miou import PartSegMIoU
from .svm_accuracy import SVMAccuracy

__all__ = ['Accuracy', 'SVMAccuracy', 'PartSegMIoU']
