"""Sweeps: routines tried on a population of virtual clients, on dask.distributed."""
