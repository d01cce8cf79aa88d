"""Identities: signing and encryption keys, did:key, key custody."""
