"""`bonta`: check plan files, browse reference data, and start the Django-backed services.

The pure commands (check, products, protocols, vocab) never import Django, so they start fast
and work without a database. serve and demo set up Django inside their own function
and hand over to management commands. `main(argv)` returns the exit code instead of exiting,
so tests call it in-process.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from bonta.domain.anatomy import areas, muscles, points
from bonta.domain.errors import DomainError
from bonta.domain.pathways import Pathway, Side
from bonta.domain.products import Product, all_products
from bonta.domain.protocols import Protocol, expand, get_protocol, protocols
from bonta.domain.reference import load
from bonta.domain.units import format_units
from bonta.exactjson import dumps

EXIT_OK = 0
EXIT_BLOCKED = 1  # check: a finding blocks; serve/demo: the command failed
EXIT_INVALID = 2  # invalid input or usage
EXIT_BUG = 3  # an unexpected error inside bonta: a bug, please report it

EPILOG = """\
exit codes:
  0  success; for `check`: no finding blocks the plan
  1  `check`: at least one finding blocks the plan (`ok` is false);
     serve/demo: the command failed
  2  invalid input or usage: a one-line error naming the field goes to stderr, nothing to stdout
  3  check/products/protocols/vocab: an internal error (a bug in bonta; please report it)

The plan-file format is described in docs/plan-format.md.
"""

Json = Any  # what `exactjson.dumps` writes: dict, list, str, int, bool, None and Decimal


# ---- entry point ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `bonta` command and return its exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help (0) or a usage error (2, message already printed)
        return stop.code if isinstance(stop.code, int) else EXIT_INVALID
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except DomainError as error:
        print(f"bonta: {error.message}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `bonta vocab | head`
        _silence_stdout()
        return EXIT_OK
    except Exception as error:
        if args.run in DJANGO_COMMANDS:
            raise  # a server that cannot start needs its traceback
        # The pure commands never show a traceback: one line, and a distinct exit code.
        print(
            f"bonta: internal error (a bug; please report it): {type(error).__name__}: {error}",
            file=sys.stderr,
        )
        return EXIT_BUG


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bonta",
        description="Bonta: a clinic system for botulinum toxin type A (BoNT-A).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    def command(name: str, summary: str, run: Callable[[argparse.Namespace], int]) -> Any:
        sub = commands.add_parser(
            name,
            help=summary,
            description=summary,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(run=run)
        return sub

    check = command(
        "check",
        "Validate a plan file and run the safety engine over it; print the findings as JSON.",
        run_check,
    )
    check.add_argument("plan", metavar="PLAN.json", help="the plan file, or - for stdin")

    products = command(
        "products", "List the BoNT-A products and what their labels say.", run_products
    )
    products.add_argument("--json", action="store_true", help="print JSON instead of a table")

    protocols_ = command(
        "protocols",
        "List the protocol templates, or expand one for every product it doses.",
        run_protocols,
    )
    protocols_.add_argument("name", nargs="?", metavar="NAME", help="a protocol code")
    protocols_.add_argument("--json", action="store_true", help="print JSON instead of a table")

    vocab = command(
        "vocab",
        "List every code a plan file may use, and the safety engine's finding codes.",
        run_vocab,
    )
    vocab.add_argument("--json", action="store_true", help="print JSON instead of a table")

    serve = command(
        "serve", "Migrate the database and serve the web app and API (waitress).", run_serve
    )
    serve.add_argument("--demo", action="store_true", help="load a demo clinic if it is empty")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8000)")

    demo = command("demo", "Generate a synthetic demo clinic in the database.", run_demo)
    demo.add_argument("--patients", type=int, metavar="N", help="how many patients")
    demo.add_argument("--seed", type=int, metavar="S", help="random seed (same seed, same clinic)")
    demo.add_argument("--years", type=int, metavar="Y", help="years of history")

    user = command("user", "Create a staff user with a role, or change a user's role.", run_user)
    user.add_argument("username")
    user.add_argument("--role", required=True, choices=ROLES)
    user.add_argument("--password-stdin", action="store_true", help="read it from stdin")

    token = command("token", "Issue an API bearer token for a user (printed once).", run_token)
    token.add_argument("username")
    token.add_argument("--name", help="what the token is for (default: cli)")

    worker = command(
        "worker", "Send appointment reminder e-mails (needs BONTA_SMTP_*; see README).", run_worker
    )
    worker.add_argument("--until-idle", action="store_true", help="exit when nothing is left")
    worker.add_argument("--once", action="store_true", help="one pass, then exit")
    worker.add_argument("--batch", type=int, help="reminders claimed at a time (default 20)")
    worker.add_argument("--status", action="store_true", help="print the outbox state as JSON")

    from bonta import cli_diary, cli_schedule

    cli_diary.add_parser(commands)
    cli_schedule.add_parser(commands)
    return parser


# ---- check ---------------------------------------------------------------------------------


def run_check(args: argparse.Namespace) -> int:
    from bonta.domain.safety import check, has_block
    from bonta.planfile import load_plan

    snapshot = load_plan(args.plan)
    findings = check(snapshot)  # may raise InvalidInput too: main turns it into exit 2
    blocked = has_block(findings)
    _print_json(
        {
            "ok": not blocked,
            "findings": [f.as_dict() for f in findings],
            "totals": {snapshot.plan.product: snapshot.planned_units},
            "points": len(snapshot.plan.injections),
        }
    )
    return EXIT_BLOCKED if blocked else EXIT_OK


# ---- products ------------------------------------------------------------------------------


def run_products(args: argparse.Namespace) -> int:
    listed = [_product_json(p) for p in all_products().values()]
    if args.json:
        _print_json(listed)
        return EXIT_OK
    _print_table(
        (
            "code",
            "brand",
            "nonproprietary",
            "pathways",
            "vials U",
            "retreat",
            "use within",
            "cumulative limit",
        ),
        [
            (
                p.code,
                p.brand,
                p.nonproprietary,
                ", ".join(sorted(p.pathways)),
                ", ".join(format_units(v) for v in p.vial_sizes_units),
                p.retreatment_interval.describe() if p.retreatment_interval else "?",
                f"{p.reconstitution_window.hours} h" if p.reconstitution_window else "?",
                (
                    f"{format_units(p.cumulative_limit.units)} U in "
                    f"{p.cumulative_limit.window.describe()}"
                    if p.cumulative_limit
                    else "?"
                ),
            )
            for p in all_products().values()
        ],
    )
    print()
    _print_table(
        ("product", "label dose", "units", "sites"),
        [
            (
                p.code,
                dose.area,
                format_units(dose.units),
                "" if dose.sites is None else str(dose.sites),
            )
            for p in all_products().values()
            for dose in p.indications.values()
        ],
    )
    print("\n? = not in Bonta's clinical reference; check the current label. Sources: --json.")
    return EXIT_OK


def _product_json(p: Product) -> dict[str, Json]:
    interval = p.retreatment_interval
    window = p.reconstitution_window
    limit = p.cumulative_limit
    return {
        "code": p.code,
        "brand": p.brand,
        "nonproprietary": p.nonproprietary,
        "label": p.label,
        "unit_system": p.unit_system,
        "pathways": sorted(p.pathways),
        "vial_sizes_units": list(p.vial_sizes_units),
        "indications": [
            {"area": d.area, "units": d.units, "sites": d.sites, "source": d.source}
            for d in p.indications.values()
        ],
        "retreatment_interval": (
            None
            if interval is None
            else {"amount": interval.amount, "unit": interval.unit, "source": interval.source}
        ),
        "reconstitution_window": (
            None if window is None else {"hours": window.hours, "source": window.source}
        ),
        "cumulative_limit": (
            None
            if limit is None
            else {
                "units": limit.units,
                "amount": limit.window.amount,
                "unit": limit.window.unit,
                "source": limit.source,
            }
        ),
        "dilutions": [
            {"vial_units": d.vial_units, "diluent_ml": d.diluent_ml, "source": d.source}
            for d in p.dilutions
        ],
        "ingredients": sorted(p.ingredients),
        "source": p.source,
        "omitted": p.omitted,
    }


# ---- protocols -----------------------------------------------------------------------------


def run_protocols(args: argparse.Namespace) -> int:
    if args.name is not None:
        return _protocol_detail(get_protocol(args.name, "protocol"), as_json=args.json)
    listed = list(protocols().values())
    if args.json:
        _print_json([_protocol_json(p) for p in listed])
        return EXIT_OK
    _print_table(
        ("code", "pathway", "area", "points", "units per site", "total"),
        [
            (
                p.code,
                p.pathway.value,
                p.area,
                str(len(p.points)),
                _per_product({k: v for k, v in p.units_per_site.items()}),
                _per_product(_protocol_totals(p)),
            )
            for p in listed
        ],
    )
    return EXIT_OK


def _protocol_detail(protocol: Protocol, *, as_json: bool) -> int:
    offered = sorted(protocol.products)
    expansions = {product: expand(protocol, product) for product in offered}
    totals = _protocol_totals(protocol)
    if as_json:
        detail = _protocol_json(protocol)
        detail["expansions"] = {
            product: {
                "injections": [
                    {"point": i.point, "muscle": i.muscle, "side": i.side.value, "units": i.units}
                    for i in injections
                ],
                "points": len(injections),
                "totals": {product: totals[product]},
            }
            for product, injections in expansions.items()
        }
        _print_json(detail)
        return EXIT_OK
    print(f"{protocol.code}: {protocol.name}")
    print(f"pathway {protocol.pathway.value}, area {protocol.area}")
    if protocol.needs_verification:
        print("needs verification: parts of this template rest on weak sources (see source)")
    print(f"source: {protocol.source}\n")
    table = protocol.points
    _print_table(
        ("point", "muscle", "side", *offered),
        [
            (
                point,
                points()[point].muscle,
                points()[point].side.value,
                *(format_units(expansions[p][n].units) if expansions[p] else "-" for p in offered),
            )
            for n, point in enumerate(table)
        ]
        + [("total", "", "", *(format_units(totals[p]) for p in offered))],
    )
    return EXIT_OK


def _protocol_totals(protocol: Protocol) -> dict[str, Decimal]:
    """Units per offered product: the label total, or per-site units times the points."""
    return {
        product: protocol.total_units.get(
            product, protocol.units_per_site.get(product, Decimal(0)) * len(protocol.points)
        )
        for product in sorted(protocol.products)
    }


def _protocol_json(p: Protocol) -> dict[str, Json]:
    return {
        "code": p.code,
        "name": p.name,
        "pathway": p.pathway.value,
        "area": p.area,
        "products": sorted(p.products),
        "units_per_site": dict(sorted(p.units_per_site.items())),
        "totals": _protocol_totals(p),
        "points": len(p.points),
        "extra_muscles": sorted(p.extra_muscles),
        "max_extra_units": p.max_extra_units,
        "max_total_units": p.max_total_units,
        "max_sites": p.max_sites,
        "needs_verification": p.needs_verification,
        "source": p.source,
    }


# ---- vocab ---------------------------------------------------------------------------------


def run_vocab(args: argparse.Namespace) -> int:
    from bonta.domain.overrides import REASONS
    from bonta.domain.safety import CODES, KINDS, OVERRIDE_NEEDS
    from bonta.planfile import SEXES

    factors = load("patient_factors")
    vocab: dict[str, Json] = {
        "products": [{"code": p.code, "brand": p.brand} for p in all_products().values()],
        "pathways": [p.value for p in Pathway],
        "sides": [s.value for s in Side],
        "sexes": list(SEXES),
        "muscles": [
            {"code": m.code, "name": m.name, "sides": sorted(m.sides)} for m in muscles().values()
        ],
        "areas": [
            {
                "code": a.code,
                "name": a.name,
                "pathway": a.pathway.value,
                "muscles": sorted(a.muscles),
            }
            for a in areas().values()
        ],
        "points": [
            {"code": p.code, "muscle": p.muscle, "side": p.side.value, "view": p.view}
            for p in points().values()
        ],
        "protocols": [
            {"code": p.code, "name": p.name, "pathway": p.pathway.value}
            for p in protocols().values()
        ],
        **{
            kind: [
                {"code": code, "name": f["name"], "finding": f["finding"]}
                for code, f in factors[kind].items()
            ]
            for kind in ("conditions", "allergies", "medications")
        },
        "findings": [
            {
                "code": code,
                "severity": s.value,
                "kind": KINDS[code].value if code in KINDS else None,
                "override": OVERRIDE_NEEDS[code].value if code in OVERRIDE_NEEDS else None,
            }
            for code, s in CODES.items()
        ],
        "override_reasons": [
            {"code": r.code, "text": r.text, "applies_to": sorted(r.applies_to)}
            for r in REASONS.values()
        ],
    }
    if args.json:
        _print_json(vocab)
        return EXIT_OK
    for key, values in vocab.items():
        print(f"{key}:")
        for value in values:
            print("  " + (value if isinstance(value, str) else _vocab_line(value)))
    return EXIT_OK


def _vocab_line(item: Mapping[str, Json]) -> str:
    rest = [
        ", ".join(v) if isinstance(v, list) else str(v)
        for k, v in item.items()
        if k != "code" and v is not None
    ]
    return f"{item['code']:<32} {' | '.join(rest)}"


# ---- Django-backed commands ----------------------------------------------------------------


def run_serve(args: argparse.Namespace) -> int:
    return _django("bonta_serve", demo=args.demo, host=args.host, port=args.port)


def run_demo(args: argparse.Namespace) -> int:
    return _django("bonta_demo", patients=args.patients, seed=args.seed, years=args.years)


ROLES = ("clinician", "nurse", "reception", "manager")  # bonta.accounts.models.Role


def run_user(args: argparse.Namespace) -> int:
    return _django(
        "bonta_user", args.username, role=args.role, password_stdin=args.password_stdin or None
    )


def run_token(args: argparse.Namespace) -> int:
    return _django("bonta_issue_token", args.username, name=args.name)


def run_worker(args: argparse.Namespace) -> int:
    return _django(
        "bonta_worker",
        until_idle=args.until_idle or None,
        once=args.once or None,
        batch=args.batch,
        status=args.status or None,
    )


def _django(command: str, *positional: str, **options: object) -> int:
    """Set up Django now (never at import) and run a management command.

    Options left unset are not passed, so the management command's own defaults apply.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bonta.settings")
    import django
    from django.core.management import call_command
    from django.core.management.base import CommandError

    django.setup()
    try:
        call_command(command, *positional, **{k: v for k, v in options.items() if v is not None})
    except CommandError as error:
        print(f"bonta: {error}", file=sys.stderr)
        return EXIT_BLOCKED
    return EXIT_OK


DJANGO_COMMANDS = (run_serve, run_demo, run_user, run_token, run_worker)


# ---- output --------------------------------------------------------------------------------


def _print_json(value: Json) -> None:
    sys.stdout.write(dumps(value) + "\n")


def _print_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    rows = [tuple(header), *(tuple(r) for r in rows)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _per_product(values: Mapping[str, Decimal]) -> str:
    return ", ".join(f"{k} {format_units(v)}" for k, v in sorted(values.items())) or "-"


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at devnull so the interpreter's flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (captured in tests)
        pass


if __name__ == "__main__":
    sys.exit(main())
