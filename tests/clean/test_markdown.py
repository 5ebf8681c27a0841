"""Markdown manuals without residue: front matter into the title, wikilinks as their text, embeds,
comments and Hugo shortcodes gone, heading anchors off the headings."""

from __future__ import annotations

from pathlib import Path

from curation.clean.normalize import markdown_to_text, normalise_whitespace
from tests.ingest.helpers import documents, read_all

PAGE = """---
title: Kubernetes Components
# content_template: templates/concept
weight: 20
description: >
  What a cluster is made of.
---

<!-- overview -->
When you deploy Kubernetes, you get a cluster.
{{< glossary_definition term_id="cluster" length="all" >}}

## Container runtime {#container-runtime}

Starts a {{< glossary_tooltip text="pod" term_id="pod" >}} on every [[nodes|node]]; see [[Scheduling]] and
[[Scheduling#Affinity|affinity]]. ![[icon.svg#icon]] ![diagram](/images/c.png)

{{% heading "whatsnext" %}}

Read about [labels](/docs/labels/).
"""


def test_front_matter_becomes_the_title_and_never_a_heading(tmp_path: Path):
    (tmp_path / "components.md").write_text(PAGE)
    docs = documents(read_all(tmp_path / "components.md"))
    assert {d.meta.manual for d in docs} == {"Kubernetes Components"}
    assert [d.meta.heading_path for d in docs] == [[], ["Container runtime"]]
    assert all("weight: 20" not in d.text and "content_template" not in d.text for d in docs)


def test_markdown_residue_is_rendered_as_text():
    (_, body) = PAGE.split("## Container runtime {#container-runtime}")
    text = markdown_to_text(body)
    assert "Starts a pod on every node; see Scheduling and\naffinity." in text
    assert "{{" not in text and "[[" not in text and "icon.svg" not in text and "<!--" not in text
    assert "Read about labels." in text


def test_code_keeps_its_tags_and_tables_lose_their_padding():
    # the Anki manual's "Inline code" section lost its subject: "Wrap your text with the `` tag:"
    body = ("Wrap your text with the `<code>` tag, or <b>bold</b> it:\n\n```html\n<code>console.log(\"Hello\");</code>\n```\n\n"
            "| Column          | Meaning                         |\n|-----------------|---------------------------------|\n"
            "| Sort Field      | The note's sort field.          |\n")
    text = normalise_whitespace(markdown_to_text(body))
    assert "Wrap your text with the `<code>` tag, or bold it:" in text
    assert '```html\n<code>console.log("Hello");</code>\n```' in text
    assert "| Sort Field | The note's sort field. |" in text


def test_an_autolink_keeps_its_address():
    # "Anki's source code is available at <https://github.com/ankitects/anki>." lost its address as a "tag"
    text = markdown_to_text("Anki's source code is available at <https://github.com/ankitects/anki>. <b>Write</b> to <mailto:dev@example.org>.")
    assert text == "Anki's source code is available at https://github.com/ankitects/anki. Write to dev@example.org."


def test_a_glossary_tooltip_without_text_shows_its_term():
    # "Kubernetes stores the serialized state of objects by writing them into ." lost its subject
    text = markdown_to_text('Kubernetes stores objects by writing them into\n{{< glossary_tooltip term_id="etcd" >}}.')
    assert text == "Kubernetes stores objects by writing them into\netcd."


def test_a_hard_line_break_loses_its_backslash():
    # the Anki manual: "`flag:0`\" and "- **Basic (optional reversed card)**\" end their lines with Markdown's break
    text = "`flag:0`\\\ncards without a flag.\n\n- **Basic (optional reversed card)**\\\n  Like Basic.\nSave it under C:\\\nthen."
    assert markdown_to_text(text) == ("`flag:0`\ncards without a flag.\n\n- **Basic (optional reversed card)**\n  Like Basic.\n"
                                      "Save it under C:\\\nthen.")


def test_a_symbol_fonts_bullet_becomes_a_dash_and_other_private_use_glyphs_go():
    """The CR-5 PDF's safety list: Wingdings bullets extract as U+F0B7, a character no reader can show."""
    from curation.clean.normalize import repair_unicode

    text = "Follow the standard use of power\n\uf0b7 Use the power cord supplied with this unit.\n  \uf0b7Do not plug in wet.\nPress \ue000 twice."
    assert repair_unicode(text) == ("Follow the standard use of power\n- Use the power cord supplied with this unit.\n  - Do not plug in wet.\n"
                                    "Press  twice.")


def test_an_admonition_is_prose_not_code():
    # the Anki manual's "Background" opened with "```admonish summary" and its prose shown as a code block
    body = ("```admonish summary\nAnki helps you to remember anything you want. <b>Fast</b>.\n```\n\n"
            "```admonish caution title=\"Careful\"\nBack up first, see [[Backups]].\n```\n\n```python\nprint(1)\n```")
    text = normalise_whitespace(markdown_to_text(body))
    assert text == "Anki helps you to remember anything you want. Fast.\n\nCaution: Back up first, see Backups.\n\n```python\nprint(1)\n```"


def test_a_link_whose_text_is_code_keeps_the_code_only():
    # Kubernetes' "Newer resources, such as [`Job`](/docs/concepts/workloads/controllers/jobs-run-to-completion/), ..." kept
    # every target: the code span split the link before links were rendered, and a chunk began "/workloads/contr"
    text = markdown_to_text("Newer resources, such as [`Job`](/docs/concepts/workloads/job/) and [`Deployment`](/docs/deployment/), "
                            "support them; see `kubectl get` and ![`diagram`](/img/a.svg).")
    assert text == "Newer resources, such as `Job` and `Deployment`, support them; see `kubectl get` and `diagram`."


def test_a_github_alert_reads_as_its_label():
    # the Anki manual's README: "> [!WARNING]\n> Docs are being migrated ..." kept its markup
    assert markdown_to_text("> [!WARNING]\n> Docs are being migrated to the main Anki repo.") == "> Warning:\n> Docs are being migrated to the main Anki repo."
