"""Match evidence in words: signals, scores against the thresholds, rules and duplicate messages."""

from __future__ import annotations

from hub.reconcile.match_config import default_party_config
from hub.reconcile.matcher import PairMatch, Signal
from hub.reconcile.wording import (
    SignalWords,
    comparisons_of,
    duplicate_message,
    evidence_sentence,
    parse_explain,
    rule_sentence,
    score_sentence,
    signal_phrase,
    signals_from,
)

CONFIG = default_party_config()
SIGNALS = (
    Signal("tax_id", "tax_id", "exact", 14.0),
    Signal("phone", "phone", "exact", 9.0),
    Signal("city", "place", "mismatch", -6.0),
    Signal("address", "address", "missing", 0.0),
)


def test_a_stored_one_line_explanation_reads_back_as_data() -> None:
    pm = PairMatch(("crm", "001A"), ("drp", "C000123"), 17.0, "score", "review", SIGNALS)
    decision, rule, score, signals = parse_explain(pm.explain())
    assert (decision, rule, score) == ("review", "score", 17.0)
    assert signals == [
        SignalWords("tax_id", "exact", 14.0),
        SignalWords("phone", "exact", 9.0),
        SignalWords("city", "mismatch", -6.0),
    ]  # weightless signals are not in the line
    assert parse_explain(None) == ("", "", None, [])


def test_signals_read_as_phrases_strongest_first_split_by_agreement() -> None:
    comparisons = comparisons_of(CONFIG)
    assert signal_phrase(SignalWords("phone", "exact", 9), comparisons) == "same phone (+9)"
    assert (
        signal_phrase(SignalWords("erp_code", "conflict", -4), comparisons)
        == "the erp code points at another record (-4)"
    )
    assert (
        signal_phrase(SignalWords("channel_level", "mismatch", -2), comparisons, weight=False)
        == "different channel level"
    )
    text = evidence_sentence(SIGNALS, comparisons)
    assert text == "agree: same tax id (+14), same phone (+9); disagree: different city (-6)"
    assert evidence_sentence([], comparisons) == "no evidence either way"
    stored = {"phone": {"level": "exact", "weight": 9.0}, "name": {"level": "strong", "weight": 7.0}, "odd": "x"}
    assert [s.name for s in signals_from(stored)] == ["name", "phone"]


def test_scores_are_placed_against_the_thresholds() -> None:
    th = CONFIG.thresholds  # high 12, low 6, duplicate 10
    assert score_sentence(9, th) == "score 9: between the review mark 6 and the link mark 12"
    assert score_sentence(12, th) == "score 12: at or above the link mark 12"
    assert score_sentence(5.5, th) == "score 5.5: below the review mark 6"
    assert score_sentence(11, th, same_system=True) == "score 11: at or above the duplicate mark 10"
    assert score_sentence(None, th) == "no score"


def test_rules_read_as_sentences() -> None:
    assert rule_sentence("tax_id_exact", "rule", CONFIG).startswith("linked by rule tax_id_exact: same tax id")
    assert rule_sentence("decision", "accepted", CONFIG) == "linked by a review decision: a person accepted the pair"
    assert rule_sentence("score", "auto", CONFIG) == "linked because the score reached the link mark"
    assert rule_sentence("singleton", None, CONFIG) == "no other record matched"
    assert rule_sentence("erp_order_no", None, None) == "linked by rule erp_order_no"


def test_a_duplicate_message_names_both_records_and_the_evidence() -> None:
    msg = duplicate_message(
        "drp",
        ("C000123", "上海润达贸易有限公司"),
        ("C000456", "上海润达贸易公司"),
        19.0,
        "score",
        "auto",
        SIGNALS,
        comparisons_of(CONFIG),
        10.0,
    )
    assert msg == (
        "possible duplicate in drp: C000123 上海润达贸易有限公司 and C000456 上海润达贸易公司 "
        "(score 19, duplicate mark 10: same tax id, same phone; but different city)"
    )
    by_rule = duplicate_message("drp", ("C1", None), ("C2", "B"), 39.5, "tax_id_exact", "rule", SIGNALS[:1])
    assert by_rule == "possible duplicate in drp: C1 and C2 B (rule tax_id_exact, score 39.5: same tax id)"
