"""Consent terms: the model, templates, plain-language summary and standard forms."""
