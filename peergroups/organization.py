"""The organization's settings: the one row of Organization (name, language, time zone, k)."""
from .db import write_transaction
from .models import Organization

SETTINGS = ("name", "default_locale", "timezone", "survey_min_responses")


def save_settings(values):
    """Change exactly the settings given ({column: value}, columns from SETTINGS)."""
    with write_transaction():
        current = Organization.current()
        if current is None:
            Organization.create(**values)
        else:
            Organization.update(**values).where(Organization.id == current.id).execute()
