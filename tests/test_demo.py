"""The demo organization: the contract's accounts, and data believable enough to try every screen."""
import datetime

from peergroups import attendance
from peergroups.demo import GROUPS
from peergroups.models import (
    Attendance, AttendanceChange, Group, GroupFacilitator, GroupMember, Meeting, Member, SurveyAnswer, SurveyLink,
    SurveyResponse, User, utcnow,
)
from peergroups.schedule import occurrences
from peergroups.groups import schedule_of

from .helpers import DEMO_PASSWORD, build_demo

PASSWORD = DEMO_PASSWORD
CONTRACT = {"admin@example.org": "admin", "facilitator@example.org": "facilitator",
            "supervisor@example.org": "supervisor"}


def test_contract_accounts_sign_in_with_the_password(demo_app):
    with demo_app.app_context():
        roles = {u.email: u.role for u in User.select()}
    assert {email: roles.get(email) for email in CONTRACT} == CONTRACT
    for email in CONTRACT:
        client = demo_app.test_client()
        wrong = client.post("/login", data={"email": email, "password": PASSWORD + "x"})
        assert wrong.status_code == 422
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 303, email


def test_a_second_run_is_refused(demo_app):
    result = demo_app.test_cli_runner().invoke(args=["demo", "--password", PASSWORD])
    assert result.exit_code != 0 and "not empty" in result.output


def test_groups_in_several_languages_and_time_zones(demo_app):
    with demo_app.app_context():
        groups = list(Group.select())
    assert len(groups) >= 5
    assert len({g.language_list[0] for g in groups}) >= 5
    assert len({g.timezone for g in groups}) >= 4
    assert {g.frequency for g in groups} == {"weekly", "monthly"} and any(g.interval > 1 for g in groups)
    assert all(g.topic_list and (g.location or g.virtual_link) for g in groups)


def test_the_facilitator_leads_some_groups_not_all(demo_app):
    with demo_app.app_context():
        facilitator = User.get(User.email == "facilitator@example.org")
        led = GroupFacilitator.select().where(GroupFacilitator.user == facilitator.id).count()
        groups = Group.select().count()
        co_leads = GroupFacilitator.select().where(~GroupFacilitator.lead).count()
        leaderless = Group.select().where(Group.id.not_in(GroupFacilitator.select(GroupFacilitator.group))).count()
    assert 0 < led < groups
    assert co_leads >= 1 and leaderless == 0


def test_dozens_of_members_some_in_several_groups(demo_app):
    with demo_app.app_context():
        members = list(Member.select())
        links = GroupMember.select().count()
    assert len(members) >= 36
    assert links > len(members)  # someone belongs to two groups
    assert any(m.pronouns for m in members) and any(m.phone or m.email for m in members)
    assert len({m.locale for m in members}) >= 5
    assert any(not name.isascii() for name in (m.name for m in members))


def test_twelve_weeks_of_meetings_on_each_groups_schedule(demo_app):
    with demo_app.app_context():
        for group in Group.select():
            schedule = schedule_of(group)
            meetings = list(Meeting.select().where(Meeting.group == group.id).order_by(Meeting.starts_at))
            today = attendance.local_today(group.timezone)
            assert meetings and all(m.status in ("closed", "cancelled") for m in meetings), group.name
            first, last = meetings[0].local_date, meetings[-1].local_date
            assert today - datetime.timedelta(weeks=12) <= first and last < today, group.name
            # Every date of the schedule in that span, each at the schedule's instant in the group's zone.
            expected = {o.local_date: o.starts_at_utc for o in occurrences(schedule, first, last)}
            assert {m.local_date: m.starts_at for m in meetings} == expected, group.name
            assert all(m.local_date.weekday() == group.weekday for m in meetings)
            span = 31 if group.frequency == "monthly" else 7 * group.interval
            assert (today - last).days <= span and (first - (today - datetime.timedelta(weeks=12))).days < span
            assert all(m.topic in group.topic_list for m in meetings if m.status == "closed")
        weekly = Meeting.select().join(Group).where(Group.interval == 1, Group.frequency == "weekly")
        assert weekly.where(Meeting.status == "closed").count() >= 11 * 3
        assert Meeting.select().where(Meeting.status == "cancelled").count() >= 1


def test_every_closed_meeting_has_a_mark_for_everyone_expected(demo_app):
    with demo_app.app_context():
        for meeting in Meeting.select():
            marks = {a.member_id: a.state for a in Attendance.select().where(Attendance.meeting == meeting.id)}
            if meeting.status == "cancelled":
                assert not marks
                continue
            assert set(attendance.expected_member_ids(meeting)) <= set(marks), meeting.local_date
            assert "present" in marks.values()


