"""The diary store refreshes on a schedule, atomically: a report never reads half a store.

A refresh writes a new version folder and switches the `CURRENT` pointer to it; the previous
version stays for readers that are still opening it; refreshes exclude each other.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command

from bonta.migraine.population import load_columns, population_report
from bonta.migraine.store import (
    CURRENT,
    _locked,
    open_store,
    refresh_if_stale,
    refresh_store,
    refreshed_at,
)
from bonta.records.models import Patient

from .test_population import AS_OF, Clinic, period_days

pytestmark = pytest.mark.django_db

FIRST = date(2025, 6, 2)


def add_patient(clinic: Clinic) -> Patient:
    return clinic.patient(period_days(FIRST - timedelta(days=28), 16, 9), [FIRST])


def versions(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name.startswith("v"))


def test_a_refresh_writes_a_new_version_and_points_to_it(dr_grey, tmp_path):
    clinic = Clinic(dr_grey)
    add_patient(clinic)
    first = refresh_store(tmp_path)
    assert (tmp_path / CURRENT).read_text().strip() == first.folder.name
    assert open_store(tmp_path) == first
    add_patient(clinic)
    second = refresh_store(tmp_path)
    assert open_store(tmp_path) == second
    assert versions(tmp_path) == sorted([first.folder.name, second.folder.name])
    # A reader that resolved the first version before the switch still reads it whole.
    assert population_report(first, AS_OF).as_dict()["patients"] == 1
    assert population_report(tmp_path, AS_OF).as_dict()["patients"] == 2
    third = refresh_store(tmp_path)
    assert versions(tmp_path) == sorted([second.folder.name, third.folder.name])
    assert not list(tmp_path.glob(".refresh-*"))  # no scratch left behind


def test_it_refreshes_only_a_stale_or_missing_store(dr_grey, tmp_path):
    add_patient(Clinic(dr_grey))
    store, refreshed = refresh_if_stale(tmp_path, timedelta(minutes=30))
    assert refreshed  # there was none
    written = refreshed_at(tmp_path)
    assert written is not None
    same, refreshed = refresh_if_stale(
        tmp_path, timedelta(minutes=30), now=written + timedelta(minutes=29)
    )
    assert (same, refreshed) == (store, False)
    newer, refreshed = refresh_if_stale(
        tmp_path, timedelta(minutes=30), now=written + timedelta(minutes=31)
    )
    assert refreshed
    assert newer != store


def test_while_another_refresh_runs_the_current_store_is_served(dr_grey, tmp_path):
    add_patient(Clinic(dr_grey))
    store = refresh_store(tmp_path)
    later = datetime.now(UTC) + timedelta(days=1)
    with _locked(tmp_path, wait=True):  # another process is refreshing
        served, refreshed = refresh_if_stale(tmp_path, timedelta(minutes=1), now=later)
    assert (served, refreshed) == (store, False)


def test_a_reader_during_refreshes_never_sees_a_mixed_store(dr_grey, tmp_path):
    clinic = Clinic(dr_grey)
    add_patient(clinic)
    refresh_store(tmp_path)
    errors: list[BaseException] = []
    seen: set[int] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                seen.add(load_columns(open_store(tmp_path)).patients)
            except BaseException as error:  # any failure is the finding
                errors.append(error)
                return

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(4):
            add_patient(clinic)
            refresh_store(tmp_path)
    finally:
        stop.set()
        reader.join()
    assert errors == []
    assert seen <= {1, 2, 3, 4, 5}
    assert load_columns(open_store(tmp_path)).patients == 5


def test_the_scheduled_command_refreshes_then_leaves_a_fresh_store_alone(dr_grey, tmp_path, capsys):
    add_patient(Clinic(dr_grey))
    call_command("bonta_refresh_diary_store", store=str(tmp_path), if_older_than=60)
    assert capsys.readouterr().out.startswith("diary store refreshed: ")
    call_command("bonta_refresh_diary_store", store=str(tmp_path), if_older_than=60)
    assert capsys.readouterr().out.startswith("diary store left as it is")
    assert len(versions(tmp_path)) == 1
    call_command("bonta_refresh_diary_store", store=str(tmp_path))  # no age: always
    assert len(versions(tmp_path)) == 2


def test_the_report_command_reuses_a_young_store(dr_grey, tmp_path, capsys):
    import json

    clinic = Clinic(dr_grey)
    add_patient(clinic)
    refresh_store(tmp_path)
    add_patient(clinic)  # not yet in the store
    call_command("bonta_diary_report", as_of=AS_OF.isoformat(), store=str(tmp_path), max_age=60)
    assert json.loads(capsys.readouterr().out)["patients"] == 1
    call_command("bonta_diary_report", as_of=AS_OF.isoformat(), store=str(tmp_path))
    assert json.loads(capsys.readouterr().out)["patients"] == 2
