"""Product-name variation: customers name one product many ways.

"D-90 PowerDock", "PowerDock D-90", "D-90", "PowerDock": a model trained on the catalog's spelling
alone binds its facts to that spelling. Each epoch, every product mention in a customer (user)
turn is rewritten to one of its forms, drawn with a seed per epoch and example, so the model sees
each question with the product named in several ways. Assistant turns keep the company's spelling.
The catalog is the version's `products` (the curation's `company.products`).
"""

from __future__ import annotations

import random
import re

import polars as pl

from train.data import rewrite_messages


def names_pattern(forms) -> re.Pattern | None:
    """A regex matching any of these names as a whole (longest first: "D-90 PowerDock" before "D-90")."""
    alternatives = sorted(forms, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(f) for f in alternatives) + r")(?![\w-])") if alternatives else None


def name_forms(product: str) -> list[str]:
    """The ways a customer names a product: as catalogued, model code and family swapped, code alone, family alone.

    "D-90 PowerDock" -> ["D-90 PowerDock", "PowerDock D-90", "D-90", "PowerDock"]. A name without
    one model code (a word with a letter and a digit: "4" alone would match "4 days") has only itself.
    """
    words = product.split()
    codes = [w for w in words if any(c.isdigit() for c in w) and any(c.isalpha() for c in w)]
    if len(words) < 2 or len(codes) != 1:
        return [product]
    code = codes[0]
    family = " ".join(w for w in words if w != code)
    swapped = f"{family} {code}" if words[0] == code else f"{code} {family}"
    return [product, swapped, code, family]


class NameVariation:
    """Rewrites product mentions in user turns; one instance per product catalog."""

    def __init__(self, products: list[str]):
        self.forms: dict[str, list[str]] = {}
        owner: dict[str, str] = {}
        for product in products:
            forms = name_forms(product)
            self.forms[product] = forms
            for form in forms:
                owner.setdefault(form, product)
        # a form that two products share (a family name of two models) would move a question to the other product: keep it fixed
        shared = {form for form in owner if sum(form in forms for forms in self.forms.values()) > 1}
        self.owner = {form: product for form, product in owner.items() if form not in shared}
        self.pattern = names_pattern(self.owner)

    def rewrite(self, text: str, rng: random.Random) -> str:
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda m: rng.choice([f for f in self.forms[self.owner[m.group(0)]] if f in self.owner]), text)

    def vary(self, frame: pl.DataFrame, seed: int) -> pl.DataFrame:
        """The frame with product names in user turns redrawn (deterministic for a seed)."""
        return rewrite_messages(frame, f"{seed}|", lambda _row, _i, m, rng: self.rewrite(m["content"], rng) if m["role"] == "user" else m["content"])