def test_every_mark_has_its_history_set_by_a_group_leader(demo_app):
    with demo_app.app_context():
        leaders = {(f.group_id, f.user_id) for f in GroupFacilitator.select()}
        groups = {m.id: m.group_id for m in Meeting.select()}
        latest = {}
        for change in AttendanceChange.select().order_by(AttendanceChange.at, AttendanceChange.id):
            latest[change.meeting_id, change.member_id] = change
        marks = list(Attendance.select())
        assert len(latest) == len(marks)
        for mark in marks:
            change = latest[mark.meeting_id, mark.member_id]
            assert (change.state, change.by_id) == (mark.state, mark.by_id)
            assert (groups[mark.meeting_id], mark.by_id) in leaders
        assert AttendanceChange.select().where(AttendanceChange.previous == "absent").exists()


def test_attendance_is_realistic(demo_app):
    """Regulars who come most weeks, others now and then: neither everyone nor no one."""
    with demo_app.app_context():
        present = Attendance.select().where(Attendance.state == "present").count()
        rate = present / Attendance.select().count()
        per_member = {}
        for mark in Attendance.select():
            seen = per_member.setdefault(mark.member_id, [0, 0])
            seen[0] += mark.state == "present"
            seen[1] += 1
    assert 0.45 < rate < 0.9
    rates = [p / n for p, n in per_member.values() if n >= 6]
    assert any(r >= 0.8 for r in rates) and any(r <= 0.4 for r in rates)


def test_follow_up_lists_have_people(demo_app):
    """Someone stopped coming, and a newcomer who joined lately came once and not again."""
    with demo_app.app_context():
        config = demo_app.config
        lists = [attendance.follow_up(group, config["FOLLOW_UP_MISSED_MEETINGS"], config["NEWCOMER_WINDOW_DAYS"])
                 for group in Group.select()]
        joined = {m.id: m.joined_on for m in Member.select()}
    assert any(not_seen for not_seen, _once in lists)
    recently = datetime.date.today() - datetime.timedelta(weeks=12)
    assert any(joined[row["id"]] >= recently for _not_seen, came_once in lists for row in came_once)


def test_newcomers_came_to_the_meeting_they_joined_at(demo_app):
    with demo_app.app_context():
        newcomers = list(GroupMember.select().where(
            GroupMember.joined_on >= datetime.date.today() - datetime.timedelta(weeks=10)))
        assert len(newcomers) >= 3
        for link in newcomers:
            first = (Attendance.select(Attendance.state).join(Meeting)
                     .where(Meeting.group == link.group_id, Attendance.member == link.member_id)
                     .order_by(Meeting.starts_at).first())
            assert first.state == "present"


def test_the_facilitator_can_open_the_demo_screens(demo_app):
    client = demo_app.test_client()
    assert client.post("/login", data={"email": "facilitator@example.org", "password": PASSWORD}).status_code == 303
    with demo_app.app_context():
        facilitator = User.get(User.email == "facilitator@example.org")
        led = [f.group_id for f in GroupFacilitator.select().where(GroupFacilitator.user == facilitator.id)]
        meeting = Meeting.select().where(Meeting.group == led[0], Meeting.status == "closed").first()
        other = Group.select().where(Group.id.not_in(led)).first()
    for path in ("/groups/", f"/groups/{led[0]}", f"/groups/{led[0]}/follow-up", f"/meetings/{meeting.id}"):
        assert client.get(path).status_code == 200, path
    assert client.get(f"/groups/{other.id}").status_code == 404


def test_mentoring_has_mentors_pairings_check_ins_and_waiting_newcomers(demo_app):
    from peergroups import pairing
    from peergroups.models import CheckIn, MentorProfile, Pairing

    with demo_app.app_context():
        statuses = {p.status for p in Pairing.select()}
        groups = list(Group.select())
        today = datetime.date.today()
        waiting = [n for g in groups for n in pairing.waiting_newcomers(g.id, 60, today)]
        overdue = [row for g in groups for row in pairing.overdue(g.id, 14, today)]
        profiles, check_ins = MentorProfile.select().count(), CheckIn.select().count()
    assert profiles >= 2 * len(groups) - 2 and check_ins >= len(groups)
    assert {"active", "ended"} <= statuses
    assert waiting and overdue  # someone waits for a mentor; some check-ins are overdue
    client = demo_app.test_client()
    client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    page = client.get(f"/mentoring/groups/{groups[0].id}/match")
    assert page.status_code == 200 and "Speaks" in page.get_data(as_text=True)


