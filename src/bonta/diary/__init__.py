"""Headache diary, questionnaires and prior preventives: storage, services, population report."""
