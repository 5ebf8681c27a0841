"""HTML mail through the product's path (ingest reader + clean step): the one renderer writes quotes
the way plain-text mail does, so the clean step strips them; inline tags never split a sentence."""

from __future__ import annotations

from curation.html_text import html_blocks, html_to_text
from tests.clean.mail_path import cleaned_body, html_message


def test_gmail_quote_container_is_stripped():
    html = (
        '<div dir="ltr">Tracking number is 1Z999.<br></div><br>'
        '<div class="gmail_quote"><div class="gmail_attr">On Mon, Mar 4, 2024 at 9:12 AM '
        'Jane &lt;jane@example.com&gt; wrote:<br></div>'
        '<blockquote class="gmail_quote">Where is my parcel?</blockquote></div>'
    )
    assert cleaned_body(html_message(html)) == "Tracking number is 1Z999."


def test_an_html_only_outlook_reply_loses_its_quote():
    html = (
        "<div>Fixed in build 118.</div>"
        '<hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg">'
        "<b>From:</b> Jane Roe<br><b>Sent:</b> Monday<br><b>To:</b> Support<br>"
        "<b>Subject:</b> Crash</div><div>It crashes.</div>"
    )
    assert cleaned_body(html_message(html)) == "Fixed in build 118."


def test_an_hr_separated_outlook_header_block_cuts_the_quote():
    html = (
        "<p>Hi,</p><p>The manual is on page 12.</p><hr>"
        "<b>From: </b>jane@example.com<br><b>To: </b>support@acme.example<br>"
        "<b>Sent: </b>Friday, July 22, 2011 6:20:01 PM<br><b>Subject: </b>Manual<br><br>"
        "<p>Where is the manual?</p>"
    )
    assert cleaned_body(html_message(html)) == "Hi,\n\nThe manual is on page 12."


def test_inline_tags_stay_in_their_sentence_and_the_cite_prefix_goes():
    html = (
        "<body>Use <b>port 8443</b>.<br>"
        '<div class="moz-cite-prefix">On 26.06.2014 14:41, Jane wrote:<br></div>'
        '<blockquote type="cite"><pre>Which port?</pre></blockquote></body>'
    )
    assert cleaned_body(html_message(html)) == "Use port 8443."
    assert html_to_text("<div>Use <b>port 8443</b> or <a href='#'>the <i>web</i> form</a>.<p>Thanks</p></div>") == (
        "Use port 8443 or the web form.\n\nThanks")


def test_a_quote_only_html_reply_leaves_nothing():
    assert cleaned_body(html_message("<blockquote>only a quote</blockquote>")) == ""
    assert html_to_text("") == ""


def test_the_plain_alternative_wins_over_the_html_one():
    raw = html_message("<p>HTML version</p>", plain="Plain version of the reply, with enough words.")
    assert cleaned_body(raw) == "Plain version of the reply, with enough words."


def test_blocks_keep_headings_lists_tables_and_pre():
    html = (
        "<html><head><style>p{color:red}</style></head><body><nav>Home | Next</nav>"
        "<h1>Reset</h1><p>Steps:</p><ol><li>Open&nbsp;the lid</li><li>Press <i>reset</i></li></ol>"
        "<table><tr><th>Code</th><th>Meaning</th></tr><tr><td>E1</td><td>Lid open</td></tr></table>"
        "<h2>Notes</h2><pre>a  b\nc</pre><script>x()</script></body></html>"
    )
    blocks = html_blocks(html)
    assert [(b.level, b.text) for b in blocks] == [
        (1, "Reset"), (0, "Steps:"), (0, "1. Open the lid"), (0, "2. Press reset"),
        (0, "Code | Meaning"), (0, "E1 | Lid open"), (2, "Notes"), (0, "a  b\nc"),
    ]
    assert html_to_text("<ul><li>one</li><li>two</li></ul><blockquote><p>a</p><p>b</p></blockquote>") == "- one\n- two\n\n> a\n>\n> b"
    assert html_to_text("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table><p>after</p>") == "a | b\nc | d\n\nafter"


def test_a_manual_page_loses_its_menu_table_and_generator_credit():
    # the avrdude texi2html pages: a two-entry menu table and "This document was generated on ... using texi2html"
    page = """<html><body><h2>4.3 Part Definitions</h2>
<table class="menu"><tr><td><a href="#Parent-Part">4.3.1 Parent Part</a></td><td>&nbsp;</td><td></td></tr>
<tr><td><a href="#Instruction-Format">4.3.2 Instruction Format</a></td><td>&nbsp;</td><td></td></tr></table>
<p>A part definition describes one device.</p>
<table><tr><td>Vtarget</td><td><a href="#v">4.71 V</a></td></tr></table>
<hr size="1"><p><font size="-1">This document was generated on <i>March 11, 2023</i> using
<a href="http://www.nongnu.org/texi2html/"><i>texi2html 1.82</i></a>.</font></p></body></html>"""
    texts = [b.text for b in html_blocks(page)]
    assert texts[0] == "4.3 Part Definitions" and "A part definition describes one device." in texts
    assert not any("Parent Part" in t or "generated on" in t for t in texts), texts
    assert any("Vtarget" in t for t in texts), "a data table with one link stays"
