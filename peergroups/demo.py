"""The demo organization behind `flask --app app demo`: believable, and the contract's accounts.

One seeded random.Random drives everything, so two runs on the same day build the same
organization (meetings are the last twelve weeks before today). Rows go in with bulk inserts and absences are computed here rather than by
attendance.close_meeting, so `--scale 50` builds in seconds."""
import datetime
import json
import random
import secrets
from zoneinfo import ZoneInfo

from . import consent, crisis, incidents
from .accounts import hash_password
from .attendance import local_today
from .config import DEFAULTS
from .db import database
from .results import release_due
from .models import (
    SLOTS, Attendance, AttendanceChange, CheckIn, Consent, CrisisLine, Group, GroupFacilitator, GroupMember, Meeting,
    Member, MentorProfile, Organization, Pairing, Supervision, Survey, SurveyAnswer, SurveyLink, SurveyResponse, User,
    utcnow,
)
from .schedule import Schedule, occurrences
from .surveys import TOKEN_BYTES

DEMO_STAFF = (
    ("admin@example.org", "Amina Yusuf", "admin", "en"),
    ("facilitator@example.org", "Diego Ramírez", "facilitator", "es"),
    ("supervisor@example.org", "Lan Nguyen", "supervisor", "en"),
)
FACILITATOR = "facilitator@example.org"
# Not part of the contract: they lead the groups the contract's facilitator does not.
MORE_STAFF = (
    ("grace.miller@example.org", "Grace Miller", "facilitator", "en"),
    ("karim.haddad@example.org", "Karim Haddad", "facilitator", "ar"),
    ("thu.tran@example.org", "Thu Tran", "facilitator", "vi"),
    ("olena.kovalenko@example.org", "Olena Kovalenko", "facilitator", "uk"),
    ("hodan.warsame@example.org", "Hodan Warsame", "facilitator", "so"),
)
SEED = 2024
WEEKS = 12
CHUNK = 500  # rows per INSERT: well under SQLite's and PostgreSQL's limits on parameters
T = datetime.time

