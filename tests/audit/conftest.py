from records.clinic import alice, dr_grey, max_manager, nurse_noor, rita_reception  # noqa: F401
from records.conftest import pytest_collection_modifyitems  # noqa: F401 - skip postgres-only
