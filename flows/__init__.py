"""Prefect flows: thin wiring of the curation and training steps (the only place Prefect lives)."""
