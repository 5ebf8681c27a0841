"""Validation: Pydantic per record (quarantine), Great Expectations per dataset, export checks."""
