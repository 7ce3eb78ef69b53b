"""Bonta's clinical core: plain Python, no Django, no I/O beyond reading its own reference data."""
