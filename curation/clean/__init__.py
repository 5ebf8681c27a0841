"""Cleaning: text normalisation, reply/signature stripping, PII redaction, quality filters."""
