"""Accounts fixtures: the records personas (see tests/records/clinic.py)."""

from records import clinic

dr_grey = clinic.dr_grey
nurse_noor = clinic.nurse_noor
max_manager = clinic.max_manager
