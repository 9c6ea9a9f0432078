"""glibc malloc settings of the training entry (recon3d.utils.malloc)."""
import subprocess
import sys

import pytest

# Allocates, fills and frees a 64 MB buffer 5 times; prints whether the
# settings were applied and the page faults of the last 4 rounds.
SCRIPT = '''
import ctypes, resource, sys
from recon3d.utils.malloc import keep_freed_memory
applied = keep_freed_memory()
assert keep_freed_memory() == applied  # idempotent
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
size = 64 << 20
faults = []
for _ in range(5):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    p = libc.malloc(size)
    ctypes.memset(p, 1, size)
    libc.free(p)
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(applied, sum(faults[1:]))
'''


def run(env_value=None):
    import os
    env = dict(os.environ)
    env.pop('RECON3D_MALLOC', None)
    if env_value is not None:
        env['RECON3D_MALLOC'] = env_value
    out = subprocess.run([sys.executable, '-c', SCRIPT], env=env, text=True,
                         capture_output=True, check=True).stdout.split()
    return out[0] == 'True', int(out[1])


@pytest.mark.skipif(not sys.platform.startswith('linux'),
                    reason='glibc settings')
def test_freed_memory_is_reused_without_page_faults():
    applied, faults = run()
    if not applied:
        pytest.skip('not glibc')
    pages = (64 << 20) // 4096
    assert faults < pages // 10  # the heap keeps the 64 MB
    default, faults_default = run('default')
    assert not default
    assert faults_default > 3 * pages // 2  # fresh pages every round
