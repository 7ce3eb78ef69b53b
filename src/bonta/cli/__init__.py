"""The `bonta` command: one module per command group.

- `main`: the entry point and the argument parser (`bonta.cli:main`, the console script).
- `check`: `bonta check PLAN.json` (pure: no Django).
- `reference`: `bonta products`, `protocols`, `vocab` (pure).
- `diary`: `bonta diary summarize` (pure), `schedule`: `bonta schedule next` (pure).
- `server`: `serve`, `demo`, `user`, `token`, `worker`: Django set up only when they run; serve
  and demo are management commands of this package (`management/commands/`), which is why
  `bonta.cli` is in INSTALLED_APPS. Importing this package never imports Django.
- `audit`: `bonta audit verify|checkpoint` (Django: the `bonta_audit` command of bonta.audit).
- `backup`: `bonta backup`, `bonta restore` (Django: management commands of this package; the
  archive format and its checks are `archive`, imported only by them).
- `output`: exit codes, JSON and table printing.
"""

from bonta.cli.main import EXIT_BLOCKED, EXIT_BUG, EXIT_INVALID, EXIT_OK, main

__all__ = ["EXIT_BLOCKED", "EXIT_BUG", "EXIT_INVALID", "EXIT_OK", "main"]
