"""``--help`` of every tool and of ``recon3d`` exits 0 without importing
torch: the parsers are built before the heavy modules load."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOLS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'tools', '*.py')) +
    glob.glob(osp.join(REPO, 'tools', '*', '*.py')))

# Runs in a fresh interpreter: each command as ``__main__`` with
# ``--help``; reports its exit code, whether it printed a usage, and the
# heavy modules loaded so far.
SCRIPT = r'''
import contextlib, io, json, runpy, sys

HEAVY = ('torch', 'mmengine.runner', 'recon3d.models', 'open_clip')
results = {}


def run(name, argv, call):
    saved, out = sys.argv, io.StringIO()
    sys.argv = argv
    code = None
    try:
        with contextlib.redirect_stdout(out):
            call()
    except SystemExit as exit_:
        code = exit_.code
    finally:
        sys.argv = saved
    results[name] = dict(code=code, usage='usage:' in out.getvalue(),
                         heavy=[m for m in HEAVY if m in sys.modules])


for tool in json.loads(sys.argv[1]):
    run(tool, [tool, '--help'],
        lambda: runpy.run_path(tool, run_name='__main__'))
run('python -m recon3d', ['recon3d', '--help'],
    lambda: runpy.run_module('recon3d', run_name='__main__'))
from recon3d.cli import COMMANDS, main
for command in COMMANDS:
    run(f'recon3d {command}', ['recon3d'],
        lambda: main([command, '--help']))
print(json.dumps(results))
'''


def test_help_of_every_tool_exits_0_without_torch():
    assert 'tools/train.py' in TOOLS and 'tools/test.py' in TOOLS
    env = dict(os.environ, HF_HUB_OFFLINE='1')
    proc = subprocess.run(
        [sys.executable, '-c', SCRIPT, json.dumps(TOOLS)], cwd=REPO,
        env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout.splitlines()[-1])
    assert set(results) >= set(TOOLS) | {'python -m recon3d'}
    for name, result in results.items():
        assert result == dict(code=0, usage=True, heavy=[]), (name, result)
