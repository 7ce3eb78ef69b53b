"""The file formats the CLI, the web app and the API share, pure (no Django).

- `planfile`: the plan file `bonta check` reads (docs/plan-format.md), validated field by field
  into the safety engine's `Snapshot`.
- `schedulefile`: the session file `bonta schedule next` reads.
- `exactjson`: JSON with exact decimals (units and volumes are never floats).

The headache-diary CSV belongs to its pathway: `bonta.migraine.diary_csv`.
"""
