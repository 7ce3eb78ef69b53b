"""The page kit every app's staff pages share, below the feature apps and the web shell.

- `access`: who may open which page (login, role sets, a clear 403/404).
- `forms`: date widgets and `add_service_error`, which puts a service's refusal back on the field
  it names.

It imports only the shared record (`bonta.records`, `bonta.accounts`) and the domain, so a feature
app can use it without importing the web shell, and the shell imports no feature app. Templates
need no import: every app's pages extend the shell's `web/base.html` by name.
"""
