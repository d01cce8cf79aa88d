"""Tessera: a local-first desktop client for people who contribute to AI systems."""

__version__ = "0.1.0"
APP_ID = "org.tessera.Tessera"
APP_NAME = "Tessera"
