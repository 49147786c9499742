"""The Tutor pane's parts: threads, the conversation, answers, the question box and the model manager."""
