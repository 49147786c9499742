"""Desktop sync in the window: the Account box, the status item, the Conflicts dialog and the scheduler."""
