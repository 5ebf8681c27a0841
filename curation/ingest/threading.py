"""Email threads: References / In-Reply-To first, then the normalised subject as a fallback.

The subject fallback is for exports without reply headers (Enron's "RE:" chains): a message with no
parent joins the latest earlier message of the same subject only when the two corresponded (its
sender took part in that message, and that message's sender takes part in it) within
SUBJECT_WINDOW. Two customers writing "Problem with my PowerDock" to the same support address
months apart are two threads, not one.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from schemas import stable_id
from schemas.frames import subject_key

__all__ = ["SUBJECT_WINDOW", "subject_key", "thread_keys"]

SUBJECT_WINDOW = timedelta(days=30)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        parent = self.parent.setdefault(item, item)
        while parent != self.parent[parent]:
            self.parent[parent] = self.parent[self.parent[parent]]
            parent = self.parent[parent]
        self.parent[item] = parent
        return parent

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def thread_keys(emails: pl.DataFrame) -> pl.DataFrame:
    """Map document id -> thread group key.

    ``emails`` has columns id, message_id, parent_ids (In-Reply-To + References), subject_key,
    created_at. A message's root candidate is the first of its References (the thread root by
    RFC 5322 convention), else its In-Reply-To, else itself; connected messages share the smallest
    root candidate, so a new reply joining a thread does not change the thread's key.
    """
    uf = _UnionFind()
    root_of: dict[str, str] = {}
    node_of: dict[str, str] = {}
    has_parent: dict[str, bool] = {}
    for row in emails.sort("created_at", "id", nulls_last=True).iter_rows(named=True):
        node = row["message_id"] or f"doc:{row['id']}"
        node_of[row["id"]] = node
        parents = [p for p in (row["parent_ids"] or []) if p]
        has_parent[row["id"]] = bool(parents)
        uf.find(node)
        for parent in parents:
            uf.union(node, parent)
        references_root = parents[0] if parents else node  # parent_ids = [*references, in_reply_to]: root first
        root_of[row["id"]] = references_root
    by_subject: dict[str, list[dict]] = {}
    for row in emails.sort("created_at", "id", nulls_last=True).iter_rows(named=True):
        key = row["subject_key"] or ""
        if len(key) < 4:
            continue
        earlier = by_subject.setdefault(key, [])
        if not has_parent[row["id"]]:
            match = _correspondent(row, earlier)
            if match is not None:
                uf.union(node_of[row["id"]], node_of[match["id"]])
        earlier.append(row)
    component_root: dict[str, str] = {}
    for doc_id, node in node_of.items():
        component = uf.find(node)
        candidate = root_of[doc_id]
        if component not in component_root or candidate < component_root[component]:
            component_root[component] = candidate
    ids = list(node_of)
    keys = [f"thread:{stable_id('t', component_root[uf.find(node_of[i])])[2:]}" for i in ids]
    return pl.DataFrame({"id": ids, "thread_key": keys}, schema={"id": pl.String, "thread_key": pl.String})


def _correspondent(message: dict, earlier: list[dict]) -> dict | None:
    """The latest earlier message (same subject) that `message` answers or follows up, if any."""
    participants = set(message["participants"] or [])
    sender = (message["participants"] or [""])[0]
    for candidate in reversed(earlier):
        if message["created_at"] and candidate["created_at"] and message["created_at"] - candidate["created_at"] > SUBJECT_WINDOW:
            return None
        theirs = candidate["participants"] or [""]
        if sender and sender in theirs and theirs[0] in participants:
            return candidate
    return None
