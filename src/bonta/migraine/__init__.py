"""The chronic-migraine pathway: headache diary, HIT-6/MIDAS, prior preventives, overuse
statements, the staff diary page and its plots, the summary letter, the population report.

The twin of `bonta.cosmetic`. Its pure analytics are in `bonta.domain.headache`; the diary CSV
format (`diary_csv`, pure, shared with the CLI) lives here too.
"""
