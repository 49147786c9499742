"""The embedded service layer: the in-process API the UI and the CLI call."""
