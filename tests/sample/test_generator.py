"""The sample-corpus generator: determinism, real formats, and a ground truth that matches the files."""

from __future__ import annotations

import csv
import email
import email.policy
import html
import json
import re
from pathlib import Path

import pytest

from curation.sample import KAGGLE_COLUMNS, generate_corpus
from curation.sample.catalog import PRODUCTS, product_by_code

_MBOX_SEPARATOR = re.compile(rb"^From \S+ (Mon|Tue|Wed|Thu|Fri|Sat|Sun) ", re.M)


# --------------------------------------------------------------------------------------------------
# helpers (independent of the generator's own code)
# --------------------------------------------------------------------------------------------------
def luhn_ok(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return len(digits) >= 13 and total % 10 == 0


def iban_ok(value: str) -> bool:
    compact = value.replace(" ", "")
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def split_mbox(data: bytes) -> list[bytes]:
    """mboxrd: split on 'From ' separator lines, undo the '>From ' escaping."""
    starts = [m.start() for m in _MBOX_SEPARATOR.finditer(data)]
    out = []
    for i, start in enumerate(starts):
        chunk = data[start:starts[i + 1] if i + 1 < len(starts) else len(data)]
        chunk = chunk.split(b"\n", 1)[1]
        if chunk.endswith(b"\n\n"):
            chunk = chunk[:-1]
        out.append(re.sub(rb"(?m)^>(>*From )", rb"\1", chunk))
    return out


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def message_fields(msg) -> dict[str, str]:
    fields = {f"header:{h}": str(msg[h]) for h in ("From", "To", "Subject") if msg[h] is not None}
    bodies = []
    for part in msg.walk():
        if part.get_content_maintype() == "text" and not part.is_attachment():
            bodies.append(part.get_content())
    fields["body"] = "\n".join(bodies)
    return fields


def load_messages(root: Path) -> dict[str, tuple[str, email.message.EmailMessage, bytes]]:
    """Message-ID -> (path relative to raw, parsed message, raw bytes)."""
    raw = root / "raw"
    out = {}
    for chunk in split_mbox((raw / "emails" / "support.mbox").read_bytes()):
        msg = parse(chunk)
        out[msg["Message-ID"]] = ("emails/support.mbox", msg, chunk)
    for path in sorted((raw / "emails" / "eml").glob("*.eml")):
        data = path.read_bytes()
        msg = parse(data)
        assert msg["Message-ID"] not in out
        out[msg["Message-ID"]] = (path.relative_to(raw).as_posix(), msg, data)
    return out


def flatten(obj, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.update(flatten(v, f"{prefix}[{i}]"))
    elif isinstance(obj, str):
        out[prefix] = obj
    return out


def pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(path).pages]


def norm(text: str) -> str:
    return " ".join(text.lower().split())


def all_raw_texts(root: Path) -> list[tuple[str, str]]:
    """(name, decoded text) of everything under raw/: what an ingester could possibly read."""
    raw = root / "raw"
    texts = []
    for path in sorted((raw / "manuals").iterdir()):
        if path.suffix == ".pdf":
            texts.append((path.name, "\n".join(pdf_pages(path))))
        elif path.suffix == ".html":
            data = path.read_bytes()
            charset = "cp1252" if b'charset="windows-1252"' in data else "utf-8"
            texts.append((path.name, html.unescape(data.decode(charset))))
        else:
            texts.append((path.name, path.read_text(encoding="utf-8")))
    texts.append(("csv", (raw / "tickets" / "tickets_kaggle.csv").read_text(encoding="utf-8")))
    tickets = json.loads((raw / "tickets" / "tickets_zendesk.json").read_text(encoding="utf-8"))
    texts.append(("json", "\n".join(flatten(tickets).values())))
    for msgid, (_, msg, data) in load_messages(root).items():
        fields = message_fields(msg)
        texts.append((msgid, "\n".join(fields.values()) + "\n" + html.unescape(fields["body"])))
        texts.append((msgid + " raw", data.decode("latin-1")))
    return texts


# --------------------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sample")
    generate_corpus(root)
    return root


@pytest.fixture(scope="module")
def truth(corpus) -> dict:
    return json.loads((corpus / "ground_truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def messages(corpus):
    return load_messages(corpus)


@pytest.fixture(scope="module")
def csv_rows(corpus) -> dict[str, dict]:
    with open(corpus / "raw" / "tickets" / "tickets_kaggle.csv", encoding="utf-8", newline="") as f:
        return {row["Ticket ID"]: row for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def json_tickets(corpus) -> dict[str, dict]:
    data = json.loads((corpus / "raw" / "tickets" / "tickets_zendesk.json").read_text(encoding="utf-8"))
    return {str(t["id"]): t for t in data["tickets"]}


# --------------------------------------------------------------------------------------------------
# tests
# --------------------------------------------------------------------------------------------------
def test_same_seed_gives_byte_identical_output(corpus, tmp_path):
    again = tmp_path / "again"
    generate_corpus(again)
    files = sorted(p.relative_to(corpus) for p in corpus.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for rel in files:
        assert (corpus / rel).read_bytes() == (again / rel).read_bytes(), rel


def test_another_seed_gives_other_tickets(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    generate_corpus(a, docs=150, seed=1)
    generate_corpus(b, docs=150, seed=2)
    csv_a = (a / "raw/tickets/tickets_kaggle.csv").read_bytes()
    assert csv_a != (b / "raw/tickets/tickets_kaggle.csv").read_bytes()
    assert (a / "raw/manuals/a45_superwidget_manual.pdf").read_bytes() == (b / "raw/manuals/a45_superwidget_manual.pdf").read_bytes()


def test_layout(corpus):
    for rel in ("raw/manuals/a45_superwidget_manual.pdf", "raw/manuals/b12_miniwidget_manual_v1.md",
                "raw/manuals/b12_miniwidget_manual_v1.1.md", "raw/manuals/c7_hubstation_manual.md",
                "raw/manuals/d90_powerdock_manual.html", "raw/manuals/e3_smarttag_manual.html",
                "raw/tickets/tickets_kaggle.csv", "raw/tickets/tickets_zendesk.json", "raw/emails/support.mbox",
                "eval/heldout_questions.jsonl", "ground_truth.json"):
        assert (corpus / rel).is_file(), rel
    assert len(list((corpus / "raw/emails/eml").glob("*.eml"))) > 10
    assert not list(corpus.glob(".ground_truth_*"))


def test_catalog_answers_hold_their_key_facts():
    assert len(PRODUCTS) == 5
    for product in PRODUCTS:
        assert len(product.topics) == 5
        for topic in product.topics:
            assert len(topic.paraphrases) >= 8
            for fact in topic.key_facts:
                assert fact in topic.answer, (product.code, topic.key, fact)
            assert topic.heldout_question not in topic.training_questions
    reset = product_by_code("A-45").topic("reset")
    assert reset.manual_page == 12
    assert "press and hold the blue button on the back for 10 seconds until the light flashes green" in reset.answer
    assert set(reset.key_facts) >= {"blue button", "10 seconds", "flashes green"}


def _four_grams(text: str) -> set[tuple[str, ...]]:
    """Lower-cased 4-word sequences, punctuation both removed ("A-45" -> "a45") and split on ("a 45")."""
    grams = set()
    for words in (re.sub(r"[^\w\s]", "", text.lower()).split(), re.sub(r"[^\w\s]", " ", text.lower()).split()):
        grams |= {tuple(words[i:i + 4]) for i in range(len(words) - 3)}
    return grams


def test_training_phrasings_share_no_four_words_with_the_heldout_question():
    """The held-out paraphrase tests generalisation: no phrasing the corpus may use gives its wording away."""
    for product in PRODUCTS:
        for topic in product.topics:
            heldout = _four_grams(topic.heldout_question)
            assert heldout, (product.code, topic.key)
            assert len(set(topic.training_questions)) == len(topic.training_questions) >= 8, (product.code, topic.key)
            for question in topic.training_questions:
                assert product.code in question or product.short in question, (product.code, topic.key, question)
                shared = _four_grams(question) & heldout
                assert not shared, (product.code, topic.key, question, sorted(shared))


def test_pdf_manual_has_reset_on_page_12(corpus, truth):
    pages = pdf_pages(corpus / "raw/manuals/a45_superwidget_manual.pdf")
    assert len(pages) >= 14
    page12 = " ".join(pages[11].split())
    assert page12.startswith("Resetting the SuperWidget")
    assert "press and hold the blue button on the back for 10 seconds until the light flashes green" in page12
    assert "Page 12 of" in page12
    assert any("Technical specifications" in p and "Operating temperature" in p for p in pages)
    manual = next(m for m in truth["manuals"] if m["format"] == "pdf")
    for section in manual["sections"]:
        number = int(section["unit"]["locator"].split(":")[1])
        assert pages[number - 1].splitlines()[0].strip() == section["heading"]


def test_text_manuals_match_ground_truth_sections(corpus, truth):
    for manual in truth["manuals"]:
        if manual["format"] == "pdf":
            continue
        data = (corpus / "raw" / manual["path"]).read_bytes()
        text = data.decode("cp1252" if manual["encoding"] == "windows-1252" else "utf-8")
        if manual["format"] == "markdown":
            headings = re.findall(r"(?m)^#{1,3} (.+)$", text)
            assert re.search(r"(?m)^\| --- \| --- \|$", text) and re.search(r"(?m)^1\. ", text)
        else:
            headings = [html.unescape(h) for h in re.findall(r"<h[1-3]>(.*?)</h[1-3]>", text)]
            assert "<nav" in text and "<table" in text and "<ol>" in text
            assert f'<meta charset="{manual["encoding"]}">' in text
        assert headings == [s["heading"] for s in manual["sections"]]
        assert [s["unit"]["locator"] for s in manual["sections"]] == [f"section:{h}" for h in headings]
    d90 = (corpus / "raw/manuals/d90_powerdock_manual.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        d90.decode("utf-8")
    assert "°C" in d90.decode("cp1252") and "–" in d90.decode("cp1252") and "é" in d90.decode("cp1252")


def test_every_topic_is_documented_in_a_manual_with_its_answer(corpus, truth):
    pages = pdf_pages(corpus / "raw/manuals/a45_superwidget_manual.pdf")
    for product in truth["products"]:
        for topic in product["topics"]:
            assert topic["manual_units"], topic["key"]
            for u in topic["manual_units"]:
                if u["locator"].startswith("page:"):
                    page = int(u["locator"][5:])
                    assert page == topic["manual_page"]
                    assert " ".join(topic["answer"].split()) in " ".join(pages[page - 1].split())
                else:
                    data = (corpus / "raw" / u["path"]).read_bytes()
                    text = html.unescape(data.decode("cp1252" if b"windows-1252" in data else "utf-8"))
                    assert topic["answer"] in text


def test_csv_has_the_kaggle_columns(corpus, csv_rows):
    with open(corpus / "raw/tickets/tickets_kaggle.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == KAGGLE_COLUMNS and len(rows[0]) == 17
    assert rows[0][0] == "Ticket ID" and rows[0][-1] == "Customer Satisfaction Rating"
    assert all(len(r) == 17 for r in rows)
    assert len(rows) - 1 == 150
    assert any("\n" in r["Ticket Description"] for r in csv_rows.values())
    unresolved = [r for r in csv_rows.values() if r["Ticket Status"] != "Closed"]
    assert 0.03 < len(unresolved) / len(csv_rows) < 0.2
    assert all(r["Resolution"] == "" and r["Ticket Status"] in ("Open", "Pending Customer Response") for r in unresolved)
    closed = [r for r in csv_rows.values() if r["Ticket Status"] == "Closed"]
    assert all(r["Resolution"] and r["Customer Satisfaction Rating"].endswith(".0") for r in closed)


def test_zendesk_export_layout(json_tickets, truth, corpus):
    assert len(json_tickets) == 60
    for ticket in json_tickets.values():
        for key in ("id", "subject", "description", "status", "priority", "created_at", "updated_at", "tags",
                    "product", "requester", "assignee", "comments"):
            assert key in ticket
        assert ticket["comments"][0]["body"] == ticket["description"]
        assert ticket["comments"][0]["author"]["role"] == "end-user"
        for c in ticket["comments"]:
            assert set(c) == {"id", "author_id", "author", "public", "body", "created_at"}
            assert c["author"]["role"] in ("end-user", "agent")
    notes = truth["internal_notes"]
    assert notes
    raw_texts = [text for name, text in all_raw_texts(corpus) if name != "json"]
    for note in notes:
        ticket = json_tickets[note["unit"]["locator"]]
        comment = next(c for c in ticket["comments"] if c["id"] == note["comment_id"])
        assert comment["public"] is False and comment["body"] == note["value"]
        assert note["marker"] in note["value"]
        public = [c["body"] for c in ticket["comments"] if c["public"]]
        assert not any(note["marker"] in b for b in public)
        assert not any(note["marker"] in t for t in raw_texts)


def test_every_message_parses_and_threads_link(corpus, truth, messages):
    assert len(messages) == truth["counts"]["email_messages"]
    assert truth["counts"]["mbox_messages"] + truth["counts"]["eml_files"] == len(messages)
    for msgid, (_, msg, _) in messages.items():
        assert msg["From"] and msg["Date"] and msg["Subject"] is not None
        assert not msg.defects, (msgid, msg.defects)
        assert msg.get_body(preferencelist=("plain", "html")) is not None or msg.get_content_type() == "multipart/report"
        if msg["In-Reply-To"]:
            assert msg["In-Reply-To"] in messages
            refs = str(msg["References"]).split()
            assert refs[-1] == msg["In-Reply-To"] and all(r in messages for r in refs)
    linked = 0
    for thread in truth["email_threads"]:
        ids = [m["unit"]["locator"] for m in thread["messages"]]
        root = messages[ids[0]][1]
        assert thread["messages"][0]["link"] == "root" and root["In-Reply-To"] is None
        for m in thread["messages"][1:]:
            path, msg, _ = messages[m["unit"]["locator"]]
            assert path == m["unit"]["path"]
            if m["link"] == "headers":
                assert msg["In-Reply-To"] in ids[: ids.index(m["unit"]["locator"])]
                linked += 1
            else:
                assert m["link"] == "subject" and msg["In-Reply-To"] is None and msg["References"] is None
                subject = re.sub(r"^((re|aw|out of office|automatic reply):\s*)+", "", str(msg["Subject"]), flags=re.I)
                assert subject == thread["subject"]
    assert linked > 40
    assert sum(m["link"] == "subject" for t in truth["email_threads"] for m in t["messages"]) >= 3


def test_special_messages_are_present(messages, truth):
    bodies = {mid: message_fields(msg)["body"] for mid, (_, msg, _) in messages.items()}
    xss = [mid for mid, body in bodies.items() if "<script>alert('xss')</script>" in body]
    assert len(xss) == 1
    assert "nordlicht.example" not in str(messages[xss[0]][1]["From"])
    charsets = {p.get_content_charset() for _, m, _ in messages.values() for p in m.walk() if p.get_content_maintype() == "text"}
    assert {"iso-8859-1", "windows-1252", "utf-8"} <= charsets
    qp_latin = [m for _, m, _ in messages.values()
                if m.get_content_charset() in ("iso-8859-1", "windows-1252") and m["Content-Transfer-Encoding"] == "quoted-printable"]
    assert any("ü" in message_fields(m)["body"] or "é" in message_fields(m)["body"] for m in qp_latin)
    types = [m.get_content_type() for _, m, _ in messages.values()]
    assert "multipart/alternative" in types and "multipart/mixed" in types
    assert types.count("text/html") >= 1
    reports = [m for _, m, _ in messages.values() if m.get_content_type() == "multipart/report"]
    assert reports and all(m.get_param("report-type") == "delivery-status" for m in reports)
    assert all("MAILER-DAEMON" in str(m["From"]) for m in reports)
    assert any(p.get_content_type() == "message/delivery-status" for m in reports for p in m.walk())
    auto = [m for _, m, _ in messages.values() if m["Auto-Submitted"] == "auto-replied" and m.get_content_type() != "multipart/report"]
    assert auto and all(re.match(r"(Out of Office|Automatic reply): ", str(m["Subject"])) for m in auto)
    attachments = [p for _, m, _ in messages.values() for p in m.walk() if p.is_attachment()]
    assert {p.get_content_type() for p in attachments} >= {"text/csv", "application/pdf"}
    assert all(p["Content-Transfer-Encoding"] == "base64" for p in attachments)
    assert any(b.strip() in ("Thanks!", "Thank you!", "Thx") for b in bodies.values())
    assert any("Hallo" in b and "zurücksetzen" in b for b in bodies.values())
    assert any("Bonjour" in b for b in bodies.values())
    assert any("-----Original Message-----" in b for b in bodies.values())
    assert any(re.search(r"(?m)^On .+ wrote:$", b) for b in bodies.values())
    assert any("This e-mail and any attachments are confidential" in b for b in bodies.values())
    assert any(re.search(r"(?m)^From what I can tell", b) for b in bodies.values())
    flags = {f["flag"] for f in truth["email_flags"]}
    assert flags >= {"xss", "html_only", "non_utf8_charset", "non_english", "attachment", "auto_reply", "bounce",
                     "subject_threading", "outlook_quote", "short", "resend", "mbox_from_escape"}


def test_mbox_escapes_from_lines(corpus):
    data = (corpus / "raw/emails/support.mbox").read_bytes()
    assert re.search(rb"(?m)^>From what I can tell", data)
    separators = _MBOX_SEPARATOR.findall(data)
    assert len(separators) == len(split_mbox(data))


def _unit_fields(u: dict, corpus: Path, messages, csv_rows, json_tickets) -> dict[str, str]:
    if u["source_kind"] == "email":
        path, msg, _ = messages[u["locator"]]
        assert path == u["path"]
        return message_fields(msg)
    if u["path"] == "tickets/tickets_kaggle.csv":
        return dict(csv_rows[u["locator"]])
    assert u["path"] == "tickets/tickets_zendesk.json"
    return flatten(json_tickets[u["locator"]])


def test_planted_pii_occurs_verbatim(corpus, truth, messages, csv_rows, json_tickets):
    pii = truth["pii"]
    types = {p["type"] for p in pii}
    assert types == {"EMAIL", "PHONE", "CARD", "IBAN", "ADDRESS", "PERSON"}
    for record in pii:
        fields = _unit_fields(record["unit"], corpus, messages, csv_rows, json_tickets)
        assert record["value"] in "\n".join(fields.values()), record
        for name in record["fields"]:
            assert record["value"] in fields[name], (record, name)
        assert "nordlicht" not in record["value"].lower()
    kinds = {p["unit"]["source_kind"] for p in pii}
    assert kinds == {"email", "ticket"}
    values = {p["value"] for p in pii}
    assert {"+49 30 1234567", "Hauptstraße 5, 10115 Berlin", "Jürgen Müller"} <= values
    assert any(re.fullmatch(r"\(\d{3}\) 555-\d{4}", v) for v in values)


def test_cards_pass_luhn_and_ibans_pass_mod97(truth):
    cards = [p["value"] for p in truth["pii"] if p["type"] == "CARD"]
    ibans = [p["value"] for p in truth["pii"] if p["type"] == "IBAN"]
    assert cards and ibans
    assert all(luhn_ok(c) for c in cards), [c for c in cards if not luhn_ok(c)]
    assert all(iban_ok(i) for i in ibans), [i for i in ibans if not iban_ok(i)]
    assert luhn_ok("4111 1111 1111 1111") and not luhn_ok("4111 1111 1111 1112")
    assert iban_ok("GB82 WEST 1234 5698 7654 32") and not iban_ok("GB83WEST12345698765432")
    assert {i[:2] for i in ibans} <= {"DE", "GB", "FR", "NL"}


def test_duplicates_are_what_they_claim(corpus, truth, messages, csv_rows, json_tickets):
    def text_of(u: dict) -> str:
        if u["source_kind"] == "manual":
            manual = next(m for m in truth["manuals"] if m["path"] == u["path"])
            return next(s["heading"] for s in manual["sections"] if s["unit"] == u)
        if u["source_kind"] == "email":
            return messages[u["locator"]][1].get_body(preferencelist=("plain",)).get_content()
        if u["path"].endswith(".csv"):
            return csv_rows[u["locator"]]["Ticket Description"]
        return json_tickets[u["locator"]]["description"]

    dups = truth["duplicates"]
    kinds = {(d["kind"], d["a"]["source_kind"], d["a"]["path"].split("/")[-1]) for d in dups}
    assert ("exact", "ticket", "tickets_kaggle.csv") in kinds and ("near", "ticket", "tickets_kaggle.csv") in kinds
    assert ("exact", "ticket", "tickets_zendesk.json") in kinds and ("near", "ticket", "tickets_zendesk.json") in kinds
    assert ("near", "email", "support.mbox") in kinds or ("near", "email", "eml") in {(k[0], k[1], "eml") for k in kinds}
    assert {"near", "exact"} <= {d["kind"] for d in dups if d["a"]["source_kind"] == "manual"}
    for d in dups:
        assert d["a"] != d["b"]
        a, b = text_of(d["a"]), text_of(d["b"])
        if d["kind"] == "exact":
            assert d["edit_rate"] == 0
            if d["a"]["source_kind"] != "manual":
                assert a == b
        else:
            assert 0 < d["edit_rate"] <= 0.35
            if d["a"]["source_kind"] == "ticket":
                assert a != b
    descriptions = [r["Ticket Description"] for r in csv_rows.values()]
    planted = {d["b"]["locator"] for d in dups if d["kind"] == "exact" and d["a"]["path"].endswith(".csv")}
    assert len(set(descriptions)) == len(descriptions) - len(planted)


def test_heldout_questions_never_appear_in_raw_files(corpus):
    questions = [json.loads(line) for line in (corpus / "eval/heldout_questions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(questions) == 25
    for q in questions:
        assert set(q) == {"id", "product", "topic", "question", "reference_answer", "key_facts", "manual_page"}
        assert all(f in q["reference_answer"] for f in q["key_facts"])
    reset = next(q for q in questions if q["id"] == "a45-reset")
    assert reset["manual_page"] == 12
    corpus_text = norm("\n".join(text for _, text in all_raw_texts(corpus)))
    for q in questions:
        assert norm(q["question"]) not in corpus_text, q["id"]
        assert norm(q["question"]).rstrip("?") not in corpus_text, q["id"]
    seen_training = sum(norm(t.rstrip("?")) in corpus_text for p in PRODUCTS for tp in p.topics for t in tp.training_questions)
    assert seen_training > 40


def test_scaled_run_is_close_to_the_requested_size(tmp_path):
    counts = generate_corpus(tmp_path, docs=800, seed=3)
    assert 700 <= counts["units_total"] <= 900
    assert counts["email_flags"]["xss"] == 1
    truth = json.loads((tmp_path / "ground_truth.json").read_text(encoding="utf-8"))
    assert truth["counts"] == counts
    lines = (tmp_path / "raw/tickets/tickets_zendesk.json").read_text(encoding="utf-8").splitlines()
    assert lines[0] == '{"tickets": [' and lines[-1] == "]}"
    assert len(lines) - 2 == counts["tickets_json"]
    assert all(json.loads(line.rstrip(",")) for line in lines[1:-1])


def test_a_large_corpus_cuts_its_mbox_and_exports_into_parts_that_ingest_reads_whole(tmp_path, monkeypatch):
    """At 1M units one mbox and one file per ticket export would be 319-385 MiB, over ingest.max_file_mb: ingest
    would quarantine each whole. Past PART_BYTES the generator goes on in a next part, and every unit the
    ground truth names is a unit ingest reads, in the part the ground truth says."""
    import polars as pl

    from curation.ingest import ingest
    from curation.sample import generator

    monkeypatch.setattr(generator, "PART_BYTES", 60_000)  # the 1M corpus in miniature
    counts = generate_corpus(tmp_path, docs=800, seed=3)
    raw = tmp_path / "raw"
    parts = {kind: sorted(p.name for p in raw.rglob(pattern)) for kind, pattern in
             (("mbox", "support*.mbox"), ("csv", "tickets_kaggle*.csv"), ("json", "tickets_zendesk*.json"))}
    assert all(len(names) > 1 for names in parts.values()), parts
    for name in parts["csv"]:
        with (raw / "tickets" / name).open(encoding="utf-8", newline="") as fh:
            assert tuple(next(csv.reader(fh))) == tuple(KAGGLE_COLUMNS), f"{name} starts with the header row"
    for name in parts["json"]:
        assert json.loads((raw / "tickets" / name).read_text(encoding="utf-8"))["tickets"], f"{name} is a JSON document of its own"

    ingest([raw / "emails", raw / "manuals", raw / "tickets"], tmp_path / "out", progress=False)
    ledger = pl.read_parquet(tmp_path / "out" / "ledger.parquet")
    assert ledger.filter(pl.col("outcome") == "quarantined").is_empty()
    assert ledger.height == counts["units_total"]
    read = set(zip(ledger["path"], ledger["locator"]))
    truth = json.loads((tmp_path / "ground_truth.json").read_text(encoding="utf-8"))
    named = [u for d in truth["duplicates"] if d["a"]["source_kind"] != "manual" for u in (d["a"], d["b"])]
    assert named and all((u["path"], u["locator"]) in read for u in named), "the ground truth names each unit where it is"
    assert {u["path"] for u in named} - {"tickets/tickets_kaggle.csv", "tickets/tickets_zendesk.json", "emails/support.mbox"}, \
        "some of them in later parts"
