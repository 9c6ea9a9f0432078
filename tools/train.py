"""Train a recon3d model with mmengine's Runner.

Example:
    python tools/train.py configs/recon/pretrain.py
    python tools/train.py configs/recon/pretrain_demo.py \
        --work-dir work_dirs/demo
    bash tools/dist_train.sh configs/recon/pretrain.py 8

Bad checkpoints, a non-finite loss, a config typo with --strict-config, or
--resume without a checkpoint stop with one line and exit status 1 (see
docs/reliability.md).
"""
from recon3d.cli.run_args import parse_train_args


def main(argv=None):
    """Train with the command line ``argv`` (see
    :func:`recon3d.apis.train`, which holds the options and the config
    logic); returns the runner."""
    from recon3d.apis import train
    return train(argv)


if __name__ == '__main__':
    parse_train_args()  # --help and bad options answer before torch loads
    from recon3d.engine import RunError
    try:
        main()
    except RunError as err:  # one line, no traceback; exit status 1
        raise SystemExit(f'error: {err}') from None