# One entry per kind of group; `--scale N` builds N of each. interval: weeks between meetings,
# ordinal: monthly on that weekday of the month. America/Minneapolis is not an IANA zone:
# Minneapolis keeps America/Chicago time.
GROUPS = (
    dict(name="Tuesday Evening Circle", languages="en,es", timezone="America/Chicago", weekday=1, start=T(18, 30),
         about="Our longest-running group, for anyone in recovery. Coffee from 6 pm.",
         lead=FACILITATOR, co="grace.miller@example.org", shares="Grupo Esperanza", phone="+1 312 555 01",
         location="Riverside Community Center, Room 2, 410 W Lake St, Chicago",
         topics="Gratitude\nSetting boundaries\nAsking for help\nHandling cravings\nFamily and holidays\nHope",
         names="Jess Marcus Tanya Dave Keisha Ryan Colleen Andre Becky T.J. Rosie Mike Shawna Luis Dee Pat",
         pronouns="Jess:she/her Marcus:he/him Tanya:she/her Ryan:he/him Dee:they/them Pat:they/them",
         locales="en en en en es"),
    dict(name="Grupo Esperanza", languages="es,en", timezone="America/Los_Angeles", weekday=3, start=T(19),
         about="Grupo en español para personas en recuperación y sus familias.",
         lead=FACILITATOR, phone="+1 213 555 01", location="Centro Comunitario Boyle Heights, salón B",
         topics="Gratitud\nPoner límites\nPedir ayuda\nLa familia\nCuidarse en días difíciles\nEsperanza",
         names="Lucía Javier Lupita Rosa Miguel Carmen Chuy Alejandra Paco Marisol Ernesto Yesenia Beto Inés "
               "Toño Maricela",
         pronouns="Lucía:ella Javier:él Rosa:ella Miguel:él", locales="es es es en"),
    dict(name="حلقة الأمل", languages="ar,en", timezone="Europe/Berlin", weekday=5, start=T(16), interval=2,
         about="Arabic-speaking group in Berlin, in the room and online, every other Saturday.",
         lead="karim.haddad@example.org", phone="+49 30 5550 10", location="Nachbarschaftshaus Neukölln, Raum 3",
         link="https://meet.example.org/halqat-alamal",
         topics="الامتنان\nوضع الحدود\nطلب المساعدة\nالحنين إلى الوطن\nالاعتناء بالنفس\nالأمل",
         names="أحمد فاطمة يوسف ليلى عمر نور خالد سلمى رامي هبة سامر ريم محمود دانة Rami Yara",
         pronouns="", locales="ar ar ar ar en"),
    dict(name="Nhóm Bình An", languages="vi,en", timezone="America/New_York", weekday=6, start=T(10), duration=120,
         about="Vietnamese-speaking group; tea and a long Sunday morning.",
         lead="thu.tran@example.org", co="admin@example.org", phone="+1 703 555 01",
         location="Eden Center community room, Falls Church",
         topics="Lòng biết ơn\nĐặt ranh giới\nXin giúp đỡ\nGia đình\nChăm sóc bản thân\nHy vọng",
         names="Minh Hương Tuấn Thảo Hải Ngọc Phương Dũng Mai Bảo Linh Quang Hạnh Trang Khoa Vy",
         pronouns="", locales="vi vi vi en"),
    dict(name="Група підтримки «Разом»", languages="uk", timezone="Europe/Kyiv", weekday=2, start=T(19),
         about="Online group in Ukrainian, for people at home and abroad.",
         lead="olena.kovalenko@example.org", phone="+380 44 555 01", link="https://meet.example.org/razom",
         topics="Вдячність\nОсобисті межі\nЯк просити про допомогу\nСон і відпочинок\nТурбота про себе\nНадія",
         names="Оксана Андрій Наталія Богдан Ірина Тарас Олена Дмитро Світлана Юрій Марічка Віктор Галина "
               "Остап Леся Роман",
         pronouns="Оксана:вона Андрій:він Ірина:вона Тарас:він", locales="uk uk uk uk en"),
    dict(name="Kulanka Rajada", languages="so,en", timezone="America/Chicago", weekday=5, start=T(14), ordinal=2,
         about="Somali-speaking group in Minneapolis, second Saturday of each month.",
         lead="hodan.warsame@example.org", phone="+1 612 555 01",
         location="Cedar-Riverside Community Center, Minneapolis",
         topics="Mahadnaqa\nXadka shakhsiga\nCodsashada caawimaad\nQoyska\nIs-daryeelka\nRajada",
         names="Hodan Abdi Faadumo Mahad Sahra Cabdi Ifrah Guled Hibaaq Xasan Nimco Yusuf Ubax Liibaan Deeqa Ayaan",
         pronouns="", locales="so so so en"),
)
# How likely each kind of member is to come to a meeting; "once" came to one meeting and not again.
CHANCE = {"regular": 0.85, "occasional": 0.35, "lapsed": 0.8, "new": 0.7, "once": 0.0}


class DemoRefused(Exception):
    pass


def build_demo(password, scale=1, focus_areas=DEFAULTS["MENTOR_FOCUS_AREAS"]):
    """Fill an empty database; `scale` copies of every kind of group (for benchmarks). Returns a summary."""
    if User.select().exists() or Organization.select().exists():
        raise DemoRefused("The database is not empty: the demo only fills a new database.")
    rng = random.Random(SEED)
    with database.atomic():
        Organization.create(name="Riverside Peer Support", default_locale="en", timezone="America/Chicago")
        staff = _staff(password)
        groups = _groups(rng, scale, staff)
        meetings = _meetings(rng, groups)
        members = _members(rng, groups)
        marks = _attendance(rng, groups)
        pairings = _mentoring(rng, groups, staff, focus_areas)
        responses = _surveys(rng, groups) + _check_ins(rng, groups)
        _insert(CrisisLine, DEMO_CRISIS_LINES)
        accepted = _safety(rng, groups, staff)
    release_due()  # closed links and ended months: the results pages read releases
    contract = ", ".join(email for email, *_ in DEMO_STAFF)
    return (f"Demo ready: {len(staff)} staff accounts ({contract}, with the password given), {len(groups)} groups, "
            f"{members} members, {meetings} meetings, {marks} attendance marks, {pairings} mentor pairings, "
            f"{responses} survey responses, {accepted} agreement acceptances.")


