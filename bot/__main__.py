"""`python -m bot` runs the saga-drills CLI."""

import sys

from bot.cli import main

sys.exit(main())
