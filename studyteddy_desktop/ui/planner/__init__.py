"""The Planner pane's parts: the task list and week view, task and exam dialogs, the focus timer."""
