"""Bonta's database engines: Django's own, with the little Bonta needs on top (see sqlite3)."""
