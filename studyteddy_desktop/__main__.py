"""Runs the app with `python -m studyteddy_desktop`."""

import sys

from studyteddy_desktop.cli import main

sys.exit(main())
