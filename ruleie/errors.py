"""Errors and diagnostics: one position type and one way to show a problem to a person."""

from __future__ import annotations

from typing import Iterable, Sequence

import attrs


@attrs.frozen
class Position:
    """A place in a source text. ``line`` and ``column`` are 1-based, like Python's SyntaxError."""

    offset: int
    line: int
    column: int

    @classmethod
    def at(cls, source: str, offset: int) -> Position:
        """The position of character ``offset`` in ``source``.

        >>> Position.at("ab\\ncd", 4)
        Position(offset=4, line=2, column=2)
        """
        offset = max(0, min(offset, len(source)))
        line = source.count("\n", 0, offset) + 1
        line_start = source.rfind("\n", 0, offset) + 1
        return cls(offset, line, offset - line_start + 1)


# Characters that a terminal (or str.splitlines) would take as line breaks: shown as a
# space in the quoted source line, so the caret stays under the right column.
_SHOWN_AS_SPACE = str.maketrans({c: " " for c in "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})


@attrs.frozen
class Diagnostic:
    """One message about one place in one source: an error or a warning."""

    message: str
    severity: str = "error"  # "error" or "warning"
    file: str | None = None
    line: int | None = None
    column: int | None = None
    source_line: str | None = None
    hint: str | None = None
    # Offset of the problem in the text that was checked (a pattern string),
    # so that a rule-file loader can move it to the pattern's place in the file.
    offset: int | None = attrs.field(default=None, eq=False)

    def render(self) -> str:
        """Render like a compiler: ``file:line:col: error: message``, the source line and a caret."""
        where = self.file or "<pattern>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.severity}: {self.message}"
        if self.source_line is not None and self.column is not None:
            line = self.source_line.rstrip("\n").expandtabs(1).translate(_SHOWN_AS_SPACE)
            text += f"\n    {line}\n    {' ' * (self.column - 1)}^"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


def diagnostic_at(
    message: str,
    source: str,
    offset: int,
    *,
    file: str | None = None,
    severity: str = "error",
    hint: str | None = None,
) -> Diagnostic:
    """A diagnostic for character ``offset`` of ``source``, with its line shown."""
    pos = Position.at(source, offset)
    # Lines are counted at "\n" only (as Position.at does); splitlines() would also break at
    # \r, \x0c, \u2028 … and show the wrong line under the caret.
    lines = source.split("\n")
    source_line = lines[pos.line - 1].rstrip("\r") if pos.line - 1 < len(lines) else ""
    return Diagnostic(message, severity, file, pos.line, pos.column, source_line, hint, offset)


class RuleieError(Exception):
    """Base of every error a user can cause. Carries one or more diagnostics."""

    def __init__(self, diagnostics: Diagnostic | Sequence[Diagnostic] | str):
        if isinstance(diagnostics, str):
            diagnostics = [Diagnostic(diagnostics)]
        elif isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        super().__init__(self.render())

    @property
    def diagnostic(self) -> Diagnostic:
        return self.diagnostics[0]

    @property
    def message(self) -> str:
        return self.diagnostics[0].message

    @property
    def line(self) -> int | None:
        return self.diagnostics[0].line

    @property
    def column(self) -> int | None:
        return self.diagnostics[0].column

    def render(self) -> str:
        return "\n".join(d.render() for d in self.diagnostics)

    def __str__(self) -> str:
        return self.render()


class PatternSyntaxError(RuleieError):
    """A pattern text that the grammar does not accept."""


class PatternError(RuleieError):
    """A pattern that parses but means nothing: unknown variable or lexicon, ``{3,1}``, …"""


class RuleFileError(RuleieError):
    """One or more problems in rule files, all collected before raising."""


def errors_only(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity == "error"]
