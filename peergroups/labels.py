"""The words for codes stored in the database (roles, weekdays, marks, meeting modes, pairing
statuses, end reasons, check-in kinds, survey periods, question kinds): one place, translated
lazily, so a code and its label cannot drift apart. tests/test_labels.py checks every code has one."""
from babel.numbers import format_percent
from flask_babel import get_locale

from .i18n import gettext as _, lazy_gettext as _l, native_name, ngettext

ROLES = {"admin": _l("Administrator"), "facilitator": _l("Facilitator"), "supervisor": _l("Supervisor")}
WEEKDAYS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
            _l("Sunday"))  # index = Python's weekday(): 0 is Monday
DAYS = dict(zip(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), WEEKDAYS))  # models.DAYS
DAY_PARTS = {"morning": _l("Morning"), "afternoon": _l("Afternoon"), "evening": _l("Evening")}
MARKS = {"present": _l("Present"), "absent": _l("Absent"), None: _l("Not marked")}
MEETING_MODES = {"in_person": _l("In person"), "virtual": _l("Online"), "hybrid": _l("Hybrid")}
PAIRING_STATUSES = {"proposed": _l("Proposed"), "active": _l("Active"), "ended": _l("Ended"),
                    "rematched": _l("Rematched")}
END_REASONS = {"completed": _l("Completed"), "moved": _l("Moved away"), "no_contact": _l("No contact"),
               "other": _l("Other reason")}
CHECK_IN_KINDS = {"met": _l("Met"), "called": _l("Called"), "messaged": _l("Messaged"),
                  "no_contact": _l("No contact")}
CONTACT_HOWS = {"call": _l("Called"), "text": _l("Text message"), "whatsapp": _l("WhatsApp"), "email": _l("Email"),
                "in_person": _l("In person")}
CONTACT_OUTCOMES = {"reached": _l("Talked with them"), "left_message": _l("Left a message"),
                    "no_answer": _l("No answer"), "stop": _l("Asked not to be contacted")}
PERIODS = {"month": _l("Every month"), "quarter": _l("Every three months")}
REPORT_PERIODS = {"this-month": _l("This month"), "last-month": _l("Last month"), "this-quarter": _l("This quarter"),
                  "last-quarter": _l("Last quarter"), "last-12": _l("The last 12 months"), "year": _l("A year"),
                  "range": _l("Months from … to …")}  # reports.PERIOD_KINDS
QUESTION_KINDS = {"scale": _l("Scale with a label for each point"), "yesno": _l("Yes or no"),
                  "choice": _l("One choice from a list"), "text": _l("Short text")}
CONSENT_ACTIONS = {"accepted": _l("Accepted"), "withdrawn": _l("Withdrawn")}
CONSENT_METHODS = {"screen": _l("On the facilitator's screen"), "paper": _l("On paper"), "spoken": _l("Spoken"),
                   "phone": _l("On their own phone")}

INCIDENT_CATEGORIES = {"safety": _l("Safety concern"), "crisis_referral": _l("Crisis referral"),
                       "boundary": _l("Boundary"), "conflict": _l("Conflict"), "medical": _l("Medical"),
                       "other": _l("Other")}
INCIDENT_STATUSES = {"open": _l("Open"), "closed": _l("Closed")}
INCIDENT_ACTIONS = {"created": _l("Recorded"), "viewed": _l("Viewed"), "noted": _l("Note added"),
                    "closed": _l("Closed"), "reopened": _l("Reopened")}

AUDIT_ACTIONS = {
    "sign_in": _l("Signed in"), "invite": _l("Made an invite link"), "role_change": _l("Changed a role"),
    "deactivate": _l("Deactivated an account"), "reactivate": _l("Reactivated an account"),
    "reset_link": _l("Made a password-reset link"), "settings": _l("Changed the organization settings"),
    "member.merge": _l("Merged two member records"), "member.erase": _l("Erased a member's personal data"),
    "member.contact_view": _l("Viewed a member's contact details"),
    "export": _l("Downloaded the organization's data"),
}


def choices(labels):
    """(code, label) pairs for a form field, in the order the codes are listed above."""
    return [(str(code), label) for code, label in labels.items() if code is not None]


def name(labels, code):
    """The label of a code; an unknown code (data from a newer version) is shown as it is."""
    return labels.get(code, code)


def reason_text(code, value):
    """One of matching.score's (code, value) reasons as a plain sentence in the user's language."""
    if code == "language":
        return _("Speaks %(language)s", language=native_name(value))
    if code == "same_group":
        return _("Same group")
    if code == "gender":
        return _("Gender as the newcomer asked")
    if code == "focus":
        return _("Same focus: %(area)s", area=value)
    if code == "availability":
        day, part = value.split("-")
        return _("Both available: %(day)s, %(part)s", day=DAYS[day], part=DAY_PARTS[part])
    if code == "free_capacity":
        return ngettext("%(num)d free place", "%(num)d free places", value)
    if code == "reliable":
        return _("Comes to %(share)s of meetings", share=format_percent(value, locale=get_locale()))
    if code == "experience":
        return ngettext("%(num)d year on the path", "%(num)d years on the path", value)
    return code


def template_names():
    """What templates call the labels by."""
    return {"state_name": lambda code: name(MARKS, code), "role_name": lambda code: name(ROLES, code),
            "day_names": DAYS, "part_names": DAY_PARTS, "status_names": PAIRING_STATUSES,
            "reason_names": END_REASONS, "kind_names": CHECK_IN_KINDS, "period_names": REPORT_PERIODS,
            "reason_text": reason_text, "contact_how_names": CONTACT_HOWS, "contact_outcome_names": CONTACT_OUTCOMES,
            "audit_action_name": lambda code: name(AUDIT_ACTIONS, code),
            "consent_actions": CONSENT_ACTIONS, "category_name": lambda code: name(INCIDENT_CATEGORIES, code),
            "incident_statuses": INCIDENT_STATUSES, "incident_actions": INCIDENT_ACTIONS, "consent_methods": CONSENT_METHODS}
