// HDF5: filled in by its issue.
