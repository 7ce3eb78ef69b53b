"""Appointment reminders: an e-mail outbox sent by `bonta worker`, at most once per message.

States change only through `bonta.reminders.outbox` (the worker's state machine) and
`bonta.reminders.preferences` (opt-out); see `docs/architecture.md` §6 for why a crashed send
is marked uncertain rather than retried.
"""
