"""Batch runs (`swe-agent bench`): many instances, locally or on a Ray cluster, resumable, under one budget."""
