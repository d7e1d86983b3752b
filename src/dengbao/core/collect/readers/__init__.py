"""Readers for collected evidence that is not a collection script's tar.gz (see ``inputs.py``)."""
