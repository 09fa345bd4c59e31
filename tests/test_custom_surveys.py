"""The organization's own surveys: definitions checked strictly (the same check for the builder and
for an imported file), built question by question, exported and imported, fixed once answered,
chosen per group, run after meetings or once a period, and scored in the results."""
import copy
import datetime
import io
import json

import pytest

from peergroups import questionnaire, results, surveys
from peergroups.attendance import local_today
from peergroups.models import Group, Survey, SurveyAnswer, SurveyLink, SurveyResponse
from peergroups.questionnaire import DefinitionError, from_document, loads

from . import factories
from .routes import CONFIRMED

AGREE = ["Disagree a lot", "Disagree", "Unsure", "Agree", "Agree a lot"]
DOC = {
    "format": "peergroups-survey", "version": 1, "name": "Check-in", "fallback_language": "en",
    "languages": ["en", "es"], "scoring": "sum",
    "questions": [
        {"key": "q1", "kind": "scale", "subscale": "Hope", "options": {"en": AGREE},
         "text": {"en": "I look forward to things.", "es": "Espero cosas con ilusión."}},
        {"key": "q2", "kind": "scale", "subscale": "Hope", "reverse": True, "options": {"en": AGREE},
         "text": {"en": "I feel stuck."}},
        {"key": "q3", "kind": "yesno", "text": {"en": "Was this your first month?"}},
        {"key": "q4", "kind": "choice", "required": False, "text": {"en": "What helped?"},
         "options": {"en": ["Talking", "Listening", "Tea"], "es": ["Hablar", "Escuchar", "Té"]}},
        {"key": "q5", "kind": "text", "required": False, "text": {"en": "Anything else?"}},
    ],
}


def doc(**changes):
    document = copy.deepcopy(DOC)
    document.update(changes)
    return document


def test_a_definition_round_trips_through_its_file_format():
    definition = from_document(doc())
    again = loads(definition.dumps())
    assert again.to_document() == definition.to_document()
    assert [q.points for q in again.questions] == [(1, 2, 3, 4, 5)] * 2 + [(1, 2), (1, 2, 3), ()]


def test_text_falls_back_per_question_and_says_in_which_language():
    definition = from_document(doc())
    first, second = definition.questions[:2]
    assert definition.text(first, "es") == ("Espero cosas con ilusión.", "es")
    assert definition.text(second, "es") == ("I feel stuck.", "en")
    assert definition.labels(definition.questions[3], "es") == (["Hablar", "Escuchar", "Té"], "es")
    assert definition.labels(first, "fr") == (AGREE, "en")


def question(**changes):
    return doc(questions=[{**DOC["questions"][0], **changes}])


@pytest.mark.parametrize("document", [
    {"format": "other"}, doc(version=2), doc(name=""), doc(name="x" * 200), doc(languages=["xx"]),
    doc(fallback_language="fr"), doc(scoring="median"), doc(questions="many"),
    doc(questions=[DOC["questions"][0]] * 41), doc(questions=[DOC["questions"][0], DOC["questions"][0]]),
    question(kind="slider"), question(key="a b"), question(key=""), question(text={"es": "Sólo español"}),
    question(text={"en": ""}), question(text={"en": "x" * 301}), question(text={"en": "ok", "de": "nein"}),
    question(options={"en": ["only one"]}), question(options={"en": AGREE * 3}),
    question(options={"en": AGREE, "es": AGREE[:3]}), question(options={"en": AGREE[:4] + [""]}),
    question(required=False), question(reverse=True, subscale=""), question(required="yes"),
    doc(questions=[{**DOC["questions"][2], "subscale": "Hope"}]),
])
def test_every_broken_definition_is_refused_with_a_sentence(app, document):
    with app.test_request_context(), pytest.raises(DefinitionError) as error:
        from_document(document)
    assert str(error.value).endswith(".")


@pytest.mark.parametrize("data", [b"", b"{", b"\xff\xfe", b"[]", b"null", b"x" * (questionnaire.FILE_MAX + 1)])
def test_a_file_that_is_not_a_survey_is_refused(app, data):
    with app.test_request_context(), pytest.raises(DefinitionError):
        loads(data)


def test_scores_add_items_and_count_reverse_items_from_the_other_end():
    definition = from_document(doc())
    assert definition.subscales == ["Hope"]
    assert definition.mean_score({"q1": 4.0, "q2": 2.0}, "Hope") == 4 + (6 - 2)
    assert definition.score_range("Hope") == (2, 10)
    mean = from_document(doc(scoring="mean"))
    assert mean.mean_score({"q1": 4.0, "q2": 2.0}, None) == 4.0 and mean.score_range() == (1, 5.0)


# The builder, through the pages.

def new_survey(client, **fields):
    data = {"name": "Check-in", "languages": ["en", "es"], "fallback": "en", "scoring": "sum", **fields}
    return client.post("/admin/surveys/", data=data)


