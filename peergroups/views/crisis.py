"""Crisis and support lines: admins list them per language (crisis.py shows them on survey and
meeting pages)."""
from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from wtforms import SelectChoice, SelectField, StringField, URLField
from wtforms.validators import AnyOf, Optional, ValidationError

from .. import crisis
from ..forms import Form, max_length, name_field
from ..i18n import LANGUAGES, bcp47, native_name
from ..pages import ask_first, confirmed, render
from ..security import require_role

bp = Blueprint("crisis", __name__, url_prefix="/admin/crisis-lines")


class CrisisLineForm(Form):
    locale = SelectField(
        _l("Language"), validate_choice=False,
        choices=[SelectChoice("", _l("Every other language (fallback)"))]
        + [SelectChoice(code, native_name(code), {"lang": bcp47(code)}) for code in LANGUAGES],
        validators=[AnyOf(("", *LANGUAGES), message=_l("Please choose a language from the list."))])
    name = name_field(_l("Name"))
    phone = StringField(_l("Phone"), validators=[max_length(40)])
    text_line = StringField(_l("Text line"), validators=[max_length(80)])
    url = URLField(_l("Web address"), validators=[Optional(), max_length(500)])
    hours = StringField(_l("Hours"), validators=[max_length(120)])

    def validate_url(self, field):
        if field.data and not field.data.startswith(("https://", "http://")):
            raise ValidationError(_l("Please enter a web address starting with https://"))


def _page(form, status=200):
    return render("crisis/lines.html", form=form, lines=crisis.all_lines(), status=status)


@bp.get("/")
def index():
    require_role("admin")
    return _page(CrisisLineForm(formdata=None))


@bp.post("/")
def add():
    require_role("admin")
    form = CrisisLineForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    crisis.add_line({name: form[name].data for name in crisis.FIELDS})
    flash(_("Your changes are saved."), "success")
    return redirect(url_for("crisis.index"), 303)


@bp.post("/<int:line_id>/delete")
def delete(line_id):
    require_role("admin")
    line = crisis.get_line(line_id) or abort(404)
    if not confirmed():
        return ask_first(_("Remove %(name)s? This cannot be undone.", name=line.name), _("Remove"))
    crisis.delete_line(line.id)
    flash(_("Your changes are saved."), "success")
    return redirect(url_for("crisis.index"), 303)
