"""Evaluation: score extracted records against gold records (the RECORDS.md rule).

The parts: ``eval_input`` reads and checks records, ``eval_agreement`` says when fields
and records agree, ``eval_scoring`` pairs and counts them, ``eval_report`` shows the
result. Import from here: this module is the public entry point.
"""

from __future__ import annotations

from .eval_agreement import KEY_FIELDS, field_agrees, normalise_words, record_matches, strings_agree
from .eval_input import EvalInputError, load_jsonl
from .eval_report import format_report, report_to_dict
from .eval_scoring import EvalReport, FalsePositive, FieldMismatch, Miss, TypeScore, _assign, score

__all__ = [
    "KEY_FIELDS",
    "EvalInputError",
    "EvalReport",
    "FalsePositive",
    "FieldMismatch",
    "Miss",
    "TypeScore",
    "field_agrees",
    "format_report",
    "load_jsonl",
    "normalise_words",
    "record_matches",
    "report_to_dict",
    "score",
    "strings_agree",
]

# ``doctest.testmod`` on this module runs the examples of the parts' functions too.
__test__ = {"normalise_words": normalise_words, "strings_agree": strings_agree, "field_agrees": field_agrees}
