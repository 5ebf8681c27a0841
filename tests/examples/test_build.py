from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from curation.company import SAMPLE_COMPANY, CompanyConfig
from curation.examples.build import email_thread, manual_examples, ticket_conversation
from curation.examples.config import ExamplesConfig
from curation.examples.questions import heading_question
from schemas import Document, EmailMeta, Mailbox, ManualMeta, SourceRef, TicketComment, TicketMeta

COMPANY = SAMPLE_COMPANY
CONFIG = ExamplesConfig()
T0 = datetime(2025, 3, 3, 10, tzinfo=timezone.utc)


def _email(i: int, sender: str, text: str, thread: str = "thread:1") -> Document:
    return Document(
        id=f"d_{i}", source=SourceRef(source_kind="email", path="emails/x.mbox", locator=f"<{i}@x>", sha256="0"),
        group_key=thread, created_at=T0 + timedelta(minutes=i), text=text,
        meta=EmailMeta(message_id=f"<{i}@x>", sender=Mailbox(address=sender)),
    )


def test_email_thread_roles_merge_and_trailing_followup():
    docs = [
        _email(1, "cust@example.org", "How do I reset my A-45?"),
        _email(2, "cust@example.org", "It is the blue one."),
        _email(3, "lena.fischer@nordlicht.example", "Hold the blue button for 10 seconds."),
        _email(4, "cust@example.org", "Thanks!"),
    ]
    outcome = email_thread(docs, COMPANY, CONFIG)
    (example,) = outcome.examples
    assert [m.role for m in example.messages] == ["system", "user", "assistant"]
    assert example.messages[1].content == "How do I reset my A-45?\n\nIt is the blue one."
    assert outcome.dropped == {"d_4": ("unanswered_followup", "after the company's last reply")}
    assert outcome.used == {"d_1": [example.id], "d_2": [example.id], "d_3": [example.id]}
    assert example.source_document_ids == ["d_1", "d_2", "d_3"]


def test_a_long_thread_becomes_windows_that_each_end_in_a_reply():
    docs = [_email(i, "cust@example.org" if i % 2 == 0 else "lena.fischer@nordlicht.example", f"message number {i}")
            for i in range(90)]  # 45 customer messages, each answered
    outcome = email_thread(docs, COMPANY, ExamplesConfig(max_turns=41))  # rounded down to 40: windows end on a reply
    # the system prompt + 40 turns; then the last exchange before as context + 38 new turns; then context + 12
    assert [len(e.messages) for e in outcome.examples] == [41, 41, 15]
    assert [e.context_turns for e in outcome.examples] == [0, 2, 2]
    for example in outcome.examples:
        roles = [m.role for m in example.messages]
        assert roles[0] == "system" and roles[1] == "user" and roles[-1] == "assistant"
        assert example.group_key == "thread:1"
    assert [m.content for m in outcome.examples[1].messages[1:4]] == ["message number 38", "message number 39", "message number 40"]
    assert outcome.dropped == {}
    assert sorted(outcome.used) == [f"d_{i}" for i in sorted(range(90), key=lambda i: f"d_{i}")]
    assert all(len(ids) == 1 for ids in outcome.used.values()), "each message is in exactly one window"
    assert outcome.used["d_85"] == [outcome.examples[2].id]


def test_a_window_after_the_first_opens_with_the_exchange_before_it_as_context():
    """The shared twcs sample: a window opening on "No, but I've moved the speaker" reads as a reply to nothing."""
    texts = ["Spotify skips songs on my tablet.", "Which device and version?", "Galaxy Tab A, 8.4.22. Does distance matter?",
             "It could. Does logging out and back in help?", "No, but I've moved the speaker closer and it stopped skipping.",
             "Great to hear! Tell us if it comes back."]
    docs = [_email(i, "cust@example.org" if i % 2 == 0 else "lena.fischer@nordlicht.example", text) for i, text in enumerate(texts)]
    windows = email_thread(docs, COMPANY, ExamplesConfig(max_turns=4)).examples
    assert [[m.content for m in w.messages[1:]] for w in windows] == [texts[:4], texts[2:]]
    assert [w.context_turns for w in windows] == [0, 2]
    assert email_thread(docs, COMPANY, ExamplesConfig(max_turns=4, window_history=0)).examples[1].messages[1].content == texts[4]