def survey_id(response):
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def test_an_admin_builds_a_survey_question_by_question(app, client, login):
    login("admin")
    created = new_survey(client)
    assert created.status_code == 303
    sid = survey_id(created)
    url = f"/admin/surveys/{sid}/questions/new?kind=scale"
    assert client.get(url).status_code == 200
    form = {"text_en": "I feel hopeful.", "text_es": "Me siento con esperanza.", "options_en": "\n".join(AGREE),
            "options_es": "", "required": "y", "subscale": "Hope"}
    assert client.post(url, data=form).status_code == 303
    reverse = {**form, "text_en": "I feel stuck.", "text_es": "", "reverse": "y"}
    assert client.post(url, data=reverse).status_code == 303
    assert client.post(f"/admin/surveys/{sid}/questions/new?kind=yesno",
                       data={"text_en": "First time?", "required": "y"}).status_code == 303
    assert client.post(f"/admin/surveys/{sid}/questions/q3/up", data={}).status_code == 303
    with app.app_context():
        definition = Survey.get_by_id(sid).questionnaire()
    assert [q.key for q in definition.questions] == ["q1", "q3", "q2"]
    assert definition.questions[2].reverse and definition.questions[2].text == {"en": "I feel stuck."}
    assert definition.questions[0].options == {"en": AGREE}
    page = client.get(f"/admin/surveys/{sid}").get_data(as_text=True)
    assert "I feel hopeful." in page and "Reverse-scored" in page


def test_builder_mistakes_get_a_message_and_keep_what_was_typed(app, client, login):
    login("admin")
    assert "must be one of the survey" in new_survey(client, fallback="fr").get_data(as_text=True)
    sid = survey_id(new_survey(client))
    url = f"/admin/surveys/{sid}/questions/new?kind=scale"
    page = client.post(url, data={"text_en": "Typed words", "options_en": "Only one", "required": "y"})
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "between 2 and 11 options" in text and "Typed words" in text and "Only one" in text
    page = client.post(url, data={"text_en": "Scored", "options_en": "a\nb", "subscale": "S"})
    assert page.status_code == 422 and "must be required" in page.get_data(as_text=True)
    assert client.post(url, data={"text_es": "Sin inglés", "options_en": "a\nb", "required": "y"}).status_code == 422
    assert client.get(f"/admin/surveys/{sid}/questions/new?kind=other").status_code == 404
    assert client.get(f"/admin/surveys/{sid}/questions/q9").status_code == 404
    with app.app_context():
        assert Survey.get_by_id(sid).questionnaire().questions == []


def test_export_then_import_gives_the_same_survey(app, client, login):
    login("admin")
    with app.app_context():
        sid = Survey.create(definition=json.dumps(DOC)).id
    exported = client.get(f"/admin/surveys/{sid}/export")
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    imported = client.post("/admin/surveys/import", data={"file": (io.BytesIO(exported.data), "check-in.json")},
                           content_type="multipart/form-data")
    assert imported.status_code == 303
    with app.app_context():
        assert (Survey.get_by_id(survey_id(imported)).questionnaire().to_document()
                == Survey.get_by_id(sid).questionnaire().to_document())


@pytest.mark.parametrize("upload", [None, (io.BytesIO(b"not json"), "x.json"),
                                    (io.BytesIO(json.dumps(doc(version=9)).encode()), "new.json"),
                                    (io.BytesIO(b"[" * 100_000 + b"]" * 100_000), "deep.json"),  # was a 500
                                    (io.BytesIO(b'{"a":' * 50_000 + b"1" + b"}" * 50_000), "deeper.json")])
def test_a_bad_import_gets_a_message_and_stores_nothing(app, client, login, upload):
    login("admin")
    data = {"file": upload} if upload else {}
    page = client.post("/admin/surveys/import", data=data, content_type="multipart/form-data")
    assert page.status_code == 422 and 'class="error"' in page.get_data(as_text=True)
    with app.app_context():
        assert not Survey.select().exists()


def answered_survey(app):
    """A group running DOC after meetings, with one meeting's link answered once."""
    with app.app_context():
        survey = Survey.create(definition=json.dumps(DOC))
        group = factories.group(languages="en,es")
        Group.update(meeting_survey=survey.id).where(Group.id == group.id).execute()
        meeting = factories.meeting(group, local_date=local_today(group.timezone))
        for _ in range(3):
            factories.present(meeting, factories.member(group))
        link = surveys.open_link(meeting, 48)
        assert surveys.store_response(link, {"q1": 4, "q2": 2, "q3": 1}, margin=3) == surveys.STORED
        return survey.id, group.id, link


