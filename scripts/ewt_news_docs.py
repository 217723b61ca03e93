"""Build a news-like document set from UD English EWT's web texts, for the out-of-source check.

    python scripts/ewt_news_docs.py --out ../tmp/ewt/docs.jsonl

EWT's weblog and newsgroup documents include news pasted or retold by bloggers (wire copy on
Iraq, the Middle East, South Asia). This keeps those of at most 120 sentences that hold at least
three event words (the regular expression below), rebuilt from the ``# text`` lines of the three
CoNLL-U files, paragraphs joined by blank lines, one ``{"id", "text"}`` JSON line each. The output
is the same for the same treebank: the label files of ``scripts/oos_labels/ewt_*.tsv`` hold only
ids, offsets and labels, and need this file to be restored (``sentence_labels.py restore``).

The texts are the treebank's (CC BY-SA 4.0): keep the output outside this repository.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"

EVENT_WORDS = re.compile(
    r"\b(attack(s|ed)?|bomb(s|ed|ing|ings)?|blast|explosion|exploded|shell(s|ed|ing)|raid(s|ed)?|fired|killed|"
    r"wounded|ambush(ed)?|rockets?|missiles?|mortars?|stormed|gunmen|suicide|met|meets?|meeting|talks|"
    r"visit(s|ed|ing)?|summit)\b",
    re.I,
)
GENRES = ("weblog", "newsgroup")
MAX_SENTENCES = 120
MIN_EVENT_WORDS = 3


def documents(treebank: Path) -> list[dict[str, str]]:
    """The selected documents, in treebank order (train, dev, test)."""
    paragraphs_by_doc: dict[str, list[list[str]]] = {}
    for split in ("train", "dev", "test"):
        current: list[list[str]] | None = None
        for line in (treebank / f"en_ewt-ud-{split}.conllu").read_text(encoding="utf-8").splitlines():
            if line.startswith("# newdoc id"):
                current = paragraphs_by_doc.setdefault(line.split("=", 1)[1].strip(), [[]])
            elif line.startswith("# newpar") and current is not None and current[-1]:
                current.append([])
            elif line.startswith("# text =") and current is not None:
                current[-1].append(line.split("=", 1)[1].strip())
    selected = []
    for doc_id, paragraphs in paragraphs_by_doc.items():
        sentences = [s for paragraph in paragraphs for s in paragraph]
        if doc_id.split("-")[0] not in GENRES or len(sentences) > MAX_SENTENCES:
            continue
        text = "\n\n".join(" ".join(paragraph) for paragraph in paragraphs if paragraph)
        if len(EVENT_WORDS.findall(text)) >= MIN_EVENT_WORDS:
            selected.append({"id": "ewt-" + doc_id[:60], "text": text})
    return selected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--treebank", type=Path, default=SHARED / "treebank")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    docs = documents(args.treebank)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for doc in docs:
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
    print(f"{len(docs)} documents -> {args.out}")


if __name__ == "__main__":
    main()
