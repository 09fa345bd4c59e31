"""The access matrix: every route, and what each role (and the anonymous visitor) gets.

This is the single place that lists who may reach what. test_access checks every row and that no
route of the app is missing here; test_gettext renders every GET row that answers 200 in the
pseudo-locale. URLs and form values are templates filled from the `world` fixture's ids: group_a
is led by the facilitator, group_b is not."""

ANON, ADMIN, FACILITATOR, SUPERVISOR = "anon", "admin", "facilitator", "supervisor"
ROLES = (ANON, ADMIN, FACILITATOR, SUPERVISOR)


def expect(anon, admin, facilitator, supervisor):
    return {ANON: anon, ADMIN: admin, FACILITATOR: facilitator, SUPERVISOR: supervisor}


SIGNED_IN = expect(302, 200, 200, 200)
ADMIN_ONLY = expect(302, 200, 404, 404)
LEADERS_READ = expect(302, 200, 200, 404)  # admin and the group's facilitators; supervisors change nothing
OTHER_GROUP = expect(302, 200, 404, 200)  # a group the facilitator does not lead: supervisors may read


def is_html_page(template):
    """A GET row that answers a page (not the JSON health check, a calendar feed or a file download)."""
    path = template.split("?")[0]
    return template != "/healthz" and not path.endswith((".ics", "/export", "{survey_asset}", ".csv"))


def leaders(status):
    return expect(302, status, status, 404)


def other_group_write(status):
    return expect(302, status, 404, 404)


MARK = {"member_id": "{member_a}", "state": "present"}
ACCEPT = {"method": "screen", "given_on": "2026-03-01", "version": "{agreement_version}"}
INCIDENT = {"date": "2026-03-01", "time": "19:30", "category": "conflict", "what_happened": "An argument"}
CONFIRMED = {"confirmed": "1"}  # what pages.ask_first's page sends; tests/test_confirm.py asks first


