"""A deterministic sample corpus of the fictional company "Nordlicht Gadgets" (emails, manuals, tickets).

``generate_corpus(root, docs=None, seed=7)`` writes ``root/raw/{emails,manuals,tickets}``, the held-out
questions ``root/eval/heldout_questions.jsonl`` and ``root/ground_truth.json``; see
:mod:`curation.sample.generator` for the layout and :mod:`curation.sample.catalog` for the product facts.
"""

from curation.sample.generator import KAGGLE_COLUMNS, generate_corpus

__all__ = ["KAGGLE_COLUMNS", "generate_corpus"]