# The organization is in Chicago: the US lines, in English for everyone and in Spanish.
DEMO_CRISIS_LINES = [
    {"locale": "", "name": "988 Suicide & Crisis Lifeline", "phone": "988", "text_line": "988",
     "url": "https://988lifeline.org", "hours": "24/7"},
    {"locale": "", "name": "Crisis Text Line", "phone": "", "text_line": "741741",
     "url": "https://www.crisistextline.org", "hours": "24/7"},
    {"locale": "es", "name": "988 Lifeline en español", "phone": "988", "text_line": "988",
     "url": "https://988lineadevida.org", "hours": "24/7"},
]


def _insert(model, rows, ids=False):
    """Insert in chunks; with ids=True return the new keys in the order of `rows`."""
    new_ids = []
    for start in range(0, len(rows), CHUNK):
        query = model.insert_many(rows[start:start + CHUNK])
        if ids:
            # RETURNING promises no order, but keys grow in insertion order in this one transaction.
            new_ids += sorted(row[0] for row in query.returning(model.id).tuples().execute())
        else:
            query.as_rowcount().execute()
    return new_ids


def _staff(password):
    password_hash = hash_password(password)  # once: argon2 is slow on purpose
    _insert(User, [dict(email=e, name=n, role=r, locale=loc, password_hash=password_hash)
                   for e, n, r, loc in DEMO_STAFF + MORE_STAFF])
    return {user.email: user.id for user in User.select(User.id, User.email)}


def _link_token(rng):
    """A survey link's token: random on every install (a token known to every demo would open
    its surveys to anyone). The seeded generator still advances, so the rest of the data is the same."""
    rng.getrandbits(72)
    return secrets.token_urlsafe(TOKEN_BYTES)


def _groups(rng, scale, staff):
    """`scale` copies of each kind of group, each with its schedule, leaders and today's date."""
    groups, rows = [], []
    for copy in range(scale):
        for kind in GROUPS:
            today = local_today(kind["timezone"])
            values = dict(weekday=kind["weekday"], start_time=kind["start"], timezone=kind["timezone"],
                          duration_minutes=kind.get("duration", 90), interval=kind.get("interval", 1),
                          frequency="monthly" if kind.get("ordinal") else "weekly", ordinal=kind.get("ordinal"),
                          starts_on=today - datetime.timedelta(days=rng.randint(150, 900)))
            # The contract's facilitator leads the first copy only: one person, a few groups.
            lead = kind["lead"] if copy == 0 or kind["lead"] != FACILITATOR else "grace.miller@example.org"
            leaders = [(staff[lead], True)]
            if kind.get("co", lead) != lead:
                leaders.append((staff[kind["co"]], False))
            groups.append(dict(kind=kind, copy=copy, today=today, schedule=Schedule(**values), leaders=leaders,
                               members=[]))
            rows.append(dict(name=kind["name"] + (f" {copy + 1}" if copy else ""), languages=kind["languages"],
                             description=kind["about"], location=kind.get("location", ""),
                             virtual_link=kind.get("link", ""), topics=kind["topics"],
                             created_at=datetime.datetime.combine(values["starts_on"], T(9)), **values))
    for group, group_id in zip(groups, _insert(Group, rows, ids=True)):
        group["id"] = group_id
    _insert(GroupFacilitator, [dict(group=group["id"], user=user, lead=lead)
                               for group in groups for user, lead in group["leaders"]])
    return groups


