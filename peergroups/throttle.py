"""Limits on password guessing (the sign-in form and the account page's current-password check).

- Per (account, address): LOGIN_RATE_LIMIT failed sign-ins, then 429 for that pair only.
- Per address: LOGIN_ADDRESS_RATE_LIMIT failed sign-ins on any accounts, then 429.
- Per account, across addresses: no refusal (a stranger could then keep the owner out); after
  LOGIN_SLOWDOWN_AFTER failures in the last 15 minutes every attempt on that account, the owner's
  included, waits before its password is checked, doubling with each further failure up to
  LOGIN_SLOWDOWN_MAX_SECONDS.
- The current-password check on the account page: PASSWORD_CHECK_RATE_LIMIT wrong answers per person.

Counts live where the other limits do (RATELIMIT_STORAGE_URI: process memory, or Redis)."""
import time

from flask import current_app, request
from flask_limiter.util import get_remote_address
from limits import parse

from . import turns
from .extensions import limiter

WINDOW = "1000 per 15 minutes"  # a counter of an account's failures over the window


def account_key(email):
    return (email or "").strip().lower()[:254]


def pair_key():
    """(account, address) for the sign-in form's limit."""
    return f"login:{account_key(request.form.get('email'))}:{get_remote_address()}"


def address_key():
    return f"login-address:{get_remote_address()}"


def failures(email):
    item = parse(WINDOW)
    return item.amount - limiter.limiter.get_window_stats(item, "login-account", account_key(email)).remaining


def record_failure(email):
    limiter.limiter.hit(parse(WINDOW), "login-account", account_key(email))


def seconds_for(count, ceiling):
    """The wait before a password check on an account with `count` recent failures."""
    after = current_app.config["LOGIN_SLOWDOWN_AFTER"]
    if count < after:
        return 0
    return min(ceiling, 0.5 * 2 ** (count - after))


def delay(email):
    return seconds_for(failures(email), current_app.config["LOGIN_SLOWDOWN_MAX_SECONDS"])


def slow_down(email):
    """Wait as long as this account's recent failures ask (0 when it has few)."""
    seconds = delay(email)
    if seconds:
        with turns.aside():
            time.sleep(seconds)