def test_windows_fit_the_training_length():
    # a real chat template and tokenizer: the budget is counted as training will count it
    from curation.examples.build import token_budget
    from train.base_model import chat_token_counter

    count = chat_token_counter("smollm2")
    fits = token_budget("train.base_model:chat_token_counter", "smollm2", 256)
    long_reply = "Hold the blue button for ten seconds, then wait until the light flashes green. " * 12  # ~200 tokens alone
    texts = ["My widget froze.", "Please restart it.", "Still frozen.", long_reply, "Thanks, one more thing: it beeps.", "That is the low-battery tone.",
             "And the light?", "Green means charged.", "Great.", "Glad to help!"]
    docs = [_email(i, "cust@example.org" if i % 2 == 0 else "lena.fischer@nordlicht.example", text) for i, text in enumerate(texts)]
    config = ExamplesConfig()
    windows = email_thread(docs, COMPANY, config, fits).examples
    whole = email_thread(docs, COMPANY, config).examples[0].messages[1:]
    assert len(windows) > 1 and whole == [m for w in windows for m in w.messages[1 + w.context_turns:]], "each turn is trained in one window"
    assert windows[0].context_turns == 0 and all(w.messages[1:1 + w.context_turns] == whole[:whole.index(w.messages[1 + w.context_turns])][-w.context_turns:]
                                                 for w in windows[1:] if w.context_turns), "context: the turns just before the window"
    for window in windows:
        messages = [m.model_dump() for m in window.messages]
        assert messages[0]["role"] == "system" and messages[1]["role"] == "user" and messages[-1]["role"] == "assistant"
        assert count(messages) <= 256 or len(messages) == 3, "a window fits, or is one exchange too long on its own"


def test_thread_without_company_reply_is_dropped_with_reason():
    outcome = email_thread([_email(1, "a@example.org", "hello?"), _email(2, "a@example.org", "anyone?")], COMPANY, CONFIG)
    assert outcome.examples == []
    assert {r for r, _ in outcome.dropped.values()} == {"no_assistant_turn"}


def test_ticket_uses_public_comments_then_resolution_and_ids_are_stable():
    def ticket(comments, resolution=""):
        return Document(
            id="d_t", source=SourceRef(source_kind="ticket", path="tickets/t.json", locator="7", sha256="0"),
            group_key="ticket:7", text="My tag will not pair.",
            meta=TicketMeta(ticket_id="7", resolution=resolution, comments=comments),
        )

    with_comments = ticket([
        TicketComment(author_role="customer", body="My tag will not pair."),
        TicketComment(author_role="agent", body="Hold it on the hub."),
    ])
    (example,) = ticket_conversation([with_comments], COMPANY, CONFIG).examples
    assert [(m.role, m.content) for m in example.messages[1:]] == [("user", "My tag will not pair."), ("assistant", "Hold it on the hub.")]
    assert ticket_conversation([with_comments], COMPANY, CONFIG).examples[0].id == example.id
    (resolved,) = ticket_conversation([ticket([], resolution="Replaced the battery.")], COMPANY, CONFIG).examples
    assert resolved.messages[-1].content == "Replaced the battery."
    unanswered = ticket_conversation([ticket([])], COMPANY, CONFIG)
    assert unanswered.examples == [] and unanswered.dropped["d_t"][0] == "unanswered_ticket"


def test_manual_section_gives_instruction_with_citation_and_passage():
    doc = Document(
        id="d_m", source=SourceRef(source_kind="manual", path="manuals/a45.pdf", locator="page:12", sha256="0"),
        group_key="manual:a45#page-12", title="Resetting the SuperWidget",
        text="Resetting the SuperWidget\nPress and hold the blue button on the back for 10 seconds until the light flashes green.",
        meta=ManualMeta(manual="A-45 SuperWidget User Manual", heading_path=["Resetting the SuperWidget"], page=12, format="pdf"),
    )
    instruction, passage = manual_examples(doc, COMPANY, CONFIG).examples
    assert instruction.messages[1].content == "How do I reset the A-45 SuperWidget?"
    assert instruction.messages[2].content.endswith("(Source: A-45 SuperWidget User Manual, page 12.)")
    assert passage.kind == "passage" and [m.role for m in passage.messages] == ["assistant"]
    no_manual = manual_examples(doc, COMPANY, ExamplesConfig(manual_instructions=False, manual_passages=False))
    assert no_manual.dropped["d_m"][0] == "manual_examples_disabled"


