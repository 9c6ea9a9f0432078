"""Embed a config's evaluation set with a checkpoint and save the features.

Runs the model of CONFIG (any ReCon model: its backbone and neck) over the
config's test dataset, sampled as the config says, and writes an .npz with,
per cloud: ``global`` [2C] (the linear-SVM feature), ``cls``, ``img``,
``text`` [C] (the global tokens), ``labels``, ``splits`` and ``names``.

Example::

    python tools/analysis_tools/extract_features.py \
        configs/recon/svm_modelnet40.py CKPT --split all --out feats.npz
"""
import argparse
import os
import os.path as osp
import time

SPLITS = {'train': 'train', 'test': 'test', 'all': 'train+test'}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Save the features of a config\'s dataset (.npz)')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='recon3d checkpoint')
    parser.add_argument('--split', choices=tuple(SPLITS), default='all',
                        help='split(s) to embed (default: all)')
    parser.add_argument('--out', required=True, help='.npz to write')
    parser.add_argument('--batch-size', type=int, default=None)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--unsafe-pickle', action='store_true',
                        help='allow a full unpickling of a checkpoint the '
                        'safe loader refuses (only for files you trust)')
    parser.add_argument('--cfg-options', nargs='+', default=None,
                        metavar='KEY=VALUE', help='override config leaves')
    return parser.parse_args(argv)


def dataset_cfg(cfg, split: str) -> dict:
    """The test dataset of ``cfg`` over ``split`` (a ``ConcatSplits``)."""
    dataset = dict(cfg.test_dataloader.dataset)
    if dataset.get('type') == 'ConcatSplits':
        return dict(dataset, splits=SPLITS[split])
    while dataset.get('type') == 'HoldoutSplit':
        dataset = dict(dataset['dataset'])
    return dict(type='ConcatSplits', splits=SPLITS[split], dataset=dataset)


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ.setdefault('HF_HUB_OFFLINE', '1')
    import numpy as np
    import torch
    from mmengine.config import Config
    from mmengine.config import DictAction
    from mmengine.runner import Runner
    from rich.console import Console

    from recon3d.apis import FeatureExtractor, init_model
    console = Console()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        ns = argparse.Namespace()
        DictAction(['--cfg-options'], 'cfg')(None, ns, args.cfg_options)
        cfg.merge_from_dict(ns.cfg)
    loader = dict(cfg.test_dataloader, dataset=dataset_cfg(cfg, args.split))
    loader.update(persistent_workers=False)
    if args.batch_size:
        loader['batch_size'] = args.batch_size
    model = init_model(cfg, args.checkpoint, device=args.device,
                       unsafe_pickle=args.unsafe_pickle)
    dataloader = Runner.build_dataloader(loader)
    extractor = FeatureExtractor(model)
    keys = ('global_', 'cls', 'img', 'text')
    columns = {k: [] for k in keys}
    labels, splits, names = [], [], []
    start = time.time()
    with torch.no_grad():
        for batch in dataloader:
            data = model.data_preprocessor(batch, False)
            feats = extractor.encode(data['inputs'])
            for key in keys:
                columns[key].append(feats[key].float().cpu().numpy())
            for sample in data['data_samples']:
                labels.append(int(sample.gt_label) if 'gt_label' in sample
                              else -1)
                splits.append(sample.metainfo.get('split', ''))
                names.append(str(sample.metainfo.get('file_name', '')))
    out = {k.rstrip('_'): np.concatenate(v) for k, v in columns.items()}
    if osp.dirname(osp.abspath(args.out)):
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    np.savez(args.out, labels=np.array(labels), splits=np.array(splits),
             names=np.array(names), **out)
    console.print(
        f'{len(labels)} clouds ({args.split}) embedded in '
        f'{time.time() - start:.1f} s: global {out["global"].shape[1]}, '
        f'tokens {out["cls"].shape[1]} -> {args.out}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
