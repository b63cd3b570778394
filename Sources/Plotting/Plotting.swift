// Plotting: filled in by its issue.
