"""Persons: name handling and resolution of the canonical ``person`` entity."""
