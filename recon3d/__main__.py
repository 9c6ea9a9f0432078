"""``python -m recon3d``: the ``recon3d`` command."""
import sys

from recon3d.cli import main

sys.exit(main())
