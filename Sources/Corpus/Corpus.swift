// Corpus: filled in by its issue.
