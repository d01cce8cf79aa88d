"""Signed submissions: manifest, in-toto statement, DSSE envelope, revocation, verification.

Normative text: ``resources/protocol/submission.md``. A submission folder
holds four files: ``submission.dsse.json`` (the signed envelope), the
encrypted records as two files, ``package.age-header`` (the age header) and
``package.age-payload`` (the age payload), whose concatenation is one age v1
file, and ``card.json`` (the dataset card); a revocation is
``revocation.dsse.json``.
"""
