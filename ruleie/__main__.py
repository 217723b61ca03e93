"""``python -m ruleie``: the same as the ``ruleie`` command."""

from .cli import entry_point

entry_point()