def test_once_answered_only_the_wording_can_change(app, client, login):
    sid, _group, link = answered_survey(app)
    assert "I look forward to things!" not in app.test_client().get(f"/s/{link.token}").get_data(as_text=True)
    login("admin")
    assert client.get(f"/admin/surveys/{sid}/questions/new?kind=text").status_code == 303
    assert client.post(f"/admin/surveys/{sid}/questions/q1/delete", data=CONFIRMED).status_code == 303
    base = {"text_en": "I look forward to things!", "options_en": "\n".join(AGREE), "required": "y",
            "subscale": "Hope"}
    assert client.post(f"/admin/surveys/{sid}/questions/q1", data={**base, "reverse": "y"}).status_code == 422
    assert client.post(f"/admin/surveys/{sid}/questions/q1", data={**base, "options_en": "a\nb"}).status_code == 422
    assert client.post(f"/admin/surveys/{sid}/questions/q1", data=base).status_code == 303
    with app.app_context():
        definition = Survey.get_by_id(sid).questionnaire()
    assert len(definition.questions) == 5 and definition.questions[0].text["en"] == "I look forward to things!"
    assert not definition.questions[0].reverse
    # Members see the new wording at once (the parsed survey pages share is the stored text's).
    assert "I look forward to things!" in app.test_client().get(f"/s/{link.token}").get_data(as_text=True)
    # A copy can change freely; the answered survey can be archived, not deleted.
    copied = client.post(f"/admin/surveys/{sid}/copy", data={})
    assert client.post(f"/admin/surveys/{survey_id(copied)}/questions/q1/delete", data=CONFIRMED).status_code == 303
    client.post(f"/admin/surveys/{sid}/archive", data=CONFIRMED)
    with app.app_context():
        assert Survey.get_by_id(sid).archived and len(Survey.get_by_id(survey_id(copied)).questionnaire().questions) == 4


def test_the_member_answers_a_custom_survey_in_their_language_with_fallback(app, client):
    _sid, _group, link = answered_survey(app)
    page = client.get(f"/s/{link.token}?lang=es").get_data(as_text=True)
    assert "Espero cosas con ilusión." in page and "Hablar" in page
    assert 'lang="en" dir="ltr"' in page and "I feel stuck." in page  # no Spanish text: English, marked
    missing = client.post(f"/s/{link.token}", data={"q1": "4", "q4": "9"})
    assert missing.status_code == 422
    answered = client.post(f"/s/{link.token}", data={"q1": "5", "q2": "1", "q3": "2", "q5": "  "})
    assert answered.status_code == 303
    with app.app_context():
        rows = {(a.question, a.value, a.text) for a in SurveyAnswer.select()}
    assert {("q1", 5, None), ("q2", 1, None), ("q3", 2, None)} <= rows
    assert not any(question in ("q4", "q5") for question, _v, _t in rows)  # blank optional answers: not stored


def scored(app, pairs, k=3):
    with app.app_context():
        survey = Survey.create(definition=json.dumps(DOC))
        group = factories.group()
        link = SurveyLink.create(group=group.id, survey=survey.id, period=datetime.date(2026, 3, 1),
                                 token="periodtoken12", closes_at=datetime.datetime(2026, 4, 1))
        for n, (q1, q2) in enumerate(pairs):
            response = SurveyResponse.create(id=f"r{n}", link=link.id, counts_for=link.period)
            for key, value in (("q1", q1), ("q2", q2), ("q3", 1)):
                SurveyAnswer.create(response=response.id, question=key, value=value)
        results.release_due(now=datetime.datetime(2026, 4, 5), k=k)
        return results.range_release(survey.questionnaire(), survey.id).figures


def test_scores_and_distributions_of_a_custom_survey(app):
    figures = scored(app, [(5, 1), (5, 1), (5, 1), (4, 2), (4, 2), (4, 2)])
    by_key = {r.question.key: r for r in figures.questions}
    assert figures.count == 6 and by_key["q3"].counts == {1: 6, 2: 0}
    assert by_key["q4"].answered == 0  # optional and unanswered: its own total, not the responses
    hope = {s.name: s for s in figures.scores}["Hope"]
    # q1 mean 4.5; q2 mean 1.5, reverse-scored: 6 - 1.5. The sum of both.
    assert hope.mean == pytest.approx(4.5 + 4.5) and (hope.low, hope.high) == (2, 10)
    assert by_key["q1"].mean == 4.5 and by_key["q2"].mean == 1.5  # items themselves as answered


def test_a_shown_aggregate_shows_its_scores_whole_with_a_rare_answer(app):
    figures = scored(app, [(5, 1), (5, 1), (5, 1), (4, 2), (4, 2), (3, 2)])
    assert figures.count == 6 and None not in [s.mean for s in figures.scores]
    assert {r.question.key: r for r in figures.questions}["q1"].counts[3] == 1


def test_fewer_than_k_responses_show_no_score(app):
    assert scored(app, [(5, 1), (4, 2)]) is None


