"""Configuration: defaults < instance/config.py < PEERGROUPS_* environment < test_config."""
import os
import secrets
from datetime import timedelta
from pathlib import Path

DEFAULTS = {
    "DEFAULT_LOCALE": "en",
    "DEFAULT_TIMEZONE": "UTC",
    # Address used in QR codes, invite links and calendar feeds; behind a proxy the request host
    # may be wrong. Empty means "the address the request came in on".
    "PUBLIC_URL": "",
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host it trusts. 0: none,
    # the headers are ignored (a client cannot pick its own rate-limit address).
    "PROXY_HOPS": 0,
    "AUTO_MIGRATE": True,
    # On SQLite, a process runs one request at a time and the others wait in line (turns.py): the
    # same pages at a fifth less processor time under load. Never applies to PostgreSQL.
    "REQUESTS_TAKE_TURNS": True,
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "peergroups_session",
    "REMEMBER_COOKIE_HTTPONLY": True,
    # Flask-Login's own remember-me is not used (accounts.py has a per-device token instead); its
    # cookie name points nowhere, so an old "remember_token" cookie is never read.
    "REMEMBER_COOKIE_NAME": "peergroups_unused",
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # A meeting screen stays open for hours: the CSRF token lives as long as the session.
    "WTF_CSRF_TIME_LIMIT": None,
    # The session cookie is sent again only when it changes (accounts.load_user: at most once a
    # minute while someone is active), not signed anew for every response.
    "SESSION_REFRESH_EACH_REQUEST": False,
    "IDLE_TIMEOUT_MINUTES": 8 * 60,
    "ABSOLUTE_TIMEOUT_HOURS": 24,
    # "Keep me signed in": the device's token works this long after the password was typed, no longer.
    "REMEMBER_DAYS": 30,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_HEADERS_ENABLED": False,
    # Failed sign-ins (throttle.py): per (account, address), then per address on any accounts;
    # per account across addresses only a slow-down, so nobody can lock the owner out.
    "LOGIN_RATE_LIMIT": "10 per 15 minutes",
    "LOGIN_ADDRESS_RATE_LIMIT": "20 per 15 minutes",
    "LOGIN_SLOWDOWN_AFTER": 5,
    "LOGIN_SLOWDOWN_MAX_SECONDS": 8,
    # Wrong answers to "current password" on the account page, per person.
    "PASSWORD_CHECK_RATE_LIMIT": "5 per 15 minutes",
    "INVITE_DAYS": 7,
    # A member is a newcomer while their first attendance in a group is this recent.
    "NEWCOMER_WINDOW_DAYS": 60,
    # Follow-up: "not seen" means absent from this many of the group's last meetings.
    "FOLLOW_UP_MISSED_MEETINGS": 3,
    # Follow-up: an active mentor pairing without a check-in for this many days is overdue.
    "CHECKIN_OVERDUE_DAYS": 14,
    # The organization's own list of mentoring focus areas (e.g. recovery pathways), in its own
    # words: shown as typed, like group names. Change it in instance/config.py; a name removed here
    # stays on the profiles that have it until they are edited.
    "MENTOR_FOCUS_AREAS": ("Twelve steps", "SMART Recovery", "Faith-based", "Family and friends"),
    # The organization's incident categories: these codes are shown translated (labels.py); any
    # other word an organization puts here is shown as it is written.
    "INCIDENT_CATEGORIES": ("safety", "crisis_referral", "boundary", "conflict", "medical", "other"),
    "RESET_HOURS": 24,
    # How many coming meetings a group's calendar feed lists.
    "CALENDAR_MEETINGS": 12,
    # A meeting's survey link closes this long after it opened (or when the facilitator closes it).
    "SURVEY_WINDOW_HOURS": 48,
    # Responses per meeting link: the people recorded present plus this margin (a period's link:
    # the group's current members plus it). Answers beyond it need absent people marked present.
    "SURVEY_RESPONSE_MARGIN": 1,
    # Survey answers per address, counted in process memory only (never Redis); generous because
    # a whole room may share one Wi-Fi address.
    "SURVEY_RATE_LIMIT": "30 per 10 minutes",
    # /healthz answers 503 below this much free space beside a SQLite database.
    "HEALTH_MIN_FREE_MB": 100,
    # /healthz runs SQLite's quick_check at a process's first probe, then at most this often.
    "HEALTH_INTEGRITY_SECONDS": 3600,
    # Retention (`flask --app app prune`): members with no attendance for this many months are
    # archived, and erased (erasure.py) after this many more. 0 turns a step off (the default).
    "RETENTION_ARCHIVE_MONTHS": 0,
    "RETENTION_ERASE_MONTHS": 0,
    # A file for the app's and waitress's log lines (besides stderr); empty: stderr only.
    "LOG_FILE": "",
    # The audit log keeps events this long; `flask --app app prune` deletes older ones.
    "AUDIT_RETENTION_DAYS": 730,
    # argon2id, at least the OWASP ASVS parameters (t=2, m=19 MiB, p=1).
    "ARGON2_TIME_COST": 2,
    "ARGON2_MEMORY_COST": 19 * 1024,
    "ARGON2_PARALLELISM": 1,
}


def load(app, test_config=None):
    """Fill app.config in the documented order and make sure a secret key exists."""
    app.config.from_mapping(DEFAULTS)
    app.config["DATABASE_URL"] = "sqlite:///" + str(Path(app.instance_path) / "peergroups.sqlite3")
    app.config.from_pyfile("config.py", silent=True)
    for name in ("DATABASE_URL", "SECRET_KEY"):
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    app.config.from_prefixed_env("PEERGROUPS")
    if test_config:
        app.config.from_mapping(test_config)
    if "SESSION_COOKIE_SECURE" not in (test_config or {}) and not os.environ.get(
        "PEERGROUPS_SESSION_COOKIE_SECURE"
    ):
        secure = str(app.config["PUBLIC_URL"]).startswith("https://")
        app.config["SESSION_COOKIE_SECURE"] = secure
        app.config["REMEMBER_COOKIE_SECURE"] = secure
    app.config["PROXY_HOPS"] = _hops(app.config["PROXY_HOPS"])
    app.permanent_session_lifetime = timedelta(hours=app.config["ABSOLUTE_TIMEOUT_HOURS"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))


def _hops(value):
    text = str(value).strip()
    if not text.isdigit():
        raise ValueError(f"PROXY_HOPS must be a whole number of proxies (0 or more), not {value!r}")
    return int(text)


def _instance_secret(instance):
    """Read the generated key from instance/, creating it (mode 600) on first start."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process won the race; use its key
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text().strip()
