"""The pipelines only the worker runs, one folder per feature; the app reaches them through the job queue."""
