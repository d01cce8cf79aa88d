"""Signed submissions: manifest, in-toto statement, DSSE envelope, revocation, verification.

Normative text: ``resources/protocol/submission.md``. A submission folder
holds three files: ``submission.dsse.json`` (the signed envelope),
``package.age`` (the encrypted records) and ``card.json`` (the dataset card);
a revocation is ``revocation.dsse.json``.
"""
