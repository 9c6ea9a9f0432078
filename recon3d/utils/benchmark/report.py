"""Printed tables of the benchmark (rich)."""
import platform
from typing import Any, Dict

import torch

def device_name(device: torch.device) -> str:
    if device.type == 'cuda':
        return torch.cuda.get_device_name(device)
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'cpu'


def _memory_text(memory: Dict[str, Any]) -> str:
    text = f"{memory['kind']} {memory['peak_mb']:.0f} MiB"
    if 'phase_peak_mb' in memory:
        text += (f"; this phase: peak RSS {memory['phase_peak_mb']:.0f} "
                 f"MiB, +{memory['increase_mb']:.0f} MiB over its start")
    elif 'increase_mb' in memory:
        text += f" (+{memory['increase_mb']:.0f} MiB over the phase start)"
    return text


def _console():
    """A rich console; written to a file or a pipe, wide enough for the
    tables (rich would wrap them at 80 columns)."""
    from rich.console import Console
    console = Console()
    return console if console.is_terminal else Console(
        width=max(console.width, 200))


def _malloc(results: Dict[str, Any]) -> str:
    """How glibc malloc was set (:mod:`recon3d.utils.malloc`)."""
    return 'keeps freed memory' if results.get('malloc_tuned') \
        else 'default'


def print_report(results: Dict[str, Any]) -> None:
    from rich.table import Table
    console = _console()
    params = results['params']
    amp = results['amp_dtype'] or 'off (float32)'
    console.print(
        f"[bold]{results['config']}[/bold]\n"
        f"device {results['device']} ({results['device_name']}), torch "
        f"{results['torch']}, threads {results['num_threads']}, amp {amp}, "
        f"malloc {_malloc(results)}\n"
        f"batch {results['batch_size']} × {results['num_points']} points "
        f"(images {results['img_size']}²), iters {results['iters']} after "
        f"warmup {results['warmup']}\n"
        f"params: trainable {params['trainable'] / 1e6:.2f} M, frozen "
        f"teachers {params['frozen_teachers'] / 1e6:.2f} M ("
        f"{results['teacher_weights']} weights)"
        + (f", other frozen {params['frozen_other'] / 1e6:.2f} M"
           if params['frozen_other'] else ''))
    for phase, title in (('train', 'train step'),
                         ('inference', 'inference (predict, no_grad)')):
        if phase not in results:
            continue
        res = results[phase]
        console.print(
            f"\n[bold]{title}[/bold]: {res['samples_per_s']:.2f} "
            f"samples/s, {res['ms_per_step']:.1f} ms/step (min "
            f"{res['ms_per_step_min']:.1f}, max "
            f"{res['ms_per_step_max']:.1f})\n"
            f"peak memory: {_memory_text(res['memory'])}")
        table = Table()
        table.add_column('group')
        table.add_column('stage')
        table.add_column('ms', justify='right')
        table.add_column('% of step', justify='right')
        for row in res['stages']:
            table.add_row(row['group'], row['stage'], f"{row['ms']:.2f}",
                          f"{row['percent']:.1f}")
        table.add_section()
        table.add_row('total', '', f"{res['ms_per_step']:.2f}",
                      f"{sum(r['percent'] for r in res['stages']):.1f}")
        console.print(table)


#: Stage groups shown as columns of the comparison, in step order.
COMPARE_GROUPS = ('teachers', 'grouping', 'patch embedding', 'encoder',
                  'neck', 'decoder', 'losses', 'backward')


def print_compare(results: Dict[str, Any]) -> None:
    """The ``--compare`` table: samples/s, ratio to the first row, shares
    of the step (%) per stage group."""
    from rich.table import Table
    console = _console()
    comp = results['compare']
    console.print(
        f"\n[bold]compare[/bold] ({results['config']}, batch "
        f"{results['batch_size']} × {results['num_points']} points, "
        f"{results['iters']} interleaved steps per variant, device "
        f"{results['device']}, threads {results['num_threads']}, malloc "
        f"{_malloc(results)})")
    table = Table()
    for name in ('variant', 'samples/s', 'ms/step', '× first'):
        table.add_column(name, justify='left' if name == 'variant'
                         else 'right')
    for group in COMPARE_GROUPS + ('other', ):
        table.add_column(f'{group} %', justify='right')
    for row in comp['rows']:
        shares = [
            f"{row['shares'].get(g, 0.):.1f}"
            if row['stages_timed'] or g == 'backward' else '-'
            for g in COMPARE_GROUPS
        ]
        other = 100. - sum(row['shares'].get(g, 0.) for g in COMPARE_GROUPS)
        table.add_row(row['name'], f"{row['samples_per_s']:.2f}",
                      f"{row['ms_per_step']:.1f}", f"{row['ratio']:.2f}",
                      *shares, f'{other:.1f}')
    console.print(table)
    for item in comp['skipped']:
        console.print(f"skipped {item['switch']}: {item['reason']} "
                      '(--switches bf16 runs it anyway)')
    if comp.get('num_views'):
        console.print(f"cached teachers: synthetic caches, "
                      f"{comp['num_views']} views per image")


def print_point_ops(results: Dict[str, Any]) -> None:
    """FPS and kNN timed alone."""
    from rich.table import Table
    table = Table(title='point ops alone')
    for name in ('op', 'size', 'backend', 'min ms', 'median ms'):
        table.add_column(name, justify='right' if 'ms' in name else 'left')
    for row in results['point_ops']:
        table.add_row(row['op'], row['size'], row['backend'],
                      f"{row['min_ms']:.1f}", f"{row['median_ms']:.1f}")
    _console().print(table)
