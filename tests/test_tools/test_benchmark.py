"""tools/analysis_tools/benchmark.py on a tiny ReCon with tiny teachers."""
import importlib.util
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config

import recon3d.models.backbones.point_transformer as point_transformer
import recon3d.utils.benchmark as bench_lib
from recon3d.models.utils import group_points

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs/recon/pretrain.py')

# Tiny student (C=32, 1 block, 2 heads, 8 groups of 8) and tiny random
# open_clip teachers in place of the config's ViT-B/16 and CLIP ViT-B/32.
TINY = [
    'model.arch._delete_=True', 'model.arch.embed_dims=32',
    'model.arch.depth=1', 'model.arch.num_heads=2', 'model.decoder.depth=1',
    'model.backbone.num_group=8', 'model.backbone.group_size=8',
    'model.data_preprocessor.num_points=128'
]
TINY_TEACHERS = [
    f'model.{modality}_teacher.{key}={value}'
    for modality, kind in (('img', 'Image'), ('text', 'Text'))
    for key, value in (('_delete_', True), ('type', f'OpenCLIP{kind}Teacher'),
                       ('model_name', 'recon3d-tiny-clip'),
                       ('pretrained', None))
]
NO_TEACHERS = [
    f'model.{name}=None'
    for name in ('img_teacher', 'img_head', 'text_teacher', 'text_head')
]
SMC = ['model.smc_head.type=ContrastiveHead', 'model.smc_head.in_channels=32']
FAST = ['--batch-size', '2', '--num-points', '128', '--iters', '1',
        '--warmup', '0', '--device', 'cpu']


