"""Measurement subprocesses run by `bench.run` with the main venv's interpreter (one JSON result line each)."""