def _meetings(rng, groups):
    """The last twelve weeks of each group's schedule, in its time zone; now and then one was cancelled."""
    rows, held = [], []
    for index, group in enumerate(groups):
        kind, today = group["kind"], group["today"]
        start = today - datetime.timedelta(weeks=WEEKS)
        dates = occurrences(group["schedule"], start, today - datetime.timedelta(days=1))
        cancelled = rng.randrange(1, len(dates) - 3) if index % 3 == 1 and len(dates) > 4 else None
        topics = kind["topics"].splitlines()
        turn = rng.randrange(len(topics))  # the rotation started long before the window
        mode = {(True, True): "hybrid", (False, True): "virtual"}.get(
            (bool(kind.get("location")), bool(kind.get("link"))), "in_person")
        group["meetings"] = []
        for number, occurrence in enumerate(dates):
            status = "cancelled" if number == cancelled else "closed"
            topic = "" if status == "cancelled" else topics[turn % len(topics)]
            turn += status == "closed"
            meeting = dict(group=group["id"], local_date=occurrence.local_date, starts_at=occurrence.starts_at_utc,
                           mode=mode, topic=topic, status=status, opened_by=rng.choice(group["leaders"])[0],
                           closed_at=occurrence.ends_at_utc + datetime.timedelta(minutes=10)
                           if status == "closed" else None)
            rows.append(meeting)
            held.append((group, meeting))
    for (group, meeting), meeting_id in zip(held, _insert(Meeting, rows, ids=True)):
        meeting["id"] = meeting_id
        if meeting["status"] == "closed":
            group["meetings"].append(meeting)
    return len(rows)


def _members(rng, groups):
    """Each group's people: regulars, occasional members, someone who stopped coming, and
    newcomers who joined at a recent meeting (one stayed, one came once)."""
    people, links = [], []
    for group in groups:
        kind, held = group["kind"], group["meetings"]
        names = kind["names"].split()
        rng.shuffle(names)
        # Newcomers joined at one of the last seven weeks' meetings, but not the latest (so "came once" shows).
        lately = group["today"] - datetime.timedelta(weeks=7)
        recent = [i for i, meeting in enumerate(held[:-1]) if meeting["local_date"] >= lately]
        kinds = ["regular"] * rng.randint(5, 7) + ["occasional"] * rng.randint(2, 4)
        kinds += ["lapsed"] * (len(held) >= 6) + (["new", "once"] if recent else [])
        since = (group["today"] - group["schedule"].starts_on).days - WEEKS * 7
        for name, what in zip(names, kinds):
            first = rng.choice(recent) if what in ("new", "once") else None
            joined = (held[first]["local_date"] if first is not None
                      else group["schedule"].starts_on + datetime.timedelta(days=rng.randrange(since)))
            person = dict(name=name, locale=rng.choice(kind["locales"].split()), joined_on=joined,
                          created_at=datetime.datetime.combine(joined, T(12)),
                          pronouns=pronouns_of(kind).get(name, ""),
                          phone=f"{kind['phone']}{rng.randrange(100):02d}" if rng.random() < 0.15 else "",
                          email=f"contact{len(people) + 1}@example.net" if rng.random() < 0.1 else "")
            people.append(person)
            links.append((group, person, dict(kind=what, first=first, joined=joined)))
    for person, member_id in zip(people, _insert(Member, people, ids=True)):
        person["id"] = member_id
    by_name = {(g["kind"]["name"], g["copy"]): g for g in groups}
    for group, person, membership in links:
        membership["member"] = person["id"]
        group["members"].append(membership)
        # A few people of the group this one shares with come here too, now and then.
        other = by_name.get((group["kind"].get("shares"), group["copy"]))
        if other and membership["kind"] == "regular" and len(group["members"]) <= 2:
            other["members"].append(dict(membership, kind="occasional"))
    _insert(GroupMember, [dict(group=g["id"], member=m["member"], joined_on=m["joined"])
                          for g in groups for m in g["members"]])
    return len(people)


def pronouns_of(kind):
    """{name: pronouns} as the people of a demo group gave them ("Jess:she/her Marcus:he/him")."""
    return dict(item.split(":", 1) for item in kind["pronouns"].split())