def test_group_choice_decides_what_runs_after_meetings_and_each_month(app, client, login):
    login("admin")
    with app.app_context():
        survey = Survey.create(definition=json.dumps(DOC))
        group = factories.group()
    url = f"/groups/{group.id}/surveys"
    assert client.get(url).status_code == 200
    assert client.post(url, data={"after_meetings": "none", "periodic": str(survey.id),
                                  "period": "month"}).status_code == 303
    with app.app_context():
        group = Group.get_by_id(group.id)
        assert not group.surveys_after_meetings and group.periodic_survey_id == survey.id
        assert surveys.open_link(factories.meeting(group), 48) is None
    page = client.get(f"/groups/{group.id}/feedback").get_data(as_text=True)
    assert "This month's survey" in page and "<svg" not in page  # GET makes no link
    with app.app_context():
        assert SurveyLink.select().count() == 0
    assert client.post(f"/groups/{group.id}/feedback/open").status_code == 303
    page = client.get(f"/groups/{group.id}/feedback").get_data(as_text=True)
    assert "<svg" in page
    with app.app_context():
        link = SurveyLink.get(SurveyLink.group == group.id, SurveyLink.period.is_null(False))
        start, end = surveys.period_of(group)
        assert link.period == start and link.meeting_id is None and link.survey_id == survey.id
        assert surveys.periodic_link(group).id == link.id  # one link per period
    assert client.post(url, data={"after_meetings": "12345", "periodic": "none", "period": "week"}).status_code == 422


def test_choosing_a_group_survey_keeps_a_schedule_edit_made_meanwhile(app, client, login, monkeypatch):
    """The choice changes its own columns only: a whole-row save of the group loaded at the start
    of the request would put back the schedule another leader changed in the meantime."""
    from peergroups.views import survey_admin

    login("admin")
    with app.app_context():
        group = factories.group(weekday=1)
    loaded = survey_admin.get_group

    def load_then_someone_edits(group_id, **kwargs):
        row = loaded(group_id, **kwargs)
        Group.update(weekday=4, location="Room 2").where(Group.id == group_id).execute()
        return row

    monkeypatch.setattr(survey_admin, "get_group", load_then_someone_edits)
    response = client.post(f"/groups/{group.id}/surveys", data={"after_meetings": "none", "periodic": "none",
                                                                 "period": "quarter"})
    assert response.status_code == 303
    with app.app_context():
        group = Group.get_by_id(group.id)
        assert (group.weekday, group.location) == (4, "Room 2")
        assert not group.surveys_after_meetings and group.survey_period == "quarter"


def test_a_periodic_link_stores_its_period_and_caps_at_active_members_plus_margin(app):
    with app.app_context():
        survey = Survey.create(definition=json.dumps(DOC))
        group = factories.group(timezone="Pacific/Auckland")
        for _ in range(2):
            factories.member(group)
        Group.update(periodic_survey=survey.id, survey_period="quarter").where(Group.id == group.id).execute()
        group = Group.get_by_id(group.id)
        now = datetime.datetime(2026, 6, 30, 13, 0)  # already 1 July in Auckland: the next quarter
        assert surveys.periodic_link(group, now) is None
        link = surveys.open_periodic_link(group, now)
        assert link.period == datetime.date(2026, 7, 1) and surveys.periodic_link(group, now).id == link.id
        # 1 October, midnight in Auckland, where daylight time (UTC+13) began on 27 September.
        assert link.closes_at == datetime.datetime(2026, 9, 30, 11, 0)
        stored = [surveys.store_response(link, {"q1": 3, "q2": 3, "q3": 1}, margin=1, now=now) for _ in range(4)]
        assert stored == ["stored"] * 3 + ["full"]
        assert {r.counts_for for r in SurveyResponse.select()} == {datetime.date(2026, 7, 1)}


@pytest.mark.parametrize("now, period", [
    (datetime.datetime(2026, 1, 1, 5), (datetime.date(2025, 12, 1), datetime.date(2026, 1, 1))),
    (datetime.datetime(2026, 12, 15), (datetime.date(2026, 12, 1), datetime.date(2027, 1, 1))),
])
def test_months_end_at_midnight_in_the_group_time_zone(app, now, period):
    with app.app_context():
        group = factories.group(timezone="America/Chicago")
        assert surveys.period_of(group, now) == period


def test_closing_a_period_that_has_no_link_makes_none(app, client, login):
    login("admin")
    with app.app_context():
        survey = Survey.create(definition=json.dumps(DOC))
        group = factories.group()
        Group.update(periodic_survey=survey.id).where(Group.id == group.id).execute()
    assert client.post(f"/groups/{group.id}/feedback/close", data={}).status_code == 303
    with app.app_context():
        assert not SurveyLink.select().exists()
