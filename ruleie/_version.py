"""The version of ruleie, in one place (read by the package, the command and the rule cache)."""

__version__ = "0.1.0"