def _comes(rng, membership, number, last):
    if number == membership["first"]:
        return True  # a newcomer joins at the meeting they came to
    if membership["kind"] == "lapsed" and number > last - 3:
        return False  # gone for the last three meetings: on the follow-up list
    return rng.random() < CHANCE[membership["kind"]]


def _attendance(rng, groups):
    """A mark for every member expected at every closed meeting (absent when not there, as closing
    writes), each with its history; a few late arrivals were corrected from the sign-in sheet."""
    marks, changes = [], []
    for group in groups:
        held = group["meetings"]
        for number, meeting in enumerate(held):
            by, closed = meeting["opened_by"], meeting["closed_at"]
            for membership in group["members"]:
                if membership["joined"] > meeting["local_date"]:
                    continue
                key = dict(meeting=meeting["id"], member=membership["member"], by=by)
                if not _comes(rng, membership, number, len(held) - 1):
                    marks.append(dict(key, state="absent", at=closed))
                    changes.append(dict(key, state="absent", previous=None, at=closed))
                    continue
                membership.setdefault("first_seen", meeting["local_date"])
                at = meeting["starts_at"] + datetime.timedelta(minutes=rng.randint(-10, 25))
                if rng.random() < 0.03:
                    changes.append(dict(key, state="absent", previous=None, at=closed))
                    at, previous = closed + datetime.timedelta(hours=rng.randint(12, 48)), "absent"
                else:
                    previous = None
                marks.append(dict(key, state="present", at=at))
                changes.append(dict(key, state="present", previous=previous, at=at))
    _insert(Attendance, marks)
    _insert(AttendanceChange, changes)
    return len(marks)


def _mentoring(rng, groups, staff, focus_areas):
    """Two regulars of each group mentor: one has the group's staying newcomer (active, with
    check-ins; in every other group the last one is weeks old, so it is overdue), the other an
    ended pairing. The newcomer who came once still waits for a mentor."""
    profiles, pairings, plans = [], [], []
    for index, group in enumerate(groups):
        regulars = [m for m in group["members"] if m["kind"] == "regular"][:2]
        newcomer = next((m for m in group["members"] if m["kind"] == "new"), None)
        # A former newcomer whose pairing began after their first meeting and has ended since.
        former = next((m for m in group["members"] if m["kind"] == "occasional" and m.get("first_seen")
                       and m["first_seen"] + datetime.timedelta(days=40) < group["today"]), None)
        if len(regulars) < 2 or newcomer is None or former is None:
            continue
        for mentor in regulars:
            profiles.append(dict(member=mentor["member"], capacity=rng.randint(1, 3),
                                 languages=group["kind"]["languages"], focus_areas=rng.choice(focus_areas),
                                 availability=",".join(rng.sample(SLOTS, 3)), in_recovery_since=mentor["joined"]))
        by = group["leaders"][0][0]
        started = group["meetings"][newcomer["first"]]["starts_at"] + datetime.timedelta(days=2)
        ended_start = datetime.datetime.combine(former["first_seen"], T(12)) + datetime.timedelta(days=3)
        ended_days = min(120, (group["today"] - former["first_seen"]).days - 10)
        pairings.append(dict(newcomer=newcomer["member"], mentor=regulars[0]["member"], group=group["id"],
                             status="active", consent_to_share_contact=True, created_at=started,
                             activated_at=started, created_by=by))
        pairings.append(dict(newcomer=former["member"], mentor=regulars[1]["member"], group=group["id"],
                             status="ended", end_reason=rng.choice(("completed", "moved")),
                             consent_to_share_contact=True, created_at=ended_start, activated_at=ended_start,
                             ended_at=ended_start + datetime.timedelta(days=ended_days), created_by=by))
        plans.append((started.date(), group["today"] - datetime.timedelta(days=20 if index % 2 else 3), by))
    ids = _insert(Pairing, pairings, ids=True)
    check_ins = []
    for pairing_id, (first, last, by) in zip(ids[::2], plans):
        days = max((last - first).days, 0)
        dates = sorted({first + datetime.timedelta(days=rng.randint(0, days)) for _ in range(3)} | {last})
        check_ins += [dict(pairing=pairing_id, date=day, kind=rng.choice(("met", "called", "messaged")), by=by)
                      for day in dates]
    _insert(MentorProfile, profiles)
    _insert(CheckIn, check_ins)
    return len(pairings)