@pytest.mark.parametrize(("heading", "product", "question"), [
    ("Charging the battery", "A-45 SuperWidget", "How do I charge the battery on the A-45 SuperWidget?"),
    ("Resetting a SmartTag", "E-3 SmartTag", "How do I reset the E-3 SmartTag?"),
    ("Adding devices to the hub", "C-7 HubStation", "How do I add devices to the hub on the C-7 HubStation?"),
    ("Water resistance", "E-3 SmartTag", "What should I know about water resistance for the E-3 SmartTag?"),
    # a gerund before a plain noun is a modifier, not a task
    ("Overheating protection", "D-90 PowerDock", "What should I know about overheating protection for the D-90 PowerDock?"),
    ("Pairing with the Nordlicht app", "A-45 SuperWidget", "How do I pair with the Nordlicht app on the A-45 SuperWidget?"),
    ("Charging", "A-45 SuperWidget", "How do I charge the A-45 SuperWidget?"),
    ("Editing", None, "How do I edit?"),
    # the shared Anki and avrdude manuals: a lexicon, not a suffix rule ("Browsing" gave "How do I brows?")
    ("Browsing", None, "How do I browse?"),
    ("Debugging", None, "How do I debug?"),
    ("Syncing with AnkiWeb", None, "How do I sync with AnkiWeb?"),
    # the shared Anki manual's Title Case headings: a gerund with its object, an instruction, as a customer writes them
    ("Installing Fonts", None, "How do I install fonts?"),
    ("Inputting Non-Latin Characters and Accents", None, "How do I input Non-Latin characters and accents?"),
    ("Restart Anki", None, "How do I restart Anki?"),
    ("Change the Video Driver", None, "How do I change the video driver?"),
    ("Change the Driver From Terminal.app", None, "How do I change the driver from Terminal.app?"),
    ("Fading and Scrolling", "D-90 PowerDock", "What should I know about fading and Scrolling for the D-90 PowerDock?"),  # two topics
    ("Creating Manually", "D-90 PowerDock", "What should I know about creating Manually for the D-90 PowerDock?"),  # no object
    ("Starting Ease", "D-90 PowerDock", "What should I know about starting Ease for the D-90 PowerDock?"),  # a modifier
    ("Reset the PowerDock", "D-90 PowerDock", "How do I reset the D-90 PowerDock?"),
    ("Editing Area", "D-90 PowerDock", "What should I know about editing Area for the D-90 PowerDock?"),  # a gerund that modifies
    ("String functions", "D-90 PowerDock", "What should I know about string functions for the D-90 PowerDock?"),  # no gerund
    # a symptom heading becomes the customer's question about that symptom
    ("The PowerDock does not charge", "D-90 PowerDock", "What do I do if the D-90 PowerDock does not charge?"),
    ("Resetting the PowerDock", "D-90 PowerDock", "How do I reset the D-90 PowerDock?"),
    # and what they must not turn into
    ("Troubleshooting tips", "D-90 PowerDock", "What should I know about troubleshooting tips for the D-90 PowerDock?"),
    ("The PowerDock at a glance", "D-90 PowerDock", 'What does the D-90 PowerDock User Manual say about "The PowerDock at a glance"?'),
    ("The SmartTag does not beep", "SmartTag E-3", "What do I do if the SmartTag E-3 does not beep?"),
])
def test_heading_questions(heading, product, question):
    assert heading_question([heading], f"{product} User Manual", product) == question


def test_copies_of_one_message_in_several_folders_become_one():
    """Enron files one message in Inbox, Sent and All Documents under new Message-IDs."""
    from curation.examples.build import copy_keys, first_copies
    from schemas.frames import document_row

    def copy(i: int, folder: str, msgid: str, text: str = "Please send the gas report by noon.") -> Document:
        return Document(
            id=f"d_{i}", source=SourceRef(source_kind="email", path=f"{folder}.mbox", locator=msgid, sha256="0"),
            group_key="thread:1", created_at=T0, text=text,
            meta=EmailMeta(message_id=msgid, sender=Mailbox(address="Phillip.Allen@enron.com")),
        )

    docs = [copy(1, "inbox", "<a@x>"), copy(2, "all_documents", "<b@x>"), copy(3, "sent", "<a@x>", text="other text, same id"),
            copy(4, "discussion", "<c@x>", text="A different message.")]
    ordered = sorted(docs, key=lambda d: (d.source.path, d.source.locator, d.id))  # as build_examples orders them
    copy_of = first_copies((d.id, copy_keys(document_row(d))) for d in ordered)
    assert [d.id for d in docs if d.id not in copy_of] == ["d_2", "d_4"], "the first copy by path is kept"
    # d_1 has d_2's sender, date and body; d_3 has d_1's Message-ID: both are copies of d_2
    assert copy_of == {"d_1": "d_2", "d_3": "d_2"}


