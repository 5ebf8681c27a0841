from __future__ import annotations

import json
from pathlib import Path

from curation.ingest.config import IngestConfig
from tests.ingest.helpers import documents, quarantined, read_all

KAGGLE_HEADER = "Ticket ID,Customer Name,Customer Email,Customer Age,Customer Gender,Product Purchased,Date of Purchase,Ticket Type,Ticket Subject,Ticket Description,Ticket Status,Resolution,Ticket Priority,Ticket Channel,First Response Time,Time to Resolution,Customer Satisfaction Rating"


def test_kaggle_csv_rows_with_multiline_fields(tmp_path: Path):
    rows = [
        KAGGLE_HEADER,
        '1,Ann Lee,ann@example.org,30,Female,A-45 SuperWidget,2024-01-02,Technical issue,Reset,"How do I reset it?\nIt froze.",Closed,Hold the blue button for 10 seconds.,High,Email,,,5',
        '2,Bo Chan,bo@example.org,41,Male,B-12 MiniWidget,2024-02-03,Billing,Refund,"Refund please",Open,,Low,Chat,,,',
        "3,too,many,fields," + ",".join(["x"] * 20),
    ]
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    units = read_all(tmp_path / "t.csv")
    docs = documents(units)
    assert [d.source.locator for d in docs] == ["1", "2"]
    assert docs[0].text == "How do I reset it?\nIt froze."
    assert docs[0].meta.resolution == "Hold the blue button for 10 seconds."
    assert docs[0].meta.requester.name == "Ann Lee" and docs[0].meta.product == "A-45 SuperWidget"
    assert [q.reason for q in quarantined(units)] == ["malformed_row"]


def test_csv_with_missing_columns_is_quarantined_naming_them(tmp_path: Path):
    (tmp_path / "t.csv").write_text("id,body\n1,hello\n")
    (only,) = quarantined(read_all(tmp_path / "t.csv"))
    assert only.reason == "csv_missing_columns"
    assert "Ticket Description" in only.detail and "columns found: id, body" in only.detail


def test_zendesk_json_keeps_public_and_internal_comments_apart(tmp_path: Path):
    export = {"tickets": [{
        "id": 77, "subject": "Pairing", "description": "Cannot pair my E-3", "status": "solved",
        "requester": {"name": "Kim", "email": "kim@example.org"}, "assignee": {"name": "Ole Agent", "email": "ole@nordlicht.example"},
        "tags": ["pairing"],
        "comments": [
            {"author": {"name": "Kim", "email": "kim@example.org", "role": "end-user"}, "public": True, "body": "Cannot pair my E-3"},
            {"author": {"name": "Ole Agent", "email": "ole@nordlicht.example", "role": "agent"}, "public": False, "body": "internal: VIP"},
            {"author": {"name": "Ole Agent", "email": "ole@nordlicht.example", "role": "agent"}, "public": True, "body": "Hold the tag on the hub."},
        ],
    }]}
    (tmp_path / "z.json").write_text(json.dumps(export))
    (doc,) = documents(read_all(tmp_path / "z.json"))
    assert doc.source.locator == "77" and doc.meta.agents[0].name == "Ole Agent"
    assert [(c.author_role, c.public) for c in doc.meta.comments] == [("customer", True), ("agent", False), ("agent", True)]
    assert doc.meta.tags == ["pairing"]


def test_jsonl_bad_lines_are_quarantined_and_good_ones_kept(tmp_path: Path):
    good = {"id": 1, "description": "hi", "comments": []}
    (tmp_path / "z.jsonl").write_text(json.dumps({"tickets": None} | good) + "\n{not json\n" + json.dumps({"id": 2}) + "\n")
    units = read_all(tmp_path / "z.jsonl")
    assert [d.source.locator for d in documents(units)] == ["1"]
    assert sorted(q.reason for q in quarantined(units)) == ["json_invalid", "missing_field"]


def test_reply_tree_rows_are_grouped_by_their_root(tmp_path: Path):
    (tmp_path / "tw.csv").write_text(
        "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
        "1,cust,True,Tue Oct 31 22:10:47 +0000 2017,my widget broke,2,\n"
        "2,AcmeSupport,False,Tue Oct 31 22:11:47 +0000 2017,sorry! DM us,3,1\n"
        "3,cust,True,Tue Oct 31 22:12:47 +0000 2017,done,,2\n"
        "9,other,True,Tue Oct 31 22:12:47 +0000 2017,unrelated,,\n"
    )
    docs = documents(read_all(tmp_path / "tw.csv"))
    keys = {d.source.locator: d.group_key for d in docs}
    assert keys["1"] == keys["2"] == keys["3"] != keys["9"]
    assert [d.meta.comments[0].author_role for d in docs] == ["customer", "agent", "customer", "customer"]