SURVEY_WEEKS = 10  # so the previous month is whole and released
DEMO_K = 5  # the organization's k on the demo: every group's month gets at least this many
COMMENTS = {
    "en": ("Thank you all for listening tonight.", "I needed this today.", "The room was cold but the people were warm."),
    "es": ("Gracias por escucharme.", "Me voy con más esperanza.", "Me gustaría que la reunión fuera más larga."),
    "ar": ("شكرًا لكم على الاستماع.", "شعرت أنني لست وحدي."),
    "vi": ("Cảm ơn mọi người đã lắng nghe.", "Trà rất ngon, cảm ơn."),
    "uk": ("Дякую, що вислухали.", "Мені стало легше."),
    "so": ("Waad ku mahadsan tihiin dhageysiga.", "Waxaan dareemay inaan keligay ahayn."),
}


def _surveys(rng, groups):
    """A survey link for each of the last six weeks' meetings with a few answers each (some meetings
    under k, so suppression shows), comments in the group's language; the contract facilitator's
    latest meeting keeps an open link."""
    links, responses, answers = [], [], []
    now = utcnow()
    for group in groups:
        since = group["today"] - datetime.timedelta(weeks=SURVEY_WEEKS)
        language = group["kind"]["languages"].split(",")[0]
        meetings = [m for m in group["meetings"] if m["local_date"] >= since]
        sizes = [rng.randint(2, 9) for _ in meetings]
        for month in {m["local_date"].replace(day=1) for m in meetings}:  # a group's month holds k or more
            in_month = [i for i, m in enumerate(meetings) if m["local_date"].replace(day=1) == month]
            largest = max(in_month, key=lambda i: sizes[i])
            sizes[largest] += max(0, DEMO_K - sum(sizes[i] for i in in_month))
        for meeting, size in zip(meetings, sizes):
            links.append(dict(group=group["id"], meeting=meeting["id"], token=_link_token(rng),
                              closes_at=min(meeting["starts_at"] + datetime.timedelta(hours=48), now)))
            for _ in range(size):
                response = dict(id=f"{rng.getrandbits(128):032x}", link=len(links), counts_for=meeting["local_date"])
                responses.append(response)
                answers += [dict(response=response["id"], question=q, text=None,
                                 value=min(5, max(1, round(rng.gauss(4, 0.9)))))
                            for q in ("useful", "respected", "belong", "hopeful")]
                if rng.random() < 0.3:
                    answers.append(dict(response=response["id"], question="comment", value=None,
                                        text=rng.choice(COMMENTS.get(language, COMMENTS["en"]))))
    if links:
        links[_latest_of_first(groups, links)]["closes_at"] = now + datetime.timedelta(hours=48)
    return _insert_responses(links, responses, answers)


AGREE = {"en": ["Strongly disagree", "Disagree", "Not sure", "Agree", "Strongly agree"],
         "es": ["Muy en desacuerdo", "En desacuerdo", "No estoy seguro/a", "De acuerdo", "Muy de acuerdo"]}
