"""The panes shown in the main window, one module each."""
