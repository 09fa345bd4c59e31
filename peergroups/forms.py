"""Form pieces shared by several features. Every validator carries its own translated message,
so no built-in English text from WTForms can reach a user."""
import zoneinfo
from functools import cache

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Regexp, ValidationError

from .i18n import LANGUAGES, bcp47, native_name

# Deliberately loose: the address is only used to sign in, never to send mail.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def email_field(label=None):
    return EmailField(
        label or _l("Email"),
        filters=[lambda value: value.strip().lower() if value else value],
        validators=[
            DataRequired(message=_l("Please enter an email address.")),
            Length(max=254, message=_l("This email address is too long.")),
            Regexp(EMAIL_PATTERN, message=_l("Please enter a valid email address.")),
        ],
    )


def name_field(label, max_length=120):
    return StringField(
        label,
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Please enter a name.")),
            Length(max=max_length, message=_l("Please use at most %(max)d characters.", max=max_length)),
        ],
    )


def check_new_password(form, field):
    from .accounts import password_problem

    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def password_field(label=None):
    return PasswordField(
        label or _l("Password"),
        validators=[
            DataRequired(message=_l("Please choose a password.")),
            Length(max=200, message=_l("Please use at most %(max)d characters.", max=200)),
            check_new_password,
        ],
    )


def language_choices():
    # Each language named in itself, marked with its own lang for screen readers.
    return [SelectChoice(code, native_name(code), {"lang": bcp47(code)}) for code in LANGUAGES]


def language_field(label=None):
    return SelectField(
        label or _l("Language"),
        choices=language_choices(),
        validate_choice=False,  # its built-in message is English-only; AnyOf says it in ours
        validators=[AnyOf(LANGUAGES, message=_l("Please choose a language from the list."))],
    )


@cache
def timezone_names():
    return sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


def check_timezone(form, field):
    if field.data not in timezone_names():
        raise ValidationError(_l("Please choose a time zone from the list, like Europe/Madrid."))


def timezone_field(label=None):
    return StringField(
        label or _l("Time zone"),
        default="UTC",
        filters=[_strip],
        validators=[DataRequired(message=_l("Please choose a time zone.")), check_timezone],
    )


class EmptyForm(FlaskForm):
    """For POST-only buttons: carries the CSRF token and nothing else."""
