"""Counting words: case-insensitive, surrounding punctuation ignored."""
from __future__ import annotations

import string
from collections import Counter

_PUNCT = string.punctuation + "“”‘’"


def normalize(word: str) -> str:
    """Lower-case a word and strip the punctuation around it ("Hello," -> "hello")."""
    return word.strip(_PUNCT).lower()


def count_words(text: str) -> Counter:
    """How often each word occurs in text."""
    counts: Counter = Counter()
    for raw in text.split():
        word = normalize(raw)
        if word:
            counts[word] += 1
    return counts


def top_words(text: str, n: int = 10) -> list[tuple[str, int]]:
    """The n most frequent words, most frequent first; ties in alphabetical order."""
    counts = count_words(text)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
