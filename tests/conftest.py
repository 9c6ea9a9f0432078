"""Shared test setup: offline, every recon3d module registered, 2 threads."""
import os

os.environ.setdefault('HF_HUB_OFFLINE', '1')

import torch  # noqa: E402

from recon3d.utils import register_all_modules  # noqa: E402

register_all_modules()
torch.set_num_threads(2)
