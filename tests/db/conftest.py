"""The records personas (tests/records/clinic.py) for the database-layer tests."""

from records import clinic

dr_grey = clinic.dr_grey
alice = clinic.alice