def test_scale_multiplies_the_groups(fresh_app):
    output = build_demo(fresh_app, "--scale", "2")
    with fresh_app.app_context():
        groups = Group.select().count()
        members = Member.select().count()
        meetings = Meeting.select().count()
        facilitator = User.get(User.email == "facilitator@example.org")
        led = GroupFacilitator.select().where(GroupFacilitator.user == facilitator.id).count()
    assert groups == 2 * len(GROUPS) and f"{groups} groups" in output
    assert members >= 2 * 36 and meetings >= 2 * 5 * len(GROUPS)
    assert 0 < led < groups


def test_survey_responses_over_past_weeks_some_under_k(demo_app):
    from peewee import fn

    with demo_app.app_context():
        facilitator = User.get(User.email == "facilitator@example.org")
        led = [f.group_id for f in GroupFacilitator.select().where(GroupFacilitator.user == facilitator.id)]
        open_links = SurveyLink.select().join(Meeting).where(SurveyLink.closes_at > utcnow(), Meeting.group.in_(led))
        per_link = [row.n for row in SurveyResponse.select(fn.COUNT(SurveyResponse.id).alias("n"))
                    .group_by(SurveyResponse.link)]
        dates = {r.counts_for for r in SurveyResponse.select(SurveyResponse.counts_for).distinct()}
        comments = [a.text for a in SurveyAnswer.select().where(SurveyAnswer.question == "comment")]
    assert open_links.count() >= 1
    assert any(n < 5 for n in per_link) and any(n >= 5 for n in per_link)
    assert len(dates) >= 10
    assert any("ش" in c for c in comments) and any("Gracias" in c for c in comments)


def test_the_demo_shows_the_organization_and_every_group_all_time(demo_app):
    """On the demo, the organization's and every group's all-time figures of our survey are shown."""
    from peergroups import results
    from peergroups.models import Group
    from peergroups.questionnaire import AFTER_MEETING

    with demo_app.app_context():
        org = results.range_release(AFTER_MEETING, None)
        assert org is not None and org.figures is not None and org.figures.count >= 5
        for group in Group.select():
            headline = results.range_release(AFTER_MEETING, None, group.id)
            assert headline is not None and headline.figures is not None, group.name


def test_the_demo_has_crisis_lines_for_every_reader(demo_app):
    from peergroups.crisis import lines_for

    with demo_app.app_context():
        spanish = lines_for("es")
        assert spanish[0].locale == "es" and any(line.locale == "" for line in spanish)
        assert all(line.phone or line.text_line for line in spanish)


def test_a_weak_demo_password_is_warned_about(fresh_app):
    result = fresh_app.test_cli_runner().invoke(args=["demo", "--password", "x"])
    assert result.exit_code == 0 and "Warning: Use at least 10 characters." in result.stderr


def test_the_demo_does_not_contradict_itself(demo_app):
    from peewee import fn

    from peergroups.demo import GROUPS, pronouns_of
    from peergroups.models import Meeting, Pairing

    with demo_app.app_context():
        for pairing in Pairing.select():
            first = (Attendance.select(fn.MIN(Meeting.local_date)).join(Meeting, on=(Attendance.meeting == Meeting.id))
                     .where(Attendance.member == pairing.newcomer_id, Attendance.state == "present").scalar())
            first = first if isinstance(first, datetime.date) else datetime.date.fromisoformat(str(first)[:10])
            assert pairing.created_at.date() >= first, "a pairing began before the newcomer first came"
            if pairing.ended_at:
                assert pairing.created_at < pairing.ended_at <= utcnow()
        given = {name: said for kind in GROUPS for name, said in pronouns_of(kind).items()}
        for member in Member.select().where(Member.pronouns != ""):
            assert given.get(member.name) == member.pronouns  # as the person gave them, not drawn at random
def test_the_demo_shows_agreements_the_crisis_path_and_an_overdue_incident(demo_app):
    from peergroups import consent
    from peergroups.models import Consent, EscalationStep, Incident

    from .helpers import sign_in

    with demo_app.app_context():
        room = consent.agreements()[-1]
        assert [v.number for v in consent.versions(room.id)] == [2, 1]  # a second version, the first kept
        assert Consent.select().where(Consent.version == consent.versions(room.id)[1].id).exists()
        group = Group.select().order_by(Group.id).first()
        assert consent.pending(group.id)  # some members still to ask
        assert EscalationStep.select().count() >= 3 and Incident.select().count() == 1
        facilitator = User.get(User.email == "facilitator@example.org")
        meeting = Meeting.select().where(Meeting.group == group.id).order_by(Meeting.starts_at.desc()).first()
    client = demo_app.test_client()
    sign_in(client, facilitator)
    assert "Follow-ups that are due" in client.get("/?lang=en").get_data(as_text=True)
    help_page = client.get(f"/meetings/{meeting.id}/help?lang=en").get_data(as_text=True)
    assert "988" in help_page and "Call the on-call supervisor" in help_page
