"""First names inside replies, planted into real text: recall by where the name sits, and what stays.

    python benchmarks/pii_names.py [--corpora ../shared/corpora] [--texts 300] [--seed 1] [--json]

The redactor finds a name a reply addresses by its place ("Hi Harry! ...", "..., Miriam.", "- Dani" at
the end, "^Jools"); a lone word in a vocative or after a sentence counts only when Faker's given-name
lists hold it. So the names planted here come from somewhere else: the display names in the shared
e-mail corpus's headers (Enron staff, mailing-list members), their first word. Each sampled text
(real e-mail bodies and ticket comments from the shared corpora) gets one planted name in one of the
patterns below, plus one look-alike sentence that must stay untouched (a word in a name's place that is
no name). Redaction runs without known names (the headers are not given), i.e. the text alone.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from curation.clean.pii import COMMON_WORDS, PiiConfig, first_names, redact  # noqa: E402

PATTERNS = {  # where the name sits: (prefix, suffix) around the original text
    "greeting": ("Hi {name}! ", ""),
    "greeting_comma": ("Hello {name}, ", ""),
    "vocative_end": ("", " Thanks for your patience, {name}."),
    "signature_dash": ("", " Thanks - {name}"),
    "signature_caret": ("", " ^{name}"),
    "name_after_sentence": ("", " We hope this helps. {name}"),
    "addressed_after_help": ("We'd like to help {name}, ", ""),
}
LOOK_ALIKES = [  # a capitalised word in a name's place that is no name
    " Then open Settings, General.", " It ships from London, England.", " Tell us in DM, Thanks.", " Hi there! We can help.",
    " Restart it, then press OK.", " Go to Menu - Settings", " See the chart below. Overview", " Hello World! is printed.",
    " Happy to help Tesco, Argos and Boots.", " Sorry again, it failed.",
]


def header_first_names(corpora: Path) -> list[str]:
    import tempfile

    from curation.ingest import ingest
    from schemas.frames import read_documents

    names: set[str] = set()
    with tempfile.TemporaryDirectory() as tmp:
        ingest([corpora / "emails"], Path(tmp), progress=False)
        for doc in read_documents(Path(tmp) / "documents.parquet"):
            meta = doc.meta
            for box in [meta.sender, *meta.recipients]:
                first = (box.name or "").replace('"', "").split(",")[-1].split()[:1]
                if first and re.fullmatch(r"[A-Z][a-z]{2,}", first[0]) and first[0].lower() not in COMMON_WORDS:
                    names.add(first[0])
    return sorted(names)


def texts_of(corpora: Path) -> list[str]:
    import tempfile

    from curation.ingest import ingest
    from schemas.frames import read_documents

    with tempfile.TemporaryDirectory() as tmp:
        ingest([corpora / "emails", corpora / "tickets"], Path(tmp), progress=False)
        return [doc.text.strip() for doc in read_documents(Path(tmp) / "documents.parquet") if 40 < len(doc.text) < 600]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", type=Path, default=REPO_ROOT.parent / "shared" / "corpora")
    parser.add_argument("--texts", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    names = header_first_names(args.corpora)
    pool = texts_of(args.corpora)
    config = PiiConfig()
    found, total, touched = Counter(), Counter(), Counter()
    for text in rng.sample(pool, min(args.texts, len(pool))):
        name, pattern = rng.choice(names), rng.choice(list(PATTERNS))
        prefix, suffix = (part.format(name=name) for part in PATTERNS[pattern])
        look = rng.choice(LOOK_ALIKES)
        planted = prefix + text + look + suffix
        at = planted.rindex(name) if suffix else planted.index(name)
        spans = redact(planted, config).spans
        total[pattern] += 1
        found[pattern] += any(kind == "PERSON" and s <= at and at + len(name) <= e for kind, s, e, _ in spans)
        look_at = len(prefix) + len(text)
        touched[look.strip()] += any(kind == "PERSON" and s < look_at + len(look) and look_at < e for kind, s, e, _ in spans)
    given = first_names()
    result = {
        "texts": sum(total.values()), "seed": args.seed, "header_first_names": len(names),
        "in_faker_lists": round(sum(n in given for n in names) / len(names), 3),
        "recall": {p: round(found[p] / total[p], 3) for p in PATTERNS if total[p]},
        "planted": dict(total),
        "look_alikes_touched": {k: v for k, v in touched.items() if v},
    }
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
