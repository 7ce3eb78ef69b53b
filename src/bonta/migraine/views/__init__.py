"""Staff pages of the chronic-migraine pathway: the headache-diary page and the summary letter."""
