"""The benchmarks' own logic, without servers (speed goals live in ``make bench`` only)."""
