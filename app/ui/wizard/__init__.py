"""The prepare wizard: from files to a prepared dataset, and on to a signed submission."""
