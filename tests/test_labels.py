"""Every stored code has its words in labels.py, and nothing else spells them."""
import pytest

from peergroups import labels, models, questionnaire


@pytest.mark.parametrize("codes, words", [
    (models.ROLES, labels.ROLES),
    (models.DAYS, labels.DAYS),
    (models.DAY_PARTS, labels.DAY_PARTS),
    (models.MARK_STATES + (None,), labels.MARKS),
    (models.MEETING_MODES, labels.MEETING_MODES),
    (models.PAIRING_STATES, labels.PAIRING_STATUSES),
    (models.END_REASONS, labels.END_REASONS),
    (models.CHECK_IN_KINDS, labels.CHECK_IN_KINDS),
    (models.PERIODS, labels.PERIODS),
    (models.CONTACT_HOWS, labels.CONTACT_HOWS),
    (models.CONTACT_OUTCOMES, labels.CONTACT_OUTCOMES),
    (questionnaire.KINDS, labels.QUESTION_KINDS),
    (tuple(range(7)), dict(enumerate(labels.WEEKDAYS))),
], ids=lambda value: None)
def test_every_code_has_its_words(codes, words):
    assert list(words) == list(codes)


def test_an_unknown_code_is_shown_as_it_is():
    assert labels.name(labels.ROLES, "auditor") == "auditor"
    assert labels.choices(labels.MARKS) == [("present", labels.MARKS["present"]), ("absent", labels.MARKS["absent"])]


def test_no_other_module_spells_a_weekday():
    from peergroups import ROOT

    spelled = [path.name for path in (ROOT / "peergroups").rglob("*.py")
               if path.name != "labels.py" and '_l("Monday")' in path.read_text(encoding="utf-8")]
    assert spelled == []
