"""Render the consent texts Bonta ships (documents.toml) into the plain text that is signed.

Pure Python, no Django: the data migrations and `install_shipped_documents` use it. Each
statement ends with its numbered citations; the sources close the text (title and address from
the patient guide's source list, itself checked against the source register; a source the guide
does not list is named by the register's own title and address).

Product-specific documents (`[[product_documents]]`, issue 10) are rendered once per product:
statements marked `generate` are written here from that product's facts in the reference data
(`bonta.domain.products`), so a Dysport consent names Dysport and cites only Dysport's label
facts. A fact is left out when none of its sources has an address in the register (the text's
source list must point somewhere); `ShippedDocument.left_out` says which.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bonta.domain.anatomy import areas
from bonta.domain.products import Product, get_product
from bonta.domain.sources import cited_ids
from bonta.domain.sources import sources as register
from bonta.domain.units import format_units
from bonta.guide.content import Source, load_guide

DOCUMENTS_PATH = Path(__file__).with_name("documents.toml")

# Excipient names as a patient reads them (codes of domain/reference/products.toml).
INGREDIENT_NAMES = {
    "human_albumin": "human albumin",
    "sodium_chloride": "sodium chloride",
    "lactose": "lactose",
    "cows_milk_protein": "cow's milk protein",
    "sucrose": "sucrose",
    "histidine": "histidine",
    "trehalose": "trehalose",
    "polysorbate_20": "polysorbate 20",
    "rtp004_peptide": "a stabilising peptide (RTP004)",
}


class ShippedContentError(ValueError):
    """documents.toml breaks a rule (an unknown source, a statement without one)."""


@dataclass(frozen=True)
class ShippedDocument:
    kind: str
    title: str
    body: str
    sources: tuple[str, ...]  # source IDs cited, in order of first citation
    product: str = ""  # the product the text is worded for ("" for photography)
    left_out: tuple[str, ...] = ()  # product facts not stated: no source with an address


@cache
def shipped_documents() -> tuple[ShippedDocument, ...]:
    raw = tomllib.loads(DOCUMENTS_PATH.read_text(encoding="utf-8"))
    sources = _citable(load_guide().sources)
    fixed = tuple(_render(doc, raw["reference"], sources) for doc in raw["documents"])
    worded = tuple(
        _render(doc, raw["reference"], sources, get_product(code))
        for doc in raw.get("product_documents", [])
        for code in doc["products"]
    )
    return fixed + worded


def _citable(guide: dict[str, Source]) -> dict[str, Source]:
    """The guide's sources, then every other registered source that has an address."""
    found = dict(guide)
    for sid, s in register().items():
        if sid not in found and s.address:
            found[sid] = Source(sid, s.title, s.title, s.address)
    return found


def _render(
    doc: dict[str, Any],
    reference: str,
    sources: dict[str, Source],
    product: Product | None = None,
) -> ShippedDocument:
    def words(text: str) -> str:
        if product is None:
            return text
        return text.format(brand=product.brand, nonproprietary=product.nonproprietary)

    cited: list[str] = []
    left_out: list[str] = []
    where = doc["kind"] if product is None else f"{doc['kind']}/{product.code}"
    blocks = [words(doc["intro"])]
    for section in doc["sections"]:
        lines = [f"## {words(section['heading'])}"]
        if section.get("notice"):
            lines.append(words(section["notice"]))
        blocks.append("\n".join(lines))
        for statement in section.get("statements", []):
            if "generate" in statement:
                if product is None:
                    raise ShippedContentError(f"{where}: `generate` needs a product document")
                made, dropped = _generated(statement["generate"], product, sources)
                left_out += dropped
                blocks += [_statement(s, cited, sources, where) for s in made]
            else:
                blocks.append(_statement(statement, cited, sources, where))
        if section.get("declarations"):
            blocks.append("\n".join(f"- {words(line)}" for line in section["declarations"]))
    if cited:
        listed = "\n".join(
            f"- [{n}] {sources[sid].name}. {sources[sid].url}" for n, sid in enumerate(cited, 1)
        )
        blocks.append(f"## Sources\nWritten only from the {reference}.\n{listed}")
    else:
        blocks.append("## Sources\nThis form makes no clinical statement, so it cites no source.")
    return ShippedDocument(
        doc["kind"],
        words(doc["title"]),
        "\n\n".join(blocks),
        tuple(cited),
        product=product.code if product else str(doc.get("product", "")),
        left_out=tuple(left_out),
    )


