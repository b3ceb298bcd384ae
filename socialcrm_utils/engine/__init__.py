"""Orchestration: the papermill engine, Dask batch runs and partitioned step algorithms."""
