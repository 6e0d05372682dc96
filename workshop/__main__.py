"""`python -m workshop ...`: see workshop/cli.py."""

import sys

from .cli import main

sys.exit(main())
