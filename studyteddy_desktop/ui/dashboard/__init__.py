"""The Dashboard pane's parts: stat cards, the activity heatmap and the charts."""
