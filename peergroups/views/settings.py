"""Organization settings for admins: name, default language, time zone, and k, the number of survey
responses a figure needs before anyone sees it (suppression.py applies it)."""
from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user

from .. import audit, organization
from ..forms import (
    Form,
    integer_field,
    language_field,
    organization_name_field,
    timezone_field,
)
from ..i18n import gettext as _, lazy_gettext as _l
from ..models import Organization
from ..pages import render
from ..security import require_role
from ..suppression import MAX_K, MIN_K

bp = Blueprint("settings", __name__)


class SettingsForm(Form):
    # Named like the Organization columns (organization.SETTINGS), so the form reads from the row.
    name = organization_name_field()
    default_locale = language_field(_l("Default language"))
    timezone = timezone_field()
    survey_min_responses = integer_field(_l("Minimum responses before a figure is shown"), MIN_K, MAX_K,
                                         required=True)


def _page(form, status=200):
    return render("settings/organization.html", form=form, min_k=MIN_K, max_k=MAX_K, status=status)


@bp.get("/admin/settings")
def index():
    require_role("admin")
    return _page(SettingsForm(formdata=None, obj=Organization.current()))


@bp.post("/admin/settings")
def save():
    require_role("admin")
    form = SettingsForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    organization.save_settings({name: form[name].data for name in organization.SETTINGS})
    audit.record("settings", current_user.id)
    flash(_("Your changes are saved."), "success")
    return redirect(url_for("settings.index"), 303)
