"""The FHIR R4 (4.0.1) facade at /fhir/R4/: read and search, JSON, bearer tokens (docs/fhir.md)."""