def test_copies_in_two_threads_stay_copies_after_their_names_become_surrogates():
    """Surrogates are drawn per thread, so one mail filed in two folders that ingest threaded apart reads
    "Greg," in one copy and "Mario," in the other once cleaned: it is still one message (the Enron folders)."""
    from curation.clean.config import CleanConfig
    from curation.clean.pipeline import clean_document
    from curation.examples.build import copy_keys, first_copies
    from schemas.frames import document_row

    def filed(i: int, folder: str) -> Document:
        return Document(
            id=f"d_{i}", source=SourceRef(source_kind="email", path=f"{folder}.mbox", locator=f"<{i}@x>", sha256="0"),
            group_key=f"thread:{folder}", created_at=T0, text="Greg,\n\nCan you resend the Q3 curve file? The link is dead.",
            meta=EmailMeta(message_id=f"<{i}@x>", sender=Mailbox(address="Phillip.Allen@enron.com")),
        )

    cleaned = [clean_document(filed(i, folder), CleanConfig()).document for i, folder in enumerate(["inbox", "all_documents"])]
    assert all("Greg" not in d.text for d in cleaned) and cleaned[0].text != cleaned[1].text, [d.text for d in cleaned]
    assert first_copies((d.id, copy_keys(document_row(d))) for d in cleaned) == {"d_1": "d_0"}


def test_a_turn_never_holds_the_same_paragraph_twice():
    docs = [
        _email(1, "cust@example.org", "Hello,\n\nMy A-45 froze after the update."),
        _email(2, "cust@example.org", "Hello,\n\nMy A-45 froze after the update.\n\nIt is the blue one."),
        _email(3, "lena.fischer@nordlicht.example", "Hold the blue button for 10 seconds."),
    ]
    (example,) = email_thread(docs, COMPANY, CONFIG).examples
    assert example.messages[1].content == "Hello,\n\nMy A-45 froze after the update.\n\nIt is the blue one."


def test_an_echo_or_template_residue_is_never_published():
    echo = email_thread([_email(1, "cust@example.org", "Where is my order NG-1234?"),
                         _email(2, "lena.fischer@nordlicht.example", "where is my order  NG-1234?")], COMPANY, CONFIG)
    assert echo.examples == [] and {r for r, _ in echo.dropped.values()} == {"echo"}
    residue = email_thread([_email(1, "cust@example.org", "My {product_purchased} does not start, please help."),
                            _email(2, "lena.fischer@nordlicht.example", "Please charge it for two hours first.")], COMPANY, CONFIG)
    assert residue.examples == []
    assert set(residue.dropped.values()) == {("template_residue", "{product_purchased} in a user turn")}


def test_each_message_says_where_it_sits_and_why_it_is_customer_or_company():
    docs = [_email(1, "cust@example.org", "How do I reset my A-45?"), _email(2, "lena.fischer@nordlicht.example", "Hold the blue button."),
            _email(3, "support@nordlicht.example", "Did that work?")]
    company = CompanyConfig(name="Nordlicht Gadgets", support_addresses=["support@nordlicht.example"], domains=["other.example"])
    why = email_thread(docs, company, CONFIG).why
    assert why["d_1"] == "thread:1, message 1 of 3: customer (user) because @example.org is not in company.domains and the sender is not a support address"
    assert why["d_2"].endswith("customer (user) because @nordlicht.example is not in company.domains and the sender is not a support address")
    assert why["d_3"] == "thread:1, message 3 of 3: company (assistant) because the sender is one of company.support_addresses"
    assert not any("cust@" in text for text in why.values()), "the ledger never names a person's address"
    assert email_thread(docs, COMPANY, CONFIG).why["d_2"].endswith("company (assistant) because @nordlicht.example is in company.domains (nordlicht.example)")


@pytest.mark.parametrize("first", ["Thanks!", "ok great, thanks", "invoice_2023.pdf", "[image: photo.jpg]", "https://t.co/abc", "🙏"])
def test_a_conversation_whose_first_customer_turn_asks_nothing_is_not_published(first):
    docs = [_email(0, "cust@example.org", first), _email(1, "lena.fischer@nordlicht.example", "You're welcome, glad it works now!")]
    outcome = email_thread(docs, COMPANY, ExamplesConfig())
    assert outcome.examples == [] and {reason for reason, _ in outcome.dropped.values()} == {"not_a_request"}


