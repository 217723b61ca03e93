"""Readable, indented printing of a pattern syntax tree (``ruleie parse``)."""

from __future__ import annotations

from . import nodes as n


def format_tree(node: n.Node, indent: int = 0) -> str:
    """One node a line, children indented.

    >>> print(format_tree(n.seq(n.Word("Russia"), n.Repeat(n.TokenTest(), 0, None))))
    Seq
      Word 'Russia'
      Repeat {0,} greedy
        TokenTest []
    """
    pad = "  " * indent
    if isinstance(node, n.Word):
        return f"{pad}Word {node.text!r}"
    if isinstance(node, n.TokenTest):
        return f"{pad}TokenTest {n.unparse(node)}"
    if isinstance(node, n.MentionRef):
        return f"{pad}Mention @{node.type}"
    if isinstance(node, n.Anchor):
        return f"{pad}Anchor {'start' if node.kind == '^' else 'end'} of sentence"
    if isinstance(node, n.Look):
        kind = ("negative " if node.negate else "") + ("lookbehind" if node.behind else "lookahead")
        return f"{pad}Look {kind}\n" + format_tree(node.body, indent + 1)
    if isinstance(node, n.Capture):
        return f"{pad}Capture {node.name!r}\n" + format_tree(node.body, indent + 1)
    if isinstance(node, n.Repeat):
        hi = "" if node.max is None else str(node.max)
        return f"{pad}Repeat {{{node.min},{hi}}} {'lazy' if node.lazy else 'greedy'}\n" + format_tree(node.body, indent + 1)
    if isinstance(node, n.Seq):
        if not node.items:
            return f"{pad}Empty"
        return f"{pad}Seq\n" + "\n".join(format_tree(i, indent + 1) for i in node.items)
    if isinstance(node, n.Alt):
        return f"{pad}Alt\n" + "\n".join(format_tree(o, indent + 1) for o in node.options)
    raise TypeError(f"not a pattern node: {node!r}")
