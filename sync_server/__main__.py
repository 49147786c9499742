"""`python -m sync_server`: the same as `studyteddy-server`."""

import sys

from sync_server.cli import main

sys.exit(main())