def test_unknown_json_layout_and_custom_mapping(tmp_path: Path):
    (tmp_path / "mine.json").write_text(json.dumps([{"key": "T-1", "question": "Where is page 12?"}]))
    assert quarantined(read_all(tmp_path / "mine.json"))[0].reason == "unknown_ticket_layout"
    mapping = tmp_path / "mine.yaml"
    mapping.write_text("name: mine\nticket_id: key\ndescription: question\n")
    (doc,) = documents(read_all(tmp_path / "mine.json", IngestConfig(ticket_mappings=[str(mapping)])))
    assert doc.meta.ticket_id == "T-1" and doc.text == "Where is page 12?"


def test_reply_tree_ids_written_as_floats_still_link(tmp_path: Path):
    """A pandas export writes in_response_to_tweet_id as "1.0": the reply must still find tweet 1."""
    (tmp_path / "twcs.csv").write_text(
        "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
        "1,cust,True,Tue Oct 31 22:10:47 +0000 2017,my A-45 froze again,2,\n"
        '2,NordlichtSupport,False,Tue Oct 31 22:12:01 +0000 2017,"Hold the blue button for 10 s, then it restarts",,1.0\n'
        "3.0,cust,True,Tue Oct 31 22:14:00 +0000 2017,that worked thanks,, 2 \n"
    )
    docs = documents(read_all(tmp_path / "twcs.csv"))
    assert [d.source.locator for d in docs] == ["1", "2", "3"]
    assert len({d.group_key for d in docs}) == 1, "the reply and the follow-up join the customer's tweet"


def test_short_rows_and_duplicate_ids_are_quarantined_not_merged(tmp_path: Path):
    rows = [
        KAGGLE_HEADER,
        '7,Ann Lee,ann@example.org,30,Female,A-45 SuperWidget,2024-01-02,Technical issue,Reset,"How do I reset it?",Closed,Hold the blue button.,High,Email,,,5',
        "8,Bo Chan,bo@example.org,41",  # a short row: padding it would shift nothing but lose the ticket's meaning
        '7,Cy Doe,cy@example.org,22,Male,B-12 MiniWidget,2024-03-04,Billing,Refund,"Refund please",Closed,Refunded.,Low,Chat,,,',
    ]
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    units = read_all(tmp_path / "t.csv")
    assert [d.source.locator for d in documents(units)] == ["7"]
    problems = {q.reason: q.detail for q in quarantined(units)}
    assert problems["malformed_row"] == "4 fields for 17 columns"
    assert problems["duplicate_ticket_id"] == "ticket id '7' on row 2 and again on row 4; the first is kept"  # rows as in the file, header = 1


def test_a_layout_bound_to_a_glob_wins_over_column_presence(tmp_path: Path):
    root = tmp_path / "tickets"
    (root / "twitter").mkdir(parents=True)
    (root / "other").mkdir()
    tweets = ("tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
              "1,cust,True,Tue Oct 31 22:10:47 +0000 2017,my A-45 froze again,2,\n")
    (root / "twitter" / "export.csv").write_text(tweets)
    (root / "other" / "export.csv").write_text(tweets)
    config = IngestConfig(ticket_mappings=["kaggle"], ticket_layouts={"tickets/twitter/*.csv": "twcs"})
    units = read_all(root, config)
    (doc,) = documents(units)
    assert doc.source.path == "tickets/twitter/export.csv" and doc.text == "my A-45 froze again"
    (refused,) = quarantined(units)
    assert refused.source.path == "tickets/other/export.csv" and refused.reason == "csv_missing_columns" and "kaggle" in refused.detail


def test_an_export_without_an_id_column_numbers_its_rows_and_an_empty_body_is_like_a_missing_one(tmp_path: Path):
    mapping = tmp_path / "plain.yaml"
    mapping.write_text("name: plain\ndescription: question\nresolution: answer\n")
    (tmp_path / "t.csv").write_text("question,answer\nHow do I reset it?,Hold the button.\n,Nothing asked\nIs it waterproof?,No.\n")
    units = read_all(tmp_path / "t.csv", IngestConfig(ticket_mappings=[str(mapping)]))
    assert [d.source.locator for d in documents(units)] == ["2", "4"], "ids are row numbers (the header is row 1)"
    (empty,) = quarantined(units)
    assert (empty.reason, empty.detail) == ("missing_field", "'question' is empty")
