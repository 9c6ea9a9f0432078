from .accuracy import Accuracy
from .svm_accuracy import SVMAccuracy

__all__ = ['Accuracy', 'SVMAccuracy']
