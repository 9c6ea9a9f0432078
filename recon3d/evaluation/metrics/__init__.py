from .svm_accuracy import SVMAccuracy

__all__ = ['SVMAccuracy']
