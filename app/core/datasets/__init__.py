"""Dataset preparation: import, normalisation, dedupe, PII, commitment, card."""
