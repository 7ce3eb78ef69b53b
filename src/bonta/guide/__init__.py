"""Patient guide: read-only pages for both pathways, every statement shown with its source."""
