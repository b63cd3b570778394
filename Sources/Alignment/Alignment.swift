// Alignment: filled in by its issue.
