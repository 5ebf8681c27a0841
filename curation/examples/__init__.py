"""Cleaned Documents -> chat training Examples (conversations, instructions, passages); see build.py."""
