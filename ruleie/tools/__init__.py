"""Authoring and evaluation tools on top of the engine: explain, inline examples, scoring against gold, the pytest plugin, spaCy interop."""
