// `make bench`: filled in by the tracer and alignment issues.
print("no benchmarks yet")