def load_tool():
    path = osp.join(ROOT, 'tools/analysis_tools/benchmark.py')
    spec = importlib.util.spec_from_file_location('recon3d_benchmark', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_phase(res, expected_groups):
    assert res['samples_per_s'] > 0
    assert res['ms_per_step'] > 0
    groups = {row['group'] for row in res['stages']}
    assert expected_groups <= groups
    assert all(row['ms'] >= 0 for row in res['stages']
               if row['group'] != 'other')
    assert sum(row['percent'] for row in res['stages']) == pytest.approx(
        100., abs=1e-3)
    assert sum(row['ms'] for row in res['stages']) == pytest.approx(
        res['ms_per_step'], rel=1e-6)
    assert res['memory']['peak_mb'] > 0
    return groups


def test_benchmark_tiny_recon(tmp_path):
    bench = load_tool()
    out = tmp_path / 'bench.json'
    results = bench.main([CONFIG, *FAST, '--json', str(out), '--cfg-options',
                          *TINY, *TINY_TEACHERS])
    check_phase(results['train'], {
        'data preprocessor', 'grouping', 'patch embedding', 'encoder',
        'neck', 'decoder', 'teachers', 'losses', 'backward'
    })
    assert 'smc_head.loss' not in {
        row['stage'] for row in results['train']['stages']}
    teachers = [row['stage'] for row in results['train']['stages']
                if row['group'] == 'teachers']
    assert len(teachers) == 2
    inference = check_phase(results['inference'], {
        'grouping', 'patch embedding', 'encoder', 'neck'})
    # predict() runs neither the decoder, the teachers nor the losses.
    assert not inference & {'decoder', 'teachers', 'losses', 'backward'}
    assert results['params']['frozen_teachers'] > 0
    assert results['params']['trainable'] > 0
    assert results['teacher_weights'] == 'random'
    assert results['num_threads'] == torch.get_num_threads()
    assert json.loads(out.read_text())['train']['ms_per_step'] == \
        pytest.approx(results['train']['ms_per_step'])
    # The timed wrapper is gone.
    assert point_transformer.group_points is group_points


def test_benchmark_no_teachers_with_smc():
    bench = load_tool()
    results = bench.main([CONFIG, *FAST, '--skip-inference',
                          '--cfg-options', *TINY, *NO_TEACHERS, *SMC])
    assert 'inference' not in results
    stages = {row['stage'] for row in results['train']['stages']}
    groups = check_phase(results['train'], {'grouping', 'losses'})
    assert 'teachers' not in groups
    assert {'rec_head.loss', 'smc_head.loss'} <= stages
    assert results['params']['frozen_teachers'] == 0


def test_instrument_restores_on_error():
    bench = load_tool()
    cfg = Config.fromfile(CONFIG)
    cfg.merge_from_dict(bench.parse_args(
        [CONFIG, '--cfg-options', *TINY, *TINY_TEACHERS]).cfg_options)
    model = bench_lib.build_model(cfg, False, torch.device('cpu'))
    hooks_before = {
        name: (len(m._forward_hooks), len(m._forward_pre_hooks))
        for name, m in model.named_modules()
    }
    timer = bench_lib.StageTimer(sync=False)
    with pytest.raises(RuntimeError, match='boom'):
        with bench_lib.instrument(model, timer):
            assert point_transformer.group_points is not group_points
            assert 'loss' in vars(model.rec_head)
            raise RuntimeError('boom')
    assert point_transformer.group_points is group_points
    for name in bench_lib.LOSS_HEADS:
        head = getattr(model, name)
        assert head is None or 'loss' not in vars(head)
    assert hooks_before == {
        name: (len(m._forward_hooks), len(m._forward_pre_hooks))
        for name, m in model.named_modules()
    }


def test_defaults_follow_the_config():
    bench = load_tool()
    cfg = Config.fromfile(CONFIG)
    args = bench.parse_args([CONFIG])
    bench_lib.fill_defaults(args, cfg)
    assert args.batch_size == cfg.train_dataloader.batch_size
    assert args.num_points == cfg.model.data_preprocessor.num_points
    assert args.img_size == 224
    # The preprocessor samples down, never up.
    with pytest.raises(ValueError, match='model.data_preprocessor'):
        bench_lib.fill_defaults(
            bench.parse_args([CONFIG, '--num-points', '8']), cfg)


def test_benchmark_compare_live_cached_switches(tmp_path):
    bench = load_tool()
    out = tmp_path / 'compare.json'
    results = bench.main([
        CONFIG, *FAST, '--warmup', '1', '--compare', '--switches', 'compile',
        'bf16', '--compile-backend', 'eager', '--num-views', '2', '--json',
        str(out), '--cfg-options', *TINY, *TINY_TEACHERS
    ])
    rows = results['compare']['rows']
    assert [r['name'] for r in rows] == [
        'live teachers', 'cached teachers', '+ torch.compile (student)',
        '+ bf16 autocast'
    ]
    assert rows[0]['ratio'] == 1.
    for row in rows:
        assert row['samples_per_s'] > 0
        assert row['ratio'] == pytest.approx(
            row['samples_per_s'] / rows[0]['samples_per_s'])
        assert sum(row['shares'].values()) == pytest.approx(100., abs=1e-3)
    # The cached rows never run a live teacher; their lookups are timed.
    assert rows[0]['shares']['teachers'] > 0
    cached = rows[1]['result']['stages']
    assert {r['stage'] for r in cached if r['group'] == 'teachers'} == {
        'img_teacher (CachedTeacher)', 'text_teacher (CachedTeacher)'}
    assert not rows[2]['stages_timed'] and rows[3]['stages_timed']
    assert json.loads(out.read_text())['compare']['rows'][1]['name'] == \
        'cached teachers'
    assert point_transformer.group_points is group_points


def test_benchmark_compare_without_teachers_and_point_ops():
    bench = load_tool()
    results = bench.main([
        CONFIG, *FAST, '--compare', '--switches', '--point-ops',
        '--point-ops-backends', 'native', 'torch', '--point-ops-sizes',
        '2,64,8', '3,100,20', '--cfg-options', *TINY, *NO_TEACHERS
    ])
    assert [r['name'] for r in results['compare']['rows']] == ['config']
    ops = results['point_ops']
    assert {(r['op'], r['backend']) for r in ops} == {
        (op, backend) for op in ('fps', 'knn')
        for backend in ('native', 'torch')}
    assert len(ops) == 8 and all(r['min_ms'] > 0 for r in ops)


def test_bf16_support_names_the_reason():
    from recon3d.utils.benchmark import bf16_support
    ok, note = bf16_support(torch.device('cpu'))
    assert isinstance(ok, bool)
    assert ('avx512_bf16' in note or 'amx_bf16' in note) if ok \
        else 'emulated' in note


def test_docs_performance_benchmark_commands(tmp_path):
    """Every benchmark command of docs/performance.md, shortened (tiny
    model and teachers, one step, tiny point-op sizes, no compile)."""
    import re
    import shlex
    with open(osp.join(ROOT, 'docs', 'performance.md')) as f:
        blocks = re.findall(r'```bash\n(.*?)```', f.read(), re.S)
    commands = [
        shlex.split(line) for line in '\n'.join(blocks).splitlines()
        if 'analysis_tools/benchmark.py' in line
    ]
    assert len(commands) >= 3
    bench = load_tool()
    for i, command in enumerate(commands):
        teachers = NO_TEACHERS if 'model.img_teacher=None' in command \
            else TINY_TEACHERS
        argv = command[2:] + [
            *FAST, '--switches', '--point-ops-sizes', '2,64,8', '--json',
            str(tmp_path / f'{i}.json'), '--cfg-options', *TINY, *teachers
        ]
        results = bench.main(argv)
        assert ('compare' in results) == ('--compare' in command)
        assert ('point_ops' in results) == ('--point-ops' in command)