# Our own wording, written for the demo: an example of a scored survey with two subscales, one
# reverse-scored item, a yes/no, a choice and a short text, in English with Spanish.
CHECK_IN = {
    "format": "peergroups-survey", "version": 1, "name": "Monthly check-in (example)",
    "fallback_language": "en", "languages": ["en", "es"], "scoring": "sum",
    "questions": [
        {"key": "q1", "kind": "scale", "subscale": "Connection", "options": AGREE,
         "text": {"en": "I have people I can call when things get hard.",
                  "es": "Tengo a quién llamar cuando las cosas se ponen difíciles."}},
        {"key": "q2", "kind": "scale", "subscale": "Connection", "reverse": True, "options": AGREE,
         "text": {"en": "I often feel alone with my problems.", "es": "A menudo me siento solo/a con mis problemas."}},
        {"key": "q3", "kind": "scale", "subscale": "Coping", "options": AGREE,
         "text": {"en": "I handled a difficult moment well this month.",
                  "es": "Este mes manejé bien un momento difícil."}},
        {"key": "q4", "kind": "scale", "subscale": "Coping", "options": AGREE,
         "text": {"en": "I know what helps me on a bad day.", "es": "Sé lo que me ayuda en un mal día."}},
        {"key": "q5", "kind": "yesno", "text": {"en": "Did you come to more than one meeting this month?",
                                                "es": "¿Viniste a más de una reunión este mes?"}},
        {"key": "q6", "kind": "choice", "required": False,
         "text": {"en": "What helped you most?", "es": "¿Qué te ayudó más?"},
         "options": {"en": ["Listening to others", "Sharing my story", "My mentor", "Something else"],
                     "es": ["Escuchar a otros", "Contar mi historia", "Mi mentor/a", "Otra cosa"]}},
        {"key": "q7", "kind": "text", "required": False,
         "text": {"en": "What would make the group better for you?",
                  "es": "¿Qué haría que el grupo fuera mejor para ti?"}},
    ],
}
CHECK_IN_GROUPS = 2  # the first two kinds of group run it monthly


def _check_ins(rng, groups):
    """The example check-in as the monthly survey of some groups: answered in the last two months,
    with this month's link open."""
    survey = Survey.create(definition=json.dumps(CHECK_IN))
    chosen = [g for g in groups if g["kind"] in GROUPS[:CHECK_IN_GROUPS]]
    Group.update(periodic_survey=survey.id).where(Group.id.in_([g["id"] for g in chosen])).execute()
    links, responses, answers = [], [], []
    for group in chosen:
        this_month = group["today"].replace(day=1)
        for back in (2, 1, 0):
            start = (this_month - datetime.timedelta(days=28 * back)).replace(day=1)
            after = (start + datetime.timedelta(days=32)).replace(day=1)
            closes = datetime.datetime.combine(after, datetime.time(), ZoneInfo(group["kind"]["timezone"]))
            links.append(dict(group=group["id"], survey=survey.id, period=start, token=_link_token(rng),
                              closes_at=closes.astimezone(datetime.UTC).replace(tzinfo=None)))
            for _ in range(rng.randint(1, 3) if back == 0 else rng.randint(3, 11)):
                response = dict(id=f"{rng.getrandbits(128):032x}", link=len(links), counts_for=start)
                responses.append(response)
                values = {f"q{n}": min(5, max(1, round(rng.gauss(3.8, 1)))) for n in range(1, 5)}
                values.update(q5=rng.choice((1, 1, 2)), q6=rng.choice((None, 1, 2, 3, 4)))
                answers += [dict(response=response["id"], question=q, value=v, text=None)
                            for q, v in values.items() if v is not None]
                if rng.random() < 0.25:
                    answers.append(dict(response=response["id"], question="q7", value=None,
                                        text=rng.choice(("More time to talk.", "A later start.", "Más café."))))
    return _insert_responses(links, responses, answers)


def _insert_responses(links, responses, answers):
    """Insert links, then responses (whose "link" is a 1-based index into `links`), then answers."""
    link_ids = _insert(SurveyLink, links, ids=True)
    for response in responses:
        response["link"] = link_ids[response["link"] - 1]
    _insert(SurveyResponse, responses)
    _insert(SurveyAnswer, answers)
    return len(responses)


def _latest_of_first(groups, links):
    """Index in `links` of the first group's latest meeting (the contract facilitator leads it)."""
    latest = max(m["id"] for m in groups[0]["meetings"])
    return next(i for i, link in enumerate(links) if link["meeting"] == latest)


