"""Quality filters that do not destroy documentation: word counts for CJK text, repetition checks
per source kind (a service manual's repeated steps are not boilerplate)."""

from __future__ import annotations

from curation.clean.quality import QualityConfig, quality_verdict, words

CONFIG = QualityConfig(allowed_languages=[])


def test_japanese_and_chinese_characters_count_as_words():
    assert len(words("コンテナの実行を担当します")) == 13
    assert words("Kubernetesは便利") == ["kubernetes", "は", "便", "利"]
    assert len(words("안녕하세요 도움이 필요합니다")) == 3, "Hangul is written with spaces: counted by words"
    assert quality_verdict("ノードはワーカーマシンです。", QualityConfig(min_words=3, allowed_languages=[]), "manual") is None


def test_a_procedure_that_repeats_its_steps_is_documentation_not_boilerplate():
    steps = "\n".join(f"{i}. Disassemble the 2 screws of the top cover plate, then check connector CN{i} for error E{i}." for i in range(1, 25))
    assert quality_verdict(steps, CONFIG, "manual") is None
    reason, detail = quality_verdict(steps, CONFIG, "email")
    assert reason == "boilerplate", "the same text as a mail body is still caught"
    assert quality_verdict(steps, QualityConfig(allowed_languages=[], repetition_source_kinds=["email", "manual"]), "manual")[0] == "boilerplate"