def _statement(
    raw: dict[str, Any], cited: list[str], sources: dict[str, Source], where: str
) -> str:
    ids = raw.get("source") or []
    if not ids:
        raise ShippedContentError(f"{where}: a statement needs at least one source")
    unknown = [i for i in ids if i not in sources]
    if unknown:
        raise ShippedContentError(f"{where}: sources {unknown} are not in the guide's list")
    numbers = []
    for sid in ids:
        if sid not in cited:
            cited.append(sid)
        numbers.append(str(cited.index(sid) + 1))
    text = f"{raw['text']} [{', '.join(sorted(numbers, key=int))}]"
    if raw.get("note"):
        text += f" ({raw['note']})"
    return "\n".join([text, *(f"- {item}" for item in raw.get("items", ()))])


# ---- statements written from one product's reference data -------------------------------------


def _generated(
    what: str, product: Product, sources: dict[str, Source]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The statements for `what` ("product", "doses", "formulation", "interval"), and the facts
    left out because none of their sources has an address."""
    makers = {
        "product": _product_statements,
        "doses": _dose_statements,
        "formulation": _formulation_statements,
        "interval": _interval_statements,
    }
    if what not in makers:
        raise ShippedContentError(f"unknown `generate` {what!r} (known: {', '.join(makers)})")
    made, left_out = [], []
    for fact, statement, source in makers[what](product):
        ids = [i for i in dict.fromkeys(cited_ids(source)) if i in sources]
        if not ids:
            left_out.append(f"{product.brand}: {fact}")
            continue
        if {register()[i].rating for i in ids} == {"W"}:
            statement["note"] = "weak sources only: clinic or web pages, not the label itself"
        made.append({**statement, "source": ids})
    return made, left_out


Fact = tuple[str, dict[str, Any], str]  # (what it is, the statement, the fact's source text)


def _product_statements(p: Product) -> list[Fact]:
    text = (
        f"This form is about {p.brand} ({p.nonproprietary}), the botulinum toxin type A product "
        "your clinic plans to use."
    )
    return [("name", {"text": text}, p.source)]


def _dose_statements(p: Product) -> list[Fact]:
    facts: list[Fact] = []
    for code, dose in p.indications.items():
        area = areas()[code].name.lower() if code in areas() else code.replace("_", " ")
        how = f"{format_units(dose.units)} units of {p.brand}"
        if dose.sites and dose.units_per_site is not None:
            how += f", as {dose.sites} injections of {format_units(dose.units_per_site)} units each"
        text = f"For {area}, the {p.brand} label dose is {how}."
        facts.append((f"label dose for {code}", {"text": text}, dose.source))
    return facts


def _formulation_statements(p: Product) -> list[Fact]:
    source = p.formulation_source or p.source
    names = [INGREDIENT_NAMES.get(i, i.replace("_", " ")) for i in sorted(p.ingredients)]
    facts: list[Fact] = []
    if "human_albumin" in p.ingredients:
        text = f"{p.brand} contains human albumin, a protein from human blood."
        facts.append(("contains human albumin", {"text": text}, source))
    elif p.formulation_complete:
        listed = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
        text = f"{p.brand} contains no human albumin. Besides the toxin it contains {listed}."
        facts.append(("formulation without human albumin", {"text": text}, source))
    if "cows_milk_protein" in p.ingredients:
        text = (
            f"{p.brand} may contain trace amounts of cow's milk protein: you must not have it if "
            "you are allergic to cow's milk protein. Tell your clinician about any allergy."
        )
        facts.append(("may contain cow's milk protein", {"text": text}, source))
    if "lactose" in p.ingredients:
        text = f"{p.brand} contains lactose."
        facts.append(("contains lactose", {"text": text}, source))
    if p.weak_ingredients:
        weak = ", ".join(INGREDIENT_NAMES.get(i, i) for i in sorted(p.weak_ingredients))
        text = (
            f"{p.brand}'s ingredients are not verified for Bonta: only a weak source names {weak}."
        )
        facts.append(("ingredients named only by a weak source", {"text": text}, source))
    return facts


def _interval_statements(p: Product) -> list[Fact]:
    if p.retreatment_interval is not None:
        text = (
            f"Treatments with {p.brand} should be at least {p.retreatment_interval.describe()} "
            "apart: the shortest interval its label supports."
        )
        return [("re-treatment interval", {"text": text}, p.retreatment_interval.source)]
    if p.weak_retreatment_interval is not None:
        text = (
            f"Only clinic pages, not the label, say {p.brand} should not be given more often "
            f"than every {p.weak_retreatment_interval.describe()}: ask your clinician how long "
            "to wait between treatments."
        )
        return [("weak re-treatment interval", {"text": text}, p.weak_retreatment_interval.source)]
    return []
