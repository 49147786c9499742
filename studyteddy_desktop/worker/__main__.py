"""Runs the worker: `python -m studyteddy_desktop.worker --data-dir ...`."""

import sys

from studyteddy_desktop.worker.launch import main

sys.exit(main())
