"""Crisis and support lines and the escalation checklist: admins keep them per language (crisis.py
shows them on survey pages and the meeting's help screen)."""
from flask import Blueprint, abort, flash, redirect, url_for

from wtforms import SelectChoice, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import AnyOf, Optional, ValidationError

from .. import crisis
from ..forms import Form, max_length, name_field, required
from ..i18n import LANGUAGES, bcp47, gettext as _, lazy_gettext as _l, native_name
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


class StepForm(Form):
    locale = CrisisLineForm.locale
    text = TextAreaField(_l("Step"), filters=[lambda value: value.strip() if value else value],
                         validators=[required(_l("Please write what to do.")), max_length(300)])
    phone = StringField(_l("Phone (optional)"), validators=[max_length(40)])


def _page(form=None, step_form=None, status=200):
    return render("crisis/lines.html", form=form or CrisisLineForm(formdata=None), lines=crisis.all_lines(),
                  step_form=step_form or StepForm(formdata=None, prefix="step"), steps=crisis.all_steps(),
                  status=status)


@bp.get("/")
def index():
    require_role("admin")
    return _page()


@bp.post("/steps")
def add_step():
    require_role("admin")
    form = StepForm(prefix="step")
    if not form.validate_on_submit():
        return _page(step_form=form, status=422)
    crisis.add_step(form.locale.data, form.text.data, form.phone.data)
    flash(_("Your changes are saved."), "success")
    return redirect(url_for("crisis.index", _anchor="steps"), 303)


@bp.post("/steps/<int:step_id>/delete")
def delete_step(step_id):
    require_role("admin")
    step = crisis.get_step(step_id) or abort(404)
    if not confirmed():
        return ask_first(_("Remove this step? This cannot be undone."), _("Remove"))
    crisis.delete_step(step.id)
    flash(_("Your changes are saved."), "success")
    return redirect(url_for("crisis.index", _anchor="steps"), 303)


@bp.post("/")
def add():
    require_role("admin")
    form = CrisisLineForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
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
