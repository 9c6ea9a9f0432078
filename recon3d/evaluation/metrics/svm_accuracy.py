from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from recon3d.registry import METRICS


@METRICS.register_module()
class SVMAccuracy(BaseMetric):
    """Linear-SVM accuracy of frozen features (the official SVM protocol).

    Each predicted sample carries ``feats`` (e.g. the ReCon SVM feature),
    ``gt_label`` and its ``split`` in the metainfo. After the evaluation
    pass, sklearn's ``LinearSVC(C=0.075)`` (its other defaults) is fit on the
    ``train_split`` features and scored on the ``test_split`` features.

    Args:
        C (float): SVM regularization. Defaults to 0.075.
        train_split (str): Split name to fit on. Defaults to ``'train'``.
        test_split (str): Split name to score on. Defaults to ``'test'``.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to ``'svm'``.
    """
    default_prefix = 'svm'

    def __init__(self,
                 C: float = 0.075,
                 train_split: str = 'train',
                 test_split: str = 'test',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.C = C
        self.train_split = train_split
        self.test_split = test_split

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep each sample's feature [D], label and split."""
        for sample in data_samples:
            if 'split' not in sample:
                raise KeyError('SVMAccuracy needs each sample\'s "split" in '
                               'its metainfo (train/test)')
            self.results.append(
                dict(
                    feat=sample['feats'].float().cpu().numpy(),
                    label=int(sample['gt_label'].reshape(-1)[0]),
                    split=sample['split'],
                    name=sample.get('file_name', sample.get('sample_idx'))))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Fit on the train split, score on the test split.

        Raises:
            ValueError: if a feature holds NaN or Inf (the SVM would fail
                or score garbage).
        """
        bad = [r for r in results if not np.isfinite(r['feat']).all()]
        if bad:
            names = ', '.join(str(r.get('name', '?')) for r in bad[:5])
            raise ValueError(
                f'SVMAccuracy: non-finite features for {len(bad)} of '
                f'{len(results)} samples ({names}); the model produced '
                'NaN/Inf (diverged weights?)')
        parts = {}
        for name in (self.train_split, self.test_split):
            rows = [r for r in results if r['split'] == name]
            if not rows:
                raise ValueError(f'SVMAccuracy: no sample of split {name!r}'
                                 ' in the evaluation set')
            parts[name] = (np.stack([r['feat'] for r in rows]),
                           np.array([r['label'] for r in rows]))
        acc = self.calculate(*parts[self.train_split],
                             *parts[self.test_split], C=self.C)
        return dict(accuracy=acc)

    @staticmethod
    def calculate(train_feats: np.ndarray,
                  train_labels: np.ndarray,
                  test_feats: np.ndarray,
                  test_labels: np.ndarray,
                  C: float = 0.075) -> float:
        """Accuracy (%) of ``LinearSVC(C)`` fit on train, scored on test.

        Args:
            train_feats (ndarray): [N_train, D].
            train_labels (ndarray): [N_train].
            test_feats (ndarray): [N_test, D].
            test_labels (ndarray): [N_test].
            C (float): SVM regularization. Defaults to 0.075.
        """
        from sklearn.svm import LinearSVC
        clf = LinearSVC(C=C)
        clf.fit(train_feats, train_labels)
        return float((clf.predict(test_feats) == test_labels).mean() * 100)
