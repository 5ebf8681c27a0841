"""Quality heuristics, each with its own reason code (Gopher / C4 style repetition checks)."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from pydantic import Field

from curation.base import StepConfig

# Han ideographs and kana: scripts written without spaces between words, so every character counts
# as a word (a Japanese sentence would otherwise be one or two "words"). Hangul is written with spaces.
_CJK = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+", re.UNICODE)


class QualityConfig(StepConfig):
    min_words: int = 3
    max_chars: int = 20_000
    allowed_languages: list[str] = ["en"]
    language_min_chars: int = 60
    language_min_confidence: float = 0.5
    # Gopher-style repetition checks are meant for long documents: a short manual section that
    # states a procedure as prose and again as numbered steps is not boilerplate.
    repetition_min_words: int = 120
    max_index_line_share: float = Field(
        default=0.5, gt=0.0, le=1.0, description="a manual section with this share of 'entry . . . . 19' lines is a contents or index page")
    repetition_source_kinds: list[str] = Field(
        default=["email", "ticket"],
        description="source kinds the repetition (boilerplate) checks apply to; manuals are exempt by default: a procedure "
                    "repeats its steps ('Disassemble the 2 screws of the top cover plate') and is still documentation")
    max_duplicate_line_fraction: float = 0.30
    max_top_bigram_char_fraction: float = 0.20
    max_duplicate_5gram_char_fraction: float = 0.15


def words(text: str) -> list[str]:
    """Words for counting: runs of letters and digits, and each Han or kana character on its own."""
    return _WORD.findall(text.lower())


@lru_cache(maxsize=1)
def _language_identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)  # the model ships in the wheel


def detect_language(text: str) -> tuple[str, float]:
    lang, confidence = _language_identifier().classify(text)
    return lang, float(confidence)


def repetition_scores(tokens: list[str], text: str) -> dict[str, float]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    dup_lines = sum(count - 1 for count in Counter(lines).values() if count > 1)
    total_chars = sum(len(t) for t in tokens) or 1
    bigrams = Counter(zip(tokens, tokens[1:]))
    top_bigram_chars = 0
    if bigrams:
        (a, b), count = bigrams.most_common(1)[0]
        top_bigram_chars = (len(a) + len(b)) * count
    fivegrams = [tuple(tokens[i : i + 5]) for i in range(len(tokens) - 4)]
    seen: set[tuple[str, ...]] = set()
    covered = [False] * len(tokens)
    for i, gram in enumerate(fivegrams):
        if gram in seen:
            for j in range(i, i + 5):
                covered[j] = True
        seen.add(gram)
    dup_5gram_chars = sum(len(t) for t, c in zip(tokens, covered) if c)
    return {
        "duplicate_line_fraction": dup_lines / max(len(lines), 1),
        "top_bigram_char_fraction": top_bigram_chars / total_chars,
        "duplicate_5gram_char_fraction": dup_5gram_chars / total_chars,
    }


_LEADER_LINE = re.compile(r"(?:\.\s?){3,}\s*\d+\s*$")  # "-x Arduino . . . . . 19", "Introduction..........3"


def index_share(text: str) -> float:
    """Share of the lines that end in a page number after dotted leaders: a table of contents or an index."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 5:
        return 0.0
    return sum(1 for line in lines if _LEADER_LINE.search(line)) / len(lines)


def quality_verdict(text: str, config: QualityConfig, source_kind: str = "email") -> tuple[str, str] | None:
    """(reason, detail) when the text must be dropped, else None. Checks run cheapest first."""
    if not text.strip():
        return "empty_after_cleaning", "no text left after cleaning"
    share = index_share(text) if source_kind == "manual" else 0.0
    if share >= config.max_index_line_share:
        return "navigation", f"{share:.0%} of the lines are index or contents entries (page numbers after leaders)"
    tokens = words(text)
    if len(tokens) < config.min_words:
        return "too_short", f"{len(tokens)} words < min_words {config.min_words}"
    if len(text) > config.max_chars:
        return "too_long", f"{len(text)} chars > max_chars {config.max_chars}"
    if config.allowed_languages and len(text) >= config.language_min_chars:
        lang, confidence = detect_language(text)
        if lang not in config.allowed_languages and confidence >= config.language_min_confidence:
            return "wrong_language", f"{lang} (p={confidence:.2f}); allowed: {', '.join(config.allowed_languages)}"
    if source_kind in config.repetition_source_kinds and len(tokens) >= config.repetition_min_words:
        scores = repetition_scores(tokens, text)
        limits = {
            "duplicate_line_fraction": config.max_duplicate_line_fraction,
            "top_bigram_char_fraction": config.max_top_bigram_char_fraction,
            "duplicate_5gram_char_fraction": config.max_duplicate_5gram_char_fraction,
        }
        for name, limit in limits.items():
            if scores[name] > limit:
                return "boilerplate", f"{name} {scores[name]:.2f} > {limit}"
    return None
