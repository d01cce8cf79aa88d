"""The SQLCipher vault: the contributor's encrypted source of truth."""
