"""gongfu benchmarks: `python -m bench.run` (see bench/README.md). Not part of the installed package."""
