"""The subcommands of `studyteddy`, one module each, registered in cli.py."""
