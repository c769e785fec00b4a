"""``python -m analysis.cli``: the ``analysis`` command."""

import sys

from .main import main

sys.exit(main())
