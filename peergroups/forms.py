"""Form pieces shared by several features. Every validator carries its own translated message,
so no built-in English text from WTForms can reach a user."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms.validators import DataRequired, Length, Regexp

# Deliberately loose: the address is only used to sign in, never to send mail.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


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


class EmptyForm(FlaskForm):
    """For POST-only buttons: carries the CSRF token and nothing else."""
