// Tracing: filled in by its issue.
