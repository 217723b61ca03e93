"""The pattern language: pattern text → syntax tree (`nodes`) → compiled `Program` → matches over a `Document` sentence; the `re`-like `Pattern` surface."""
