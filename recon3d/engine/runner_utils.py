"""Config adjustments that tools apply before building a Runner."""
import logging
import os

import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.logging import print_log


def setup_amp(cfg: Config) -> None:
    """Turn on mixed precision for ``--amp``.

    On a GPU this is mmengine's ``AmpOptimWrapper`` (dynamic loss scale); on
    CPU it is :class:`CPUAutocastOptimWrapper` (bfloat16 autocast).
    """
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper in ('AmpOptimWrapper', 'CPUAutocastOptimWrapper'):
        return
    if wrapper != 'OptimWrapper':
        raise ValueError(f'--amp cannot wrap optim_wrapper type {wrapper!r}')
    if torch.cuda.is_available():
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.loss_scale = 'dynamic'
    else:
        from recon3d.utils.device import bf16_support
        native, note = bf16_support(torch.device('cpu'))
        print_log('--amp on CPU: training under bfloat16 autocast '
                  '(CPUAutocastOptimWrapper)', logger='current')
        if not native:
            print_log(f'--amp: {note}, so slower than float32 here; it pays '
                      'on CUDA or CPUs with AVX512-BF16/AMX',
                      logger='current', level=logging.WARNING)
        cfg.optim_wrapper.type = 'CPUAutocastOptimWrapper'
        cfg.optim_wrapper.dtype = 'bfloat16'


def setup_launcher(cfg: Config, launcher: str) -> None:
    """Prepare ``cfg`` for ``--launcher``.

    Without a GPU, distributed training uses the gloo backend. mmengine's own
    initialization calls ``torch.cuda.set_device`` and its DDP wrapper passes
    ``device_ids``, both of which fail on CPU, so the process group is
    created here, before the Runner, and DDP gets ``device_ids=None``.
    """
    cfg.launcher = launcher
    if launcher == 'none' or torch.cuda.is_available():
        return
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    cfg.env_cfg.dist_cfg.backend = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel')
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    if dist.is_initialized():
        return
    if launcher == 'slurm':
        proc_id = int(os.environ['SLURM_PROCID'])
        os.environ.setdefault('RANK', str(proc_id))
        os.environ.setdefault('WORLD_SIZE', os.environ['SLURM_NTASKS'])
        os.environ.setdefault('LOCAL_RANK', os.environ['SLURM_LOCALID'])
        os.environ.setdefault('MASTER_PORT', '29500')
        if 'MASTER_ADDR' not in os.environ:
            raise RuntimeError('set MASTER_ADDR for a CPU slurm run')
    dist.init_process_group(backend='gloo')
