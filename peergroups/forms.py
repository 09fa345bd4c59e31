"""Form pieces shared by several features. Every validator carries its own translated message,
so no built-in English text from WTForms can reach a user."""
import re
import zoneinfo
from functools import cache

from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import widgets
from wtforms.widgets import core as widgets_core
from wtforms.csrf.core import CSRFTokenField
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, Regexp, ValidationError

from .i18n import LANGUAGES, bcp47, lazy_gettext as _l, native_name


def html_params(**kwargs):
    """WTForms' html_params, written for speed: the same attributes, sorted the same way and
    escaped the same way (a test compares the two on generated input). WTForms formats each
    attribute with Markup.format, which costs more than the rest of a form field: a language
    select took 0.36 ms to render. Installed over WTForms' own below."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = _escaped(_clean_key(key))
        if value is True:
            params.append(key)
        elif value is not False:
            params.append(f'{key}="{_escaped(value)}"')
    return Markup(" ".join(params))


def _escaped(value):
    """markupsafe.escape(value) as a plain str (a quote left by HTML passed in becomes &quot;)."""
    if hasattr(value, "__html__"):
        return str(value.__html__()).replace('"', "&quot;")
    return (str(value).replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


_wtforms_html_params = widgets_core.html_params
_clean_key = widgets_core.clean_key
widgets_core.html_params = widgets.html_params = html_params
widgets_core.Input.html_params = widgets_core.Button.html_params = staticmethod(html_params)

_wtforms_dispatch_render_option = widgets_core.Select._dispatch_render_option.__func__
_option_renderers = {}


def _dispatch_render_option(cls):
    """How a select calls its render_option, worked out once per widget class: WTForms works it
    out (with inspect.signature) for every select it renders, a tenth of a form of three selects."""
    renderer = _option_renderers.get(cls)
    if renderer is None:
        renderer = _option_renderers[cls] = _wtforms_dispatch_render_option(cls)
    return renderer


widgets_core.Select._dispatch_render_option = classmethod(_dispatch_render_option)

# Deliberately loose: the address is only used to sign in, never to send mail.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def email_field(label=None, required=True):
    return EmailField(
        label or _l("Email"),
        filters=[lambda value: value.strip().lower() if value else value],
        validators=[
            DataRequired(message=_l("Please enter an email address.")) if required else Optional(),
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


def organization_name_field():
    return StringField(
        _l("Organization name"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Please enter your organization's name.")),
                    Length(max=200, message=_l("Please use at most %(max)d characters.", max=200))],
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


# C0 control characters (but tab, newline, return) have no place in what people type, and
# PostgreSQL refuses NUL in text: they are removed from every field of every form.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _without_controls(value):
    return CONTROL_CHARACTERS.sub("", value) if isinstance(value, str) else value


class Form(FlaskForm):
    """The base of every form here: CSRF from Flask-WTF, control characters filtered out."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = [_without_controls, *unbound_field.kwargs.get("filters", ())]
            if issubclass(unbound_field.field_class, CSRFTokenField):
                # Hidden and unlabelled: without an id, two forms on one page stay valid HTML.
                options = {**options, "render_kw": {"id": False}}
            return unbound_field.bind(form=form, filters=filters, **options)


class ParsedField(StringField):
    """A text input parsed by `parse` (time, date, number). Bad input keeps what was typed and
    says why in our words (WTForms' own typed fields speak English only)."""

    def __init__(self, label=None, validators=None, parse=str, message=None, format_value=str, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.parse, self.message, self.format_value = parse, message, format_value
        self.raw = None

    def process_formdata(self, valuelist):
        self.raw = valuelist[0].strip() if valuelist else ""
        self.data = None
        if self.raw:
            try:
                self.data = self.parse(self.raw)
            except (ValueError, TypeError, OverflowError):
                raise ValueError(str(self.message)) from None

    def _value(self):
        if self.raw is not None:
            return self.raw
        return "" if self.data is None else self.format_value(self.data)


def _parse_int(low, high):
    def parse(text):
        value = int(text)
        if not low <= value <= high:
            raise ValueError(text)
        return value
    return parse


def integer_field(label, low, high, required=False, **kwargs):
    """A whole number from low to high; with required=True an empty field gets the same message."""
    message = _l("Please enter a whole number from %(low)d to %(high)d.", low=low, high=high)
    if required:
        kwargs["validators"] = [DataRequired(message=message), *kwargs.get("validators", ())]
    return ParsedField(
        label, parse=_parse_int(low, high), message=message,
        render_kw={"inputmode": "numeric", "pattern": "[0-9]*"}, **kwargs)


def time_field(label, **kwargs):
    import datetime

    return ParsedField(
        label, parse=datetime.time.fromisoformat, format_value=lambda t: t.strftime("%H:%M"),
        message=_l("Please enter a time like 18:30."), render_kw={"type": "time"}, **kwargs)


def date_field(label, **kwargs):
    import datetime

    return ParsedField(
        label, parse=datetime.date.fromisoformat, format_value=lambda d: d.isoformat(),
        message=_l("Please enter a date like 2026-03-31."), render_kw={"type": "date"}, **kwargs)


def required(message=None):
    return DataRequired(message=message or _l("Please fill this in."))


def max_length(limit):
    return Length(max=limit, message=_l("Please use at most %(max)d characters.", max=limit))


def choice_field(label, choices, **kwargs):
    """A select whose out-of-list answers get our own message."""
    return SelectField(
        label, choices=[SelectChoice(value, text) for value, text in choices], validate_choice=False,
        validators=[AnyOf([value for value, _text in choices], message=_l("Please choose one of the options."))],
        **kwargs)


def check_codes(form, field):
    allowed = {choice.value if isinstance(choice, SelectChoice) else choice[0] for choice in field.choices}
    if not set(field.data or []) <= allowed:
        raise ValidationError(_l("Please choose one of the options."))


def codes_field(label, choices=()):
    """Any number from a list, drawn as checkboxes (macros/forms.html `checks`); the choices may
    be set per request (e.g. from a setting)."""
    return SelectMultipleField(label, choices=list(choices), validate_choice=False, validators=[check_codes])
