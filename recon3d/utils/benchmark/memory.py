"""Peak memory of a benchmark phase (CUDA allocator or process RSS)."""
import resource
import sys
from typing import Any, Dict, Optional

import torch


def _proc_status_kb(field: str) -> Optional[int]:
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(field + ':'):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _ru_maxrss_mb() -> float:
    """Process peak RSS in MiB (ru_maxrss is KiB on Linux, bytes on macOS).
    """
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / 2**20 if sys.platform == 'darwin' else maxrss / 2**10


class MemoryMeter:
    """Peak memory of one phase.

    CUDA: ``torch.cuda.max_memory_allocated`` after a reset, and its increase
    over the memory allocated when the phase started. CPU: the process peak
    RSS (``ru_maxrss``, the maximum since the process started) and, where
    Linux lets a process reset its RSS high-water mark
    (``/proc/self/clear_refs``), the phase's own peak RSS and its increase
    over the RSS when the phase started.
    """

    process_peak_mb = 0.

    def __init__(self, device: torch.device) -> None:
        self.device = device

    def __enter__(self) -> 'MemoryMeter':
        self.result: Dict[str, Any] = {}
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self._start = torch.cuda.memory_allocated(self.device)
            return self
        # The reset below lowers ru_maxrss: remember the peak so far first.
        MemoryMeter.process_peak_mb = max(MemoryMeter.process_peak_mb,
                                          _ru_maxrss_mb())
        self._start_rss = _proc_status_kb('VmRSS')
        self._hwm_reset = False
        if self._start_rss is not None:
            try:
                with open('/proc/self/clear_refs', 'w') as f:
                    f.write('5')
                self._hwm_reset = True
            except OSError:
                pass
        return self

    def __exit__(self, *exc) -> None:
        mb = 2**20
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)
            peak = torch.cuda.max_memory_allocated(self.device)
            self.result = dict(
                kind='cuda max_memory_allocated',
                peak_mb=peak / mb,
                increase_mb=(peak - self._start) / mb,
                reserved_peak_mb=torch.cuda.max_memory_reserved(self.device)
                / mb)
            return
        MemoryMeter.process_peak_mb = max(MemoryMeter.process_peak_mb,
                                          _ru_maxrss_mb())
        self.result = dict(
            kind='process peak RSS', peak_mb=MemoryMeter.process_peak_mb)
        hwm = _proc_status_kb('VmHWM') if self._hwm_reset else None
        if hwm is not None:
            self.result.update(
                phase_peak_mb=hwm / 2**10,
                # RSS may drop between reading it and the reset.
                increase_mb=max(hwm - self._start_rss, 0) / 2**10)