# (method, url template, {role: status}[, form data]). 302 for the anonymous visitor = to the login page.
ROUTES = [
    ("GET", "/", SIGNED_IN),
    ("GET", "/healthz", expect(200, 200, 200, 200)),
    ("GET", "/login", expect(200, 302, 302, 302)),
    ("POST", "/login", expect(422, 302, 302, 302)),
    ("POST", "/logout", expect(303, 303, 303, 303)),
    # Setup is gone once an admin exists (the setup tests cover the empty database).
    ("GET", "/setup", expect(404, 404, 404, 404)),
    ("POST", "/setup", expect(404, 404, 404, 404)),
    # Single-use links work for whoever holds them.
    ("GET", "/invite/{invite_token}", expect(200, 200, 200, 200)),
    ("POST", "/invite/{invite_token}", expect(422, 422, 422, 422)),
    ("GET", "/reset/{reset_token}", expect(200, 200, 200, 200)),
    ("POST", "/reset/{reset_token}", expect(422, 422, 422, 422)),
    ("GET", "/account/", SIGNED_IN),
    ("POST", "/account/", SIGNED_IN),
    # Signing out one's own devices (tests/test_signin.py: someone else's device is a 404 too).
    ("POST", "/account/devices/{admin_device}/sign-out", expect(302, 303, 404, 404)),
    ("POST", "/account/sign-out-everywhere", expect(302, 303, 303, 303)),
    # Staff management: admins only.
    ("GET", "/staff/", ADMIN_ONLY),
    ("GET", "/staff/invite", ADMIN_ONLY),
    ("POST", "/staff/invite", expect(302, 422, 404, 404)),
    ("GET", "/staff/links/{invite_id}", ADMIN_ONLY),
    ("POST", "/staff/links/{invite_id}/revoke", expect(302, 303, 404, 404), CONFIRMED),
    ("GET", "/staff/{user_id}", ADMIN_ONLY),
    ("POST", "/staff/{user_id}", expect(302, 303, 404, 404)),
    ("POST", "/staff/{user_id}/active", expect(302, 303, 404, 404), CONFIRMED),
    ("POST", "/staff/{user_id}/reset", expect(302, 200, 404, 404)),  # the link, shown once
    ("GET", "/admin/crisis-lines/", ADMIN_ONLY),
    ("POST", "/admin/crisis-lines/", expect(302, 422, 404, 404)),
    ("POST", "/admin/crisis-lines/{crisis_line}/delete", expect(302, 303, 404, 404), CONFIRMED),
    ("GET", "/admin/settings", ADMIN_ONLY),
    ("POST", "/admin/settings", expect(302, 422, 404, 404)),
    # The organization's data: the export (the POST answers the ZIP) and the audit log, admins only.
    ("GET", "/admin/data", ADMIN_ONLY),
    ("POST", "/admin/data", expect(302, 200, 404, 404)),
    ("GET", "/admin/audit", ADMIN_ONLY),
    ("GET", "/admin/audit?action=member.erase&user={user_id}&since=2026-01-01&until=2026-12-31", ADMIN_ONLY),
    # The organization's own surveys: admins only. Empty forms are refused with 422.
    ("GET", "/admin/surveys/", ADMIN_ONLY),
    ("POST", "/admin/surveys/", expect(302, 422, 404, 404)),
    ("POST", "/admin/surveys/import", expect(302, 422, 404, 404)),
    ("GET", "/admin/surveys/{survey_id}", ADMIN_ONLY),
    ("POST", "/admin/surveys/{survey_id}", expect(302, 422, 404, 404)),
    ("GET", "/admin/surveys/{survey_id}/questions/new?kind=scale", ADMIN_ONLY),
    ("GET", "/admin/surveys/{survey_id}/questions/new?kind=choice", ADMIN_ONLY),
    ("POST", "/admin/surveys/{survey_id}/questions/new?kind=text", expect(302, 422, 404, 404)),
    ("GET", "/admin/surveys/{survey_id}/questions/{question_key}", ADMIN_ONLY),
    ("POST", "/admin/surveys/{survey_id}/questions/{question_key}", expect(302, 422, 404, 404)),
    ("POST", "/admin/surveys/{survey_id}/questions/{question_key}/down", expect(302, 303, 404, 404)),
    ("POST", "/admin/surveys/{survey_id}/questions/{question_key}/up", expect(302, 303, 404, 404)),
    ("POST", "/admin/surveys/{survey_id}/questions/{question_key}/delete", expect(302, 303, 404, 404), CONFIRMED),
    ("GET", "/admin/surveys/{survey_id}/export", ADMIN_ONLY),
    ("POST", "/admin/surveys/{survey_id}/copy", expect(302, 303, 404, 404)),
    ("POST", "/admin/surveys/{survey_id}/archive", expect(302, 303, 404, 404), CONFIRMED),
    ("GET", "/groups/{group_a}/surveys", ADMIN_ONLY),
    ("GET", "/groups/{group_b}/surveys", ADMIN_ONLY),
    ("POST", "/groups/{group_a}/surveys", expect(302, 422, 404, 404)),
    # Groups.
    ("GET", "/groups/", SIGNED_IN),
    ("GET", "/groups/new", ADMIN_ONLY),
    ("POST", "/groups/new", expect(302, 422, 404, 404)),
    ("GET", "/groups/{group_a}", SIGNED_IN),
    ("GET", "/groups/{group_b}", OTHER_GROUP),
    ("GET", "/groups/{group_a}/edit", LEADERS_READ),
    ("POST", "/groups/{group_a}/edit", leaders(422)),
    ("POST", "/groups/{group_b}/edit", other_group_write(422)),
    ("POST", "/groups/{group_a}/archive", expect(302, 303, 404, 404), CONFIRMED),
    ("GET", "/groups/{group_a}/follow-up", SIGNED_IN),
    ("GET", "/groups/{group_b}/follow-up", OTHER_GROUP),
    ("POST", "/groups/{group_a}/follow-up/{member_a}/contacts", leaders(303)),
    ("POST", "/groups/{group_b}/follow-up/{member_b}/contacts", other_group_write(303)),
    ("POST", "/groups/{group_a}/meetings", leaders(303)),
    ("POST", "/groups/{group_b}/meetings", other_group_write(303)),
    ("GET", "/groups/{group_a}/calendar", LEADERS_READ),
    ("GET", "/groups/{group_b}/calendar", other_group_write(200)),
    ("POST", "/groups/{group_a}/calendar", leaders(303)),
    ("GET", "/calendar/{calendar_token}.ics", expect(200, 200, 200, 200)),
    ("GET", "/calendar/not-a-token.ics", expect(404, 404, 404, 404)),
    # Meetings.
    ("GET", "/meetings/{meeting_a}", SIGNED_IN),
    ("GET", "/meetings/{meeting_b}", OTHER_GROUP),
    ("POST", "/meetings/{meeting_a}/marks", leaders(303), MARK),
    ("POST", "/meetings/{meeting_b}/marks", other_group_write(404), MARK),  # member_a is not in group_b
    ("POST", "/meetings/{meeting_a}/undo", leaders(303)),
    ("POST", "/meetings/{meeting_a}/newcomer", leaders(422)),
    ("POST", "/meetings/{meeting_a}/close", leaders(303)),
    ("POST", "/meetings/{meeting_b}/close", other_group_write(303)),
    ("POST", "/meetings/{meeting_a}/reopen", leaders(303)),
    ("POST", "/meetings/{meeting_a}/cancel", leaders(303), CONFIRMED),
    ("GET", "/meetings/{meeting_a}/details", LEADERS_READ),
    ("POST", "/meetings/{meeting_a}/details", leaders(303)),
    ("GET", "/meetings/{meeting_a}/history", SIGNED_IN),
    ("GET", "/meetings/{meeting_b}/history", OTHER_GROUP),
    ("GET", "/meetings/{meeting_a}/feedback", LEADERS_READ),
    ("GET", "/meetings/{meeting_b}/feedback", other_group_write(200)),
    ("GET", "/meetings/{meeting_a}/feedback/present", LEADERS_READ),
    ("GET", "/meetings/{meeting_b}/feedback/present", other_group_write(303)),  # no open link: back
    ("POST", "/meetings/{meeting_a}/feedback/open", leaders(303)),
    ("POST", "/meetings/{meeting_a}/feedback/close", leaders(303)),
    ("POST", "/meetings/{meeting_b}/feedback/close", other_group_write(303)),
    # A group's periodic link (group_b runs a monthly survey; group_a none).
    ("GET", "/groups/{group_a}/feedback", LEADERS_READ),
    ("GET", "/groups/{group_b}/feedback", other_group_write(200)),
    ("POST", "/groups/{group_a}/feedback/open", leaders(303)),
    ("POST", "/groups/{group_b}/feedback/open", other_group_write(303)),
    ("POST", "/groups/{group_a}/feedback/close", leaders(303)),
    ("POST", "/groups/{group_b}/feedback/close", other_group_write(303)),
    # Survey results: who may see the meeting or group; the whole organization for admins and supervisors.
    ("GET", "/meetings/{meeting_a}/results", SIGNED_IN),
    ("GET", "/meetings/{meeting_b}/results", OTHER_GROUP),
    ("GET", "/groups/{group_a}/results", SIGNED_IN),
    ("GET", "/groups/{group_b}/results", OTHER_GROUP),
    ("GET", "/results/", expect(302, 200, 404, 200)),
    # Reports: everyone signed in; facilitators see only their own groups (another group is a 404).
    ("GET", "/reports/", SIGNED_IN),
    ("GET", "/reports/?group={group_a}&period=last-quarter", SIGNED_IN),
    ("GET", "/reports/?group={group_b}", OTHER_GROUP),
    ("GET", "/reports/?share=1&period=range&from=2025-11&to=2026-02", SIGNED_IN),
    ("GET", "/reports/print", SIGNED_IN),
    ("GET", "/reports/print?group={group_b}&period=year", OTHER_GROUP),
    ("GET", "/reports/table.csv?table=attendance-months", SIGNED_IN),
    ("GET", "/reports/table.csv?table=retention&group={group_a}", SIGNED_IN),
    ("GET", "/reports/table.csv?table=people-groups&group={group_b}", OTHER_GROUP),
    ("GET", "/reports/table.csv?table=no-such-table", expect(302, 404, 404, 404)),
    # The anonymous survey: a browser signed in as staff cannot answer (told why, nothing stored).
    ("GET", "/s/{survey_token}", expect(200, 403, 403, 403)),
    ("POST", "/s/{survey_token}", expect(422, 403, 403, 403)),
    ("GET", "/s/-/{survey_asset}", expect(200, 200, 200, 200)),
    ("GET", "/s/{survey_token}/thanks", expect(200, 200, 200, 200)),
    ("GET", "/s/not-a-token", expect(404, 404, 404, 404)),
    # Members.
    ("GET", "/members/", SIGNED_IN),
    ("GET", "/members/{member_a}", SIGNED_IN),
    ("GET", "/members/{member_b}", OTHER_GROUP),
    ("GET", "/members/{member_a}/edit", LEADERS_READ),
    ("POST", "/members/{member_a}/edit", leaders(303)),
    ("GET", "/members/{member_b}/edit", other_group_write(200)),
    ("POST", "/members/{member_a}/archive", leaders(303), CONFIRMED),
    ("POST", "/members/{member_a}/erase", expect(302, 303, 404, 404), CONFIRMED),  # admins only
    ("GET", "/members/groups/{group_a}/new", LEADERS_READ),
    ("GET", "/members/new", expect(302, 200, 302, 404)),  # the facilitator leads one group: straight to it
    ("GET", "/members/import", LEADERS_READ),
    ("GET", "/members/import?group={group_a}", LEADERS_READ),
    ("GET", "/members/import?group={group_b}", other_group_write(200)),
    ("POST", "/members/import", expect(302, 422, 422, 404)),
    ("POST", "/members/import?group={group_b}", other_group_write(422)),
    ("POST", "/members/groups/{group_a}", leaders(422)),
    ("POST", "/members/groups/{group_b}", other_group_write(422)),
    ("POST", "/members/{member_a}/groups", leaders(303), {"group_id": "{group_a}"}),
    ("POST", "/members/{member_b}/groups", other_group_write(303), {"group_id": "{group_a}"}),
    ("POST", "/members/{member_a}/groups", other_group_write(303), {"group_id": "{group_b}"}),
    ("POST", "/members/{member_a}/groups/{group_a}/leave", leaders(303), CONFIRMED),
    ("GET", "/members/{member_a}/merge", LEADERS_READ),
    ("POST", "/members/{member_a}/merge", leaders(303), {"into": "{member_a2}"}),
    ("POST", "/members/{member_a}/merge", other_group_write(303), {"into": "{member_b}"}),
    # Mentoring. Suggestions and matching draw on sensitive fields: leaders only.
    ("GET", "/mentoring/members/{member_a}/mentor", LEADERS_READ),
    ("POST", "/mentoring/members/{member_a}/mentor", leaders(422)),
    ("POST", "/mentoring/members/{member_a}/mentor", leaders(303), {"capacity": "2", "languages": "en"}),
    ("GET", "/mentoring/members/{member_b}/mentor", other_group_write(200)),
    ("POST", "/mentoring/members/{member_b}/mentor", other_group_write(422)),
    ("GET", "/mentoring/members/{member_a}/preferences", LEADERS_READ),
    ("POST", "/mentoring/members/{member_a}/preferences", leaders(303)),
    ("GET", "/mentoring/members/{member_b}/preferences", other_group_write(200)),
    ("GET", "/mentoring/match", ADMIN_ONLY),
    ("POST", "/mentoring/match", expect(302, 303, 404, 404)),
    ("GET", "/mentoring/groups/{group_a}", SIGNED_IN),
    ("GET", "/mentoring/groups/{group_b}", OTHER_GROUP),
    ("GET", "/mentoring/groups/{group_a}/newcomers/{newcomer_a}", LEADERS_READ),
    ("GET", "/mentoring/groups/{group_b}/newcomers/{member_b}", other_group_write(200)),
    ("GET", "/mentoring/groups/{group_a}/newcomers/{member_b}", expect(302, 404, 404, 404)),  # not in group_a
    ("POST", "/mentoring/groups/{group_a}/pairings", leaders(303), {"newcomer_id": "{newcomer_a}", "mentor_id": "{mentor_a}"}),
    ("POST", "/mentoring/groups/{group_a}/pairings", other_group_write(303), {"newcomer_id": "{newcomer_a}", "mentor_id": "{mentor_b}"}),
    ("POST", "/mentoring/groups/{group_b}/pairings", other_group_write(303), {"newcomer_id": "{member_b}", "mentor_id": "{mentor_b}"}),
    ("GET", "/mentoring/groups/{group_a}/match", LEADERS_READ),
    ("GET", "/mentoring/groups/{group_b}/match", other_group_write(200)),
    ("POST", "/mentoring/groups/{group_a}/match", leaders(303), {"pair": "{newcomer_a}-{mentor_a}"}),
    ("POST", "/mentoring/groups/{group_b}/match", other_group_write(303)),
    ("GET", "/mentoring/pairings/{pairing_a}", SIGNED_IN),
    ("GET", "/mentoring/pairings/{pairing_b}", OTHER_GROUP),
    ("POST", "/mentoring/pairings/{pairing_a}/activate", leaders(303)),
    ("POST", "/mentoring/pairings/{pairing_b}/activate", other_group_write(303)),
    ("POST", "/mentoring/pairings/{pairing_a}/end", leaders(422)),
    ("POST", "/mentoring/pairings/{pairing_a}/end", leaders(303), {"reason": "completed"}),
    ("POST", "/mentoring/pairings/{pairing_b}/end", other_group_write(303), {"reason": "moved"}),
    ("POST", "/mentoring/pairings/{pairing_a}/rematch", leaders(303)),
    ("POST", "/mentoring/pairings/{pairing_b}/rematch", other_group_write(303)),
    ("POST", "/mentoring/pairings/{pairing_a}/check-ins", leaders(422)),
    ("POST", "/mentoring/pairings/{pairing_a}/check-ins", leaders(303), {"date": "2026-03-01", "kind": "met"}),
    ("POST", "/mentoring/pairings/{pairing_b}/check-ins", other_group_write(422)),
    # Agreements: admins write them and choose each group's; leaders record acceptances.
    ("GET", "/admin/agreements/", ADMIN_ONLY),
    ("POST", "/admin/agreements/", expect(302, 422, 404, 404)),
    ("GET", "/admin/agreements/{agreement_id}", ADMIN_ONLY),
    ("POST", "/admin/agreements/{agreement_id}", expect(302, 422, 404, 404)),
    ("POST", "/admin/agreements/{agreement_id}/archive", expect(302, 303, 404, 404), CONFIRMED),
    ("GET", "/groups/{group_a}/agreements", ADMIN_ONLY),
    ("POST", "/groups/{group_a}/agreements", expect(302, 303, 404, 404)),
    ("GET", "/agreements/members/{member_a}/{agreement_id}", SIGNED_IN),
    ("GET", "/agreements/members/{member_b}/{agreement_id}", OTHER_GROUP),
    ("POST", "/agreements/members/{member_a}/{agreement_id}/accept", leaders(422)),
    ("POST", "/agreements/members/{member_a}/{agreement_id}/accept", leaders(303), ACCEPT),
    ("POST", "/agreements/members/{member_b}/{agreement_id}/accept", other_group_write(303), ACCEPT),
    ("POST", "/agreements/members/{member_a}/{agreement_id}/withdraw", leaders(303), CONFIRMED),
    ("POST", "/agreements/members/{member_b}/{agreement_id}/withdraw", other_group_write(303), CONFIRMED),
    ("POST", "/agreements/members/{member_a}/{agreement_id}/link", leaders(303)),
    ("GET", "/agreements/members/{member_a}/{agreement_id}/link", LEADERS_READ),
    ("GET", "/agreements/members/{member_b}/{agreement_id}/link", other_group_write(200)),
    ("GET", "/agreements/members/{member_a}/{agreement_id}/print", SIGNED_IN),
    ("GET", "/agreements/members/{member_b}/{agreement_id}/print", OTHER_GROUP),
    # The member's own phone: no account; a staff browser cannot accept for them.
    ("GET", "/s/agree/{agreement_token}", expect(200, 403, 403, 403)),
    ("POST", "/s/agree/{agreement_token}", expect(200, 403, 403, 403)),
    ("GET", "/s/agree/not-a-token", expect(404, 404, 404, 404)),
    # The crisis path: the escalation checklist (admins), one tap from the meeting screen.
    ("POST", "/admin/crisis-lines/steps", expect(302, 422, 404, 404)),
    ("POST", "/admin/crisis-lines/steps", expect(302, 303, 404, 404), {"step-locale": "", "step-text": "Call the supervisor"}),
    ("POST", "/admin/crisis-lines/steps/{step_id}/delete", expect(302, 303, 404, 404), CONFIRMED),
    ("GET", "/meetings/{meeting_a}/help", SIGNED_IN),
    ("GET", "/meetings/{meeting_b}/help", OTHER_GROUP),
    # Incidents: admins, supervisors and the person who recorded it; nobody else.
    ("GET", "/meetings/{meeting_a}/incidents/new", LEADERS_READ),
    ("GET", "/meetings/{meeting_b}/incidents/new", other_group_write(200)),
    ("POST", "/meetings/{meeting_a}/incidents/new", leaders(422)),
    ("POST", "/meetings/{meeting_a}/incidents/new", leaders(303), INCIDENT),
    ("POST", "/meetings/{meeting_b}/incidents/new", other_group_write(303), INCIDENT),
    ("GET", "/incidents/", SIGNED_IN),
    ("GET", "/incidents/?status=open", SIGNED_IN),
    ("GET", "/incidents/{incident_a}", SIGNED_IN),
    ("GET", "/incidents/{incident_b}", OTHER_GROUP),
    ("POST", "/incidents/{incident_a}/notes", expect(302, 422, 404, 422)),
    ("POST", "/incidents/{incident_a}/notes", expect(302, 303, 404, 303), {"text": "Talked with the facilitator"}),
    ("POST", "/incidents/{incident_a}/status", expect(302, 303, 404, 303), {"status": "closed"}),
    ("GET", "/incidents/report", expect(302, 200, 404, 200)),
    # Supervision: supervisors (and admins) record check-ins; a facilitator reads their own.
    ("GET", "/supervision/", SIGNED_IN),
    ("POST", "/supervision/", expect(302, 422, 404, 422)),
    ("POST", "/supervision/", expect(302, 303, 404, 303), {"facilitator": "{user_id}", "date": "2026-03-01"}),
]
