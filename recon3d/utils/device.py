"""What the compute device can do."""
from typing import Tuple

import torch


def bf16_support(device: torch.device) -> Tuple[bool, str]:
    """Whether bfloat16 autocast runs natively on ``device``, and why."""
    if device.type == 'cuda':
        ok = torch.cuda.is_bf16_supported()
        return ok, f'CUDA bf16 {"supported" if ok else "not supported"}'
    flags = set()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('flags'):
                    flags.update(line.split(':', 1)[1].split())
                    break
    except OSError:
        pass
    native = sorted(flags & {'avx512_bf16', 'amx_bf16'})
    capability = torch.backends.cpu.get_cpu_capability()
    if native:
        return True, f'CPU {capability} with {", ".join(native)}'
    return False, (f'CPU {capability} without avx512_bf16/amx_bf16: '
                   'bfloat16 is emulated')
