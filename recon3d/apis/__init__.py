from .svm import evaluate_svm, extract_features

__all__ = ['evaluate_svm', 'extract_features']
