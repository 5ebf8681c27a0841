"""Unit tests for curation.clean.email_body: quotes, forwards, signatures, disclaimers."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curation.clean.email_body import REMOVED_KINDS, StrippedBody, strip_reply
from curation.html_text import html_to_text

# ------------------------------------------------------------------------------------------
# Quotes
# ------------------------------------------------------------------------------------------


def test_top_posted_reply_over_gt_quote():
    body = (
        "I'll check the export logs tomorrow morning.\n"
        "\n"
        "> Can you look at ticket 4411?\n"
        "> The CSV export fails with a timeout.\n"
    )
    assert strip_reply(body) == StrippedBody(
        "I'll check the export logs tomorrow morning.", ("quote",)
    )


def test_lotus_notes_columnar_reply_header_is_a_quote():
    """Enron mail quoting through Lotus Notes: sender left, To:/cc:/Subject: in a column, no quote marks."""
    body = (
        "Sheri and I would like to discuss the practice questions with you.\n\nThanks,\nMonica\n\n\n\n"
        "            Phillip.K.Allen@enron.c\n"
        "            om                             To:     Monica L. Brown/Internal/Accenture@Accenture\n"
        "                                           cc:\n"
        "            10/29/2001 09:02 AM            Subject:     RE: Confirmation: Risk Management Simulation Meeting\n"
        "                                           10/30/01\n\n\n"
        "Please send more details regarding this meeting\n"
    )
    stripped = strip_reply(body)
    assert "quote" in stripped.removed and "enron.c" not in stripped.text and "Please send more details" not in stripped.text
    assert stripped.text.startswith("Sheri and I would like to discuss the practice questions with you.")


def test_a_column_of_to_and_cc_words_in_prose_is_not_a_header():
    body = "Reply to: the list, cc: your manager.\nSubject: the outage of 10/29.\nThe details follow below, please read them.\n"
    stripped = strip_reply(body)
    assert "quote" not in stripped.removed and stripped.text == body.strip()


def test_interleaved_reply_keeps_every_answer():
    body = (
        "> Does the X200 support PoE?\n"
        "Yes, on ports 1-8.\n"
        "\n"
        "> And what is the max cable length?\n"
        "100 m per segment.\n"
    )
    assert strip_reply(body).text == "Yes, on ports 1-8.\n\n100 m per segment."


def test_gmail_attribution_and_quote():
    body = (
        "The replacement part ships today.\n"
        "\n"
        "On Mon, Mar 4, 2024 at 9:12 AM Jane Roe <jane@example.com> wrote:\n"
        "\n"
        "> Any update on my order?\n"
        ">\n"
        "> Jane\n"
    )
    assert strip_reply(body) == StrippedBody("The replacement part ships today.", ("quote",))


@pytest.mark.parametrize(
    "attribution",
    [
        # wrapped by the client's line length, in both places it happens
        "On Mon, Mar 4, 2024 at 9:12 AM Jane Roe <\njane.roe@example.com> wrote:",
        "On Mon, Mar 4, 2024 at 9:12 AM, Jane Roe <jane.roe@example.com>\nwrote:",
        "On Mar 4, 2024, at 09:12, Jane Roe <jane.roe@example.com> wrote:",
        "Am 04.03.2024 um 09:12 schrieb Jane Roe <jane.roe@example.com>:",
        "Le lun. 4 mars 2024 à 09:12, Jane Roe <jane.roe@example.com> a écrit :",
        "El lun, 4 mar 2024 a las 9:12, Jane Roe (<jane.roe@example.com>) escribió:",
        "Il giorno lun 4 mar 2024 alle ore 09:12 Jane Roe <jane.roe@example.com> ha scritto:",
        "Op ma 4 mrt. 2024 om 09:12 schreef Jane Roe <jane.roe@example.com>:",
        "04.03.2024 9:12, Jane Roe пишет:",
        "Jane Roe wrote:",
    ],
)
def test_attribution_variants(attribution):
    body = f"Please try the 2.3 firmware.\n\n{attribution}\n> The device keeps rebooting.\n"
    assert strip_reply(body) == StrippedBody("Please try the 2.3 firmware.", ("quote",))


def test_attribution_without_quote_markers_cuts_the_rest():
    body = (
        "Done, the invoice is corrected.\n"
        "\n"
        "On 4 Mar 2024, at 09:12, Jane Roe <jane@example.com> wrote:\n"
        "\n"
        "Hi, the invoice shows the wrong VAT number.\n"
    )
    assert strip_reply(body).text == "Done, the invoice is corrected."


def test_bottom_posted_reply_under_quote():
    body = (
        "On 04/02/2024 06:26 PM, Megan One wrote:\n"
        "> Is the warranty transferable?\n"
        "Yes, with the original receipt.\n"
    )
    assert strip_reply(body).text == "Yes, with the original receipt."


def test_outlook_original_message_block():
    body = (
        "Approved, go ahead.\n"
        "\n"
        "-----Original Message-----\n"
        "From: Roe, Jane\n"
        "Sent: Monday, March 04, 2024 9:12 AM\n"
        "To: Support\n"
        "Subject: Refund for order 1234\n"
        "\n"
        "Can we refund order 1234?\n"
    )
    assert strip_reply(body) == StrippedBody("Approved, go ahead.", ("quote",))


def test_outlook_header_block_without_separator():
    body = (
        "See the attached manual, section 4.\n"
        "\n"
        "From: Jane Roe [mailto:jane@example.com]\n"
        "Sent: Monday, March 4, 2024 9:12 AM\n"
        "To: Support <support@acme.example>\n"
        "Cc: Sales <sales@acme.example>\n"
        "Subject: RE: Calibration\n"
        "\n"
        "How do I calibrate the sensor?\n"
    )
    assert strip_reply(body).text == "See the attached manual, section 4."


def test_underscore_line_and_localised_header_block():
    body = (
        "Ich schicke Ihnen das Formular morgen.\n"
        "\n"
        "________________________________\n"
        "Von: Jane Roe <jane@example.com>\n"
        "Gesendet: Montag, 4. März 2024 09:12\n"
        "An: Support <support@acme.example>\n"
        "Betreff: Formular\n"
        "\n"
        "Wo finde ich das Formular?\n"
    )
    assert strip_reply(body).text == "Ich schicke Ihnen das Formular morgen."


def test_header_block_with_wrapped_recipient_list():
    body = (
        "Agreed.\n"
        "\n"
        "From: Jane Roe on 12/12/2000 11:56 AM\n"
        "To: John Doe/HOU/ECT@ECT, Mary Major/HOU/ECT@ECT, Ann\n"
        "Other/Corp/Enron@ENRON, Bob Smith/HOU/ECT@ECT, Carl\n"
        "Jones/HOU/ECT@ECT\n"
        "cc:\n"
        "\n"
        "Subject: Talking points\n"
        "\n"
        "Here is my draft.\n"
    )
    assert strip_reply(body).text == "Agreed."


# ------------------------------------------------------------------------------------------
# Forwards
# ------------------------------------------------------------------------------------------


def test_gmail_forward_with_comment():
    body = (
        "FYI, this customer reports the same bug.\n"
        "\n"
        "---------- Forwarded message ---------\n"
        "From: Jane Roe <jane@example.com>\n"
        "Date: Mon, Mar 4, 2024 at 9:12 AM\n"
        "Subject: App crash\n"
        "To: <support@acme.example>\n"
        "\n"
        "The app crashes on start.\n"
    )
    assert strip_reply(body) == StrippedBody(
        "FYI, this customer reports the same bug.", ("forward_header",)
    )


def test_apple_forward_with_comment():
    body = (
        "Can someone take this one?\n"
        "\n"
        "Begin forwarded message:\n"
        "\n"
        "> From: Jane Roe <jane@example.com>\n"
        "> Subject: Broken hinge\n"
        ">\n"
        "> The hinge broke after a week.\n"
    )
    assert strip_reply(body).text == "Can someone take this one?"


def test_lotus_forwarded_by_block():
    body = (
        "Please review before Friday.\n"
        "---------------------- Forwarded by John Doe/HOU/ECT on 09/26/2000\n"
        "12:19 PM ---------------------------\n"
        "\n"
        "Jane Roe <jane@example.com> on 09/26/2000 11:02:11 AM\n"
        "To: John Doe/HOU/ECT@ECT\n"
        "cc:\n"
        "Subject: Contract\n"
        "\n"
        "Attached is the contract.\n"
    )
    assert strip_reply(body).text == "Please review before Friday."


def test_forward_without_comment_is_empty():
    body = (
        "---------- Forwarded message ---------\n"
        "From: Jane Roe <jane@example.com>\n"
        "Date: Mon, Mar 4, 2024 at 9:12 AM\n"
        "Subject: App crash\n"
        "\n"
        "The app crashes on start.\n"
    )
    assert strip_reply(body) == StrippedBody("", ("forward_header",))


def test_quote_only_is_empty():
    body = "On Mon, Mar 4, 2024 at 9:12 AM Jane Roe <jane@example.com> wrote:\n> Hello?\n"
    assert strip_reply(body) == StrippedBody("", ("quote",))


def test_quote_only_with_mobile_tagline_is_empty():
    body = "Sent from my iPhone\n\nOn Mar 4, 2024, at 09:12, Jane Roe <jane@example.com> wrote:\n> Hi\n"
    assert strip_reply(body).text == ""


# ------------------------------------------------------------------------------------------
# Signatures
# ------------------------------------------------------------------------------------------


def test_dash_dash_space_delimiter():
    body = (
        "The fix is in release 4.2.\n"
        "\n"
        "-- \n"
        "John Doe | Acme Support\n"
        "https://support.acme.example\n"
    )
    assert strip_reply(body) == StrippedBody("The fix is in release 4.2.", ("signature",))


@pytest.mark.parametrize(
    "tagline",
    [
        "Sent from my iPhone",
        "Sent from my Samsung Galaxy smartphone.",
        "Sent from Yahoo Mail on Android",
        "Get Outlook for iOS",
        "Von meinem iPhone gesendet",
        "Envoyé de mon iPad",
    ],
)
def test_mobile_taglines(tagline):
    body = f"On my way, 10 minutes.\n\n{tagline}\n"
    assert strip_reply(body) == StrippedBody("On my way, 10 minutes.", ("signature",))


def test_sign_off_block_with_title_and_phone():
    body = (
        "Hi Jane,\n"
        "\n"
        "Your replacement unit was shipped today, tracking number 1Z999.\n"
        "\n"
        "Best regards,\n"
        "John Doe\n"
        "Acme Support\n"
        "+1 555 010 0199\n"
    )
    assert strip_reply(body) == StrippedBody(
        "Hi Jane,\n\nYour replacement unit was shipped today, tracking number 1Z999.",
        ("signature",),
    )


def test_sign_off_with_name_on_the_same_line():
    body = "Please restart the router and try again.\n\nThanks, John\n"
    assert strip_reply(body).text == "Please restart the router and try again."


def test_sender_name_starts_the_signature():
    body = (
        "The quote is valid until June 30.\n"
        "\n"
        "Jane Roe\n"
        "Key Account Manager\n"
        "jane.roe@acme.example\n"
    )
    assert strip_reply(body, sender_name="Jane Roe").text == "The quote is valid until June 30."


def test_sender_given_as_address():
    body = "Invoice attached.\n\nJane R.\nAcme Billing\n"
    assert strip_reply(body, sender_name="jane.roe@acme.example").text == "Invoice attached."


def test_name_and_contact_lines_without_sender():
    body = (
        "We can deliver on Tuesday.\n"
        "\n"
        "Gina Mills\n"
        "gina@example.com\n"
        "(555) 346-9947\n"
        "www.example.com\n"
    )
    assert strip_reply(body).text == "We can deliver on Tuesday."


def test_lone_first_name_under_the_message():
    body = "Jeff,\n\nCould we set up an inspection for Friday at 2:00?\n\nPhillip\n"
    assert strip_reply(body).text == "Jeff,\n\nCould we set up an inspection for Friday at 2:00?"


def test_separator_line_over_contact_block():
    body = (
        "The form is attached.\n"
        "\n"
        "----------------\n"
        "Me Jean Dupont\n"
        "t. 555-931-0702\n"
        "http://example.com/\n"
    )
    assert strip_reply(body).text == "The form is attached."


def test_signature_switch_off_keeps_it():
    body = "Hello\n\n-- \nxxx\nSent with Sparrow\n\nOn Tuesday, April 3, 2012 at 4:55 PM, xxx wrote:\n> Hi\n"
    assert strip_reply(body, signature=False).text == "Hello\n\n--\nxxx\nSent with Sparrow"
    assert strip_reply(body).text == "Hello"


# ------------------------------------------------------------------------------------------
# Disclaimers
# ------------------------------------------------------------------------------------------


def test_confidentiality_notice():
    body = (
        "The part number is 88-1021.\n"
        "\n"
        "CONFIDENTIALITY NOTICE: This message and any attachments are for the sole use of the\n"
        "intended recipient and may contain confidential information.\n"
    )
    assert strip_reply(body) == StrippedBody("The part number is 88-1021.", ("disclaimer",))


def test_confidential_email_sentence_after_signature():
    body = (
        "Shipping is free above 50 EUR.\n"
        "\n"
        "Kind regards,\n"
        "Anna\n"
        "\n"
        "This e-mail and any attachments are confidential and may be privileged. If you are\n"
        "not the intended recipient, please notify the sender and delete it.\n"
    )
    assert strip_reply(body) == StrippedBody(
        "Shipping is free above 50 EUR.", ("signature", "disclaimer")
    )


def test_information_contained_in_this_message():
    body = (
        "Yes, the warranty covers water damage.\n"
        "\n"
        "The information contained in this message is intended only for the use of the\n"
        "individual or entity named above. Any review or distribution is prohibited.\n"
    )
    assert strip_reply(body).text == "Yes, the warranty covers water damage."


def test_external_sender_banner_on_top():
    body = (
        "CAUTION: This email originated from outside of the organization. Do not click links.\n"
        "\n"
        "Hi, my order 5531 has not arrived.\n"
    )
    assert strip_reply(body) == StrippedBody("Hi, my order 5531 has not arrived.", ("disclaimer",))


# ------------------------------------------------------------------------------------------
# What must stay
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "Thanks!",
        "Best regards,\nJohn",
        "Note: the server restarts at 5pm.\n\nPlease save your work.",
        "Here is what the log said:\nerror 42: disk full\nretrying in 5s",
        "Itinerary:\nFrom: Boston\nTo: Denver\nDeparture 9:40",
        "Martin, can we get:\n\n1 L Male\n1 M Male\n\nThat'd be awesome! Really cool shirts!",
        "Please keep the previous -- and the next -- steps in mind when upgrading.",
    ],
)
def test_plain_messages_are_left_alone(body):
    assert strip_reply(body) == StrippedBody(body, ())


def test_crlf_and_nbsp_are_normalised():
    body = "Sure.\r\n\r\n> question?\r\n"
    assert strip_reply(body).text == "Sure."
    assert strip_reply("a\xa0b").text == "a b"


def test_empty_input():
    assert strip_reply("") == StrippedBody("", ())
    assert strip_reply("  \n\n ") == StrippedBody("", ())


def test_removed_kinds_in_canonical_order():
    body = (
        "Will do.\n\n"
        "Regards,\nJohn\n\n"
        "CONFIDENTIALITY NOTICE: this message is confidential.\n\n"
        "---------- Forwarded message ---------\nFrom: a@example.com\nDate: today\nSubject: x\n\n"
        "text\n"
    )
    result = strip_reply(body)
    assert result.text == "Will do."
    assert result.removed == ("forward_header", "signature", "disclaimer")
    assert set(result.removed) <= set(REMOVED_KINDS)


# ------------------------------------------------------------------------------------------
# Properties
# ------------------------------------------------------------------------------------------

_QUOTE_BITS = [
    "> quoted line",
    ">",
    "> > nested",
    ">From the mbox",
    "On Mon, Mar 4, 2024 at 9:12 AM Jane Roe <jane@example.com> wrote:",
    "On Mon, Mar 4, 2024 at 9:12 AM Jane Roe <",
    "jane@example.com> wrote:",
    "Am 04.03.2024 um 09:12 schrieb Jane <j@example.com>:",
    "-----Original Message-----",
    "---------- Forwarded message ---------",
    "Begin forwarded message:",
    "From: Jane Roe <jane@example.com>",
    "Sent: Monday, March 4, 2024 9:12 AM",
    "To: Support",
    "Subject: RE: help",
    "________________________________",
    "-- ",
    "--",
    "Sent from my iPhone",
    "Best regards,",
    "Thanks,",
    "Jane Roe",
    "+1 555 010 0199",
    "www.example.com",
    "CONFIDENTIALITY NOTICE: this message is confidential.",
    "",
    "   ",
    "\r",
]


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u202a\u202b\u202c\u202d\u202e"))
_SPACES = str.maketrans({"\xa0": " ", "\u202f": " ", "\u2007": " "})


def _comes_from_input(output: str, source: str) -> bool:
    """Every output line is (a tail of) an input line, in order."""
    source = source.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE).translate(_SPACES)
    src = [line.rstrip() for line in source.split("\n")]
    pos = 0
    for line in output.split("\n") if output else []:
        while pos < len(src) and not src[pos].endswith(line):
            pos += 1
        if pos == len(src):
            return False
        pos += 1
    return True


_PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@_PROPERTY_SETTINGS
@given(text=st.text(max_size=1500), sender=st.one_of(st.none(), st.text(max_size=40)))
def test_random_text_never_raises_or_grows(text, sender):
    result = strip_reply(text, sender_name=sender)
    assert isinstance(result.text, str)
    assert len(result.text) <= len(text)
    assert set(result.removed) <= set(REMOVED_KINDS)


@_PROPERTY_SETTINGS
@given(
    parts=st.lists(
        st.one_of(st.sampled_from(_QUOTE_BITS), st.text(max_size=60)), min_size=0, max_size=40
    ),
    sender=st.sampled_from([None, "Jane Roe", "jane@example.com", ""]),
)
def test_text_with_quote_markers_never_raises_or_grows(parts, sender):
    text = "\n".join(parts)
    result = strip_reply(text, sender_name=sender)
    assert len(result.text) <= len(text)
    assert _comes_from_input(result.text, text)
    assert not any(re.match(r"[ \t]*>", line) for line in result.text.split("\n"))


@_PROPERTY_SETTINGS
@given(parts=st.lists(st.sampled_from(_QUOTE_BITS + ["Real content here.", "<b>x</b>"]), max_size=30))
def test_html_never_raises(parts):
    html = "<div>" + "<br>".join(parts) + "</div>"
    assert isinstance(strip_reply(html_to_text(html)).text, str)
    assert isinstance(html_to_text("".join(parts)), str)