def test_a_thank_you_with_a_question_is_a_request():
    docs = [_email(0, "cust@example.org", "Thank you, but how do I reset it?"), _email(1, "lena.fischer@nordlicht.example", "Hold the blue button.")]
    assert len(email_thread(docs, COMPANY, ExamplesConfig()).examples) == 1


@pytest.mark.parametrize(("reply", "dropped"), [
    ("Billion speech door despite little find.", True),  # the Kaggle export's resolutions: words drawn from a list
    ("Care nice thus decide.", True),
    ("Hold the blue button for ten seconds.", False),
    ("Refund issued for your order NG-1234.", False),
    ("Halten Sie die blaue Taste zehn Sekunden lang gedrückt, bis die Leuchte grün blinkt.", False),  # not English: not judged
])
def test_a_reply_that_is_not_prose_is_not_published(reply, dropped):
    docs = [_email(0, "cust@example.org", "My GoPro Hero does not turn on, please assist."), _email(1, "lena.fischer@nordlicht.example", reply)]
    outcome = email_thread(docs, COMPANY, ExamplesConfig())
    assert (outcome.examples == [] and {r for r, _ in outcome.dropped.values()} == {"not_language"}) is dropped


TWEETS = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"


def _reply_tree(tmp_path, rows: str):
    from tests.ingest.helpers import documents, read_all

    (tmp_path / "twcs.csv").write_text(TWEETS + rows)
    docs = documents(read_all(tmp_path / "twcs.csv"))
    assert len({d.group_key for d in docs}) == 1
    return docs, ticket_conversation(docs, COMPANY, CONFIG)


def test_a_stranger_chiming_into_a_reply_tree_is_not_merged_into_the_customer_turn(tmp_path):
    """The shared twcs sample: 105860 complains, 105859 answers 105860, UPS answers 105859."""
    docs, outcome = _reply_tree(tmp_path,
        "3,105860,True,Wed Oct 11 13:47:14 +0000 2017,They reschedule my delivery for tomorrow again,2,\n"
        "2,105859,True,Wed Oct 11 13:50:42 +0000 2017,@105860 I wish I could just get it shipped to the UPS store instead,1,3\n"
        "1,UPSHelp,False,Wed Oct 11 13:56:00 +0000 2017,@105859 UPS My Choice lets you have packages delivered to a UPS Store.,,2\n")
    (example,) = outcome.examples
    assert [m.content for m in example.messages[1:]] == ["@105860 I wish I could just get it shipped to the UPS store instead",
                                                        "@105859 UPS My Choice lets you have packages delivered to a UPS Store."]
    stranger = next(d.id for d in docs if d.source.locator == "3")
    assert outcome.dropped == {stranger: ("other_customer", outcome.dropped[stranger][1])}


def test_one_customer_replying_to_the_company_is_one_conversation(tmp_path):
    _, outcome = _reply_tree(tmp_path,
        "1,cust,True,Tue Oct 31 22:10:47 +0000 2017,my A-45 froze again after the update,2,\n"
        "2,NordlichtSupport,False,Tue Oct 31 22:12:01 +0000 2017,Hold the blue button for 10 seconds and it restarts.,3,1\n"
        "3,cust,True,Tue Oct 31 22:14:00 +0000 2017,that worked but now the light is red?,4,2\n"
        "4,NordlichtSupport,False,Tue Oct 31 22:15:00 +0000 2017,Red means it is charging; wait until it turns green.,,3\n")
    (example,) = outcome.examples
    assert len(example.messages) == 5 and outcome.dropped == {}


@pytest.mark.parametrize(("reply", "cut"), [
    ("@105854 I am sorry for the poor experience. Can you please DM the full service address and name on the account, as we ass... https://t.co/JEZhqGdBMd", True),
    ("@105854 We're on it… https://t.co/JEZhqGdBMd", True),
    ("@105854 Please see our status page for updates: https://t.co/JEZhqGdBMd", False),
    ("@105854 Settings > General > About shows it. More here ... https://t.co/JEZhqGdBMd", False),
])
def test_a_reply_the_export_cut_short_is_not_published(tmp_path, reply, cut):
    _, outcome = _reply_tree(tmp_path,
        "1,105854,True,Wed Oct 11 13:20:00 +0000 2017,My internet has been down since this morning and nobody can tell me why,2,\n"
        f'2,Comcast,False,Wed Oct 11 13:30:00 +0000 2017,"{reply}",,1\n')
    assert (outcome.examples == []) == cut
    if cut:
        assert {reason for reason, _ in outcome.dropped.values()} == {"cut_by_export"}


