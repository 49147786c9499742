"""The Documents pane's parts: the table model, the progress delegate and the detail view."""
