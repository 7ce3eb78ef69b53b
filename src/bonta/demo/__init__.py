"""The synthetic demo clinic (`bonta demo`, `bonta serve --demo`): users, patients, histories.

`clinic` writes the whole clinic; each feature app keeps its own part (`bonta.appointments.demo`,
`bonta.consent.demo`, `bonta.cosmetic.demo`, `bonta.migraine.demo`). Above every feature app, below
the CLI. Not a Django app: it holds no models.
"""
