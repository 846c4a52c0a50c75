"""Benchmarks: python3 -m benchmarks.bench_isa (see that module), make_big_kernel, corpus_stats."""
