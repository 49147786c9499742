"""The huey worker process: queue, tasks, events and the startup reaper."""
