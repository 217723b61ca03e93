"""Text → `Document`: tokens, sentences, token fields (word, lower, lemma, shape, num) and the annotators that build them."""
