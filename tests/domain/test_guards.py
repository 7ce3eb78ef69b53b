"""Architecture and reference-data guards for the clinical core."""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import bonta.domain
from bonta.domain.reference import REFERENCE_DIR, load
from bonta.domain.safety import CODES

DOMAIN_DIR = Path(bonta.domain.__file__).parent
MODULES = sorted(
    m.name for m in pkgutil.walk_packages(bonta.domain.__path__, prefix="bonta.domain.")
)
ALL_REFERENCE_FILES = sorted(p.stem for p in REFERENCE_DIR.glob("*.toml"))
# The source register states no clinical fact; tests/domain/test_sources.py checks it.
REFERENCE_FILES = [name for name in ALL_REFERENCE_FILES if name != "sources"]


def test_the_domain_package_has_the_modules_this_guard_walks() -> None:
    assert {"bonta.domain.safety", "bonta.domain.units", "bonta.domain.plan"} <= set(MODULES)


@pytest.mark.parametrize("path", sorted(DOMAIN_DIR.rglob("*.py")), ids=lambda p: p.name)
def test_no_domain_module_imports_django_in_its_source(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.append(node.module)
    assert not [m for m in imported if m.split(".")[0] == "django"]


def test_importing_every_domain_module_loads_no_django() -> None:
    # A fresh interpreter: this test process may already have Django loaded.
    script = (
        "import importlib, json, sys\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'django')))\n"
    )
    result = subprocess.run(  # noqa: S603 — our own interpreter, fixed script
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == []


# ---- reference data ---------------------------------------------------------------------------

COVERED_BY_ENTRY = {"units_per_site", "total_units"}  # product → number maps inside an entry


def fact_entries(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every table that states a fact (has a scalar value), with its dotted path."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from fact_entries(item, f"{path}[{index}]")
        return
    if not isinstance(node, dict):
        return
    if any(not isinstance(v, dict | list) or _is_scalar_list(v) for v in node.values()):
        yield path, node
    for key, value in node.items():
        if key not in COVERED_BY_ENTRY:
            yield from fact_entries(value, f"{path}.{key}")


def _is_scalar_list(value: object) -> bool:
    return isinstance(value, list) and not any(isinstance(v, dict) for v in value)


def all_fact_entries() -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for name in REFERENCE_FILES:
        for path, entry in fact_entries(load(name), name):
            # Injection points are drawing coordinates on a diagram, not clinical facts; their
            # muscle and side are checked against anatomy in test_anatomy.py.
            if path.startswith("anatomy.points."):
                continue
            found.append((path, entry))
    return found


def test_the_reference_files_are_the_ones_this_guard_knows() -> None:
    # A new reference file must be added here on purpose, so its entries get looked at.
    assert ALL_REFERENCE_FILES == [
        "anatomy",
        "durations",
        "headache",
        "patient_factors",
        "products",
        "protocols",
        "sources",
        "terminology",
    ]
    assert len(all_fact_entries()) > 60


@pytest.mark.parametrize(
    ("path", "entry"), all_fact_entries(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_reference_entry_has_a_non_empty_source(path: str, entry: dict[str, Any]) -> None:
    source = entry.get("source")
    assert isinstance(source, str), f"{path} has no source"
    assert source.strip(), f"{path} has an empty source"


def test_every_product_has_a_formulation_that_cites_where_it_comes_from() -> None:
    # clinical-reference §11.1 lists every product's excipients (some only [W])
    for code, raw in load("products").items():
        formulation = raw["formulation"]
        assert formulation["source"].strip(), code
        assert "§11.1" in formulation["source"] or "§1.4" in formulation["source"], code


def test_weak_or_unverified_sources_appear_only_in_flagged_templates_or_as_omissions() -> None:
    """Facts tagged [W] or UNVERIFIED are never hard rules (clinical-reference, 'How to read')."""
    for path, entry in all_fact_entries():
        source = entry.get("source", "")
        if "[W]" not in source:
            continue
        top = path.split(".")[0]
        if top == "protocols":
            name = path.split(".")[1]
            assert load("protocols")[name].get("needs_verification"), path
        elif top == "patient_factors":
            # an allergy code is vocabulary, not a limit; what it raises depends on the
            # product's formulation, where [W] names go to `weak_ingredients`
            assert path.startswith("patient_factors.allergies."), path
        elif path.endswith(".formulation"):
            # [W] only for amounts (not encoded) or for names kept in `weak_ingredients`
            assert "not encoded" in source or entry.get("weak_ingredients"), path
        else:
            # reference defaults a clinician confirms (dilutions), or a `weak_` fact the engine
            # reads to warn, never to block: never a limit or interval
            assert ".dilutions[" in path or ".weak_" in path, path


def test_weak_facts_are_tagged_weak_and_never_also_verified() -> None:
    for code, raw in load("products").items():
        for key in ("weak_retreatment_interval", "weak_reconstitution_window"):
            if key in raw:
                assert "[W]" in raw[key]["source"], f"{code}.{key}"
        formulation = raw.get("formulation", {})
        weak = set(formulation.get("weak_ingredients", []))
        assert not weak & set(formulation.get("ingredients", [])), code
        if weak:
            assert not formulation.get("complete"), code


def test_patient_factors_raise_only_known_finding_codes() -> None:
    for kind, factors in load("patient_factors").items():
        for code, factor in factors.items():
            assert factor["finding"] in CODES, f"{kind}.{code}"


def test_the_reference_files_parse_as_strict_toml() -> None:
    for path in REFERENCE_DIR.glob("*.toml"):
        with path.open("rb") as handle:
            assert tomllib.load(handle)