AGREEMENTS = (
    ("What stays in the room", False, {
        "en": ("What stays in the room", "What people share here stays here. I will not repeat anyone's story or name "
               "outside the group.\nI may share my own story, or pass.\nThe facilitator may break confidentiality "
               "only if someone's life or safety is at risk."),
        "es": ("Lo que queda en la sala", "Lo que se comparte aquí se queda aquí. No repetiré la historia ni el nombre "
               "de nadie fuera del grupo.\nPuedo compartir mi propia historia, o pasar.\nQuien facilita solo puede "
               "romper la confidencialidad si la vida o la seguridad de alguien está en riesgo."),
        "ar": ("ما يبقى في الغرفة", "ما يُقال هنا يبقى هنا. لن أكرر قصة أحد أو اسمه خارج المجموعة.\nيمكنني أن أشارك "
               "قصتي أو أن أمتنع.\nلا يكسر الميسّر السرية إلا إذا كانت حياة أحد أو سلامته في خطر."),
    }),
    ("Sharing my contact details with my mentor", True, {
        "en": ("Sharing my contact details", "I agree that the facilitator gives my phone number to my mentor, and my "
               "mentor's to me. I can withdraw this at any time."),
        "es": ("Compartir mis datos de contacto", "Acepto que quien facilita dé mi número de teléfono a mi mentor, y el "
               "de mi mentor a mí. Puedo retirarlo en cualquier momento."),
    }),
)
STEPS = (
    ("", "Stay with the person. Move somewhere quieter if they want to.", ""),
    ("", "Call the on-call supervisor", "+1 312 555 0199"),
    ("", "If anyone is in danger, call emergency services", "911"),
    ("es", "Quédese con la persona. Vayan a un lugar más tranquilo si lo desea.", ""),
    ("es", "Llame a la supervisora de guardia", "+1 312 555 0199"),
    ("es", "Si alguien está en peligro, llame a emergencias", "911"),
)


def _safety(rng, groups, staff):
    """Agreements (the first one in its second version), most members' acceptances, the crisis
    lines and escalation checklist, one incident whose follow-up is overdue, one supervision."""
    admin, facilitator = staff["admin@example.org"], staff[FACILITATOR]
    room, _contact = (consent.create_agreement(title, shares, "en", texts, admin) for title, shares, texts in AGREEMENTS)
    first = consent.current_version(room.id)
    consent.save_version(room.id, room.title, False, "en",
                         {code: (title, body + "\n" + ("Phones stay silent during the meeting." if code == "en" else
                                                      "Los teléfonos quedan en silencio." if code == "es" else
                                                      "تبقى الهواتف صامتة أثناء الاجتماع."))
                          for code, (title, body) in AGREEMENTS[0][2].items()}, admin)
    second = consent.current_version(room.id)
    rows = []
    for group in groups:
        consent.set_expected(group["id"], [room.id])
        leader = group["leaders"][0][0]
        for membership in group["members"]:
            chance = rng.random()
            version = second if chance < 0.7 else first if chance < 0.85 else None  # some still to ask
            if version is not None:
                rows.append(dict(member=membership["member"], agreement=room.id, version=version.id, action="accepted",
                                 method=rng.choice(("screen", "paper", "spoken")),
                                 given_on=membership["joined"], recorded_by=leader))
    _insert(Consent, rows)
    for locale, text, phone in STEPS:
        crisis.add_step(locale, text, phone)
    first_group = groups[0]
    meeting = first_group["meetings"][-1]
    incident = incidents.create({
        "group": first_group["id"], "meeting": meeting["id"], "occurred_at": meeting["starts_at"],
        "category": "boundary", "members": "Jess",
        "what_happened": "After the meeting a member kept asking another for a ride home and would not take no.",
        "what_was_done": "Spoke with both separately; the facilitator walked Jess to the bus stop.",
        "escalated_to": "Lan Nguyen (supervisor)",
        "follow_up_on": first_group["today"] - datetime.timedelta(days=3)}, facilitator)
    incidents.add_note(incident.id, "Let's talk about this at our next check-in.", staff["supervisor@example.org"])
    Supervision.create(supervisor=staff["supervisor@example.org"], facilitator=facilitator,
                       date=first_group["today"] - datetime.timedelta(days=40), notes="Talked about boundaries "
                       "after meetings and about taking breaks.", next_on=first_group["today"] + datetime.timedelta(days=20))
    return len(rows)