@pytest.mark.parametrize(("replies", "published"), [
    (["@105861 If that doesn't help please DM your full name and address so we can log this. Thanks - Lee 2/2"], False),
    (["@105861 Sorry to hear that, could you clear your cookies first? 1/2",
      "@105861 If that doesn't help please DM your full name and address so we can log this. Thanks - Lee 2/2"], True),
    (["@105842 The updated departure time we have is 15:30. 1/2",
      "@105842 I appreciate it's after 15:30 now, so hopefully you will depart very soon. 2/2 ^JR"], True),
    (["@105861 Add 1/2 cup of descaler to the tank and run one cycle, then rinse with 1 litre of water"], True),
])
def test_a_reply_in_numbered_parts_needs_all_its_parts(tmp_path, replies, published):
    rows = "1,105861,True,Wed Oct 11 14:05:18 +0000 2017,@Tesco the website is slow when I remove an item from my favourites,2,\n"
    rows += "".join(f'{i},Tesco,False,Wed Oct 11 15:3{i}:07 +0000 2017,"{reply}",,1\n' for i, reply in enumerate(replies, start=2))
    _, outcome = _reply_tree(tmp_path, rows)
    assert bool(outcome.examples) == published
    if not published:
        assert {reason for reason, _ in outcome.dropped.values()} == {"missing_part"}


def _anki_section(text: str, heading_path: list[str], fmt: str = "markdown", page: int | None = None) -> Document:
    return Document(
        id="d_s", source=SourceRef(source_kind="manual", path="manuals/m.md", locator="s", sha256="0"), group_key="manual:m#s",
        title=heading_path[-1], text=text, meta=ManualMeta(manual="Deck Options", heading_path=heading_path, page=page, format=fmt))


def test_only_a_chunk_that_begins_its_topic_or_names_one_is_asked_about():
    long = "\n\n".join([
        "Learning steps control how often a new card is shown before it graduates. " * 5,
        "This works the same way in filtered decks, where the home deck's steps are used. " * 5,
        "**Graduating interval**\nThe delay after a card has passed its last learning step. " * 3,
    ])
    built = manual_examples(_anki_section(long, ["Deck Options", "Learning Steps"]), COMPANY, ExamplesConfig(section_chunk_chars=500))
    questions = [e.messages[1].content for e in built.examples if e.kind == "instruction"]
    passages = [e for e in built.examples if e.kind == "passage"]
    assert len(passages) == 3, "every chunk is still a passage"
    assert len(questions) == 2 and "learning steps" in questions[0] and "graduating interval" in questions[1]
    assert "1 chunk(s) going on with the topic" in built.why["d_s"]
    # a PDF page that goes on with the chapter its running head names: a passage, no question of its own
    page = manual_examples(_anki_section("A negative address counts from the end of the flash memory, respectively, and wraps around.",
                                         ["Command Line Options"], fmt="pdf", page=24), COMPANY, CONFIG)
    assert [e.kind for e in page.examples] == ["passage"] and "goes on with a topic begun earlier" in page.why["d_s"]


def test_a_chunk_ending_on_what_the_next_one_holds_is_not_an_answer():
    # avrdude's "4.2 Programmer Definitions": the introduction fits one chunk, the definition it announces the next
    intro = ("The format of the programmer definition is as follows, with every field on a line of its own, its value after an equals sign "
             "and comments after a hash sign:")
    listing = "\n".join(f'programmer parent "id{i}" # comment about programmer number {i} and its protocol' for i in range(12))
    built = manual_examples(_anki_section(f"{intro}\n\n{listing}", ["Programmer Definitions"]), COMPANY, ExamplesConfig(section_chunk_chars=400))
    assert [e.kind for e in built.examples if e.kind == "instruction"] == []
    assert any(intro in e.messages[0].content for e in built.examples if e.kind == "passage"), "still published as a passage"
    assert "ending on a colon" in built.why["d_s"]
    # avrdude's one-line introduction alone in its chunk teaches nothing, not even as a passage
    short = "The format of the programmer definition is as follows:"
    alone = manual_examples(_anki_section(f"{short}\n\n{listing}", ["Programmer Definitions"]), COMPANY, ExamplesConfig(section_chunk_chars=400))
    assert not any(e.messages[-1].content.rstrip().endswith("as follows:") for e in alone.examples)
