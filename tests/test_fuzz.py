"""No input makes a 500: every POST route of the access matrix, as an admin, with arbitrary text
(any script, control characters, huge numbers) in every field name the app uses."""
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from .helpers import sign_in
from .routes import ADMIN, ROUTES
from .world import build_world

def form_field_names():
    """Every field of every form the app defines, plus the plain form fields some views read."""
    import importlib
    import pkgutil

    import peergroups.views
    from peergroups.forms import Form

    for module in pkgutil.iter_modules(peergroups.views.__path__):  # the views define the forms
        importlib.import_module(f"peergroups.views.{module.name}")

    names = set()
    stack = list(Form.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        names |= {name for name in dir(cls) if hasattr(getattr(cls, name), "field_class")}
    plain = {"member_id", "state", "into", "group_id", "action", "form", "starts_at", "cancel",
             "profile-name", "profile-locale", "password-current", "password-password",
             "newcomer_id", "mentor_id", "pair", "any_language"}
    return tuple(sorted(names | plain))


FIELDS = form_field_names()
POSTS = sorted({row[1] for row in ROUTES if row[0] == "POST" and row[2][ADMIN] != 404 and "logout" not in row[1]})
values = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["", "0", "-1", "99999999999999999999999", "1e9", "present", "en", "ar", "weekly",
                     "monthly", "2026-02-30", "25:61", "Mars/Base", "x" * 5000, "\x00", "٣", "..\\..", "null"]),
)


@pytest.mark.parametrize("template", POSTS)
def test_no_input_makes_a_500(app, template):
    with app.app_context():
        world = build_world()
    client = app.test_client()
    sign_in(client, world["users"][ADMIN])
    url = template.format(**world)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.dictionaries(st.sampled_from(FIELDS), values, max_size=8))
    def post(form):
        response = client.post(url, data=form)
        assert response.status_code < 500, (url, form, response.status_code)

    post()


def test_every_form_drops_control_characters(app):
    """All forms derive from forms.Form (PostgreSQL refuses NUL; nothing typed needs controls)."""
    from flask_wtf import FlaskForm

    from peergroups.forms import Form

    stack, strays = list(FlaskForm.__subclasses__()), []
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("peergroups") and not issubclass(cls, Form):
            strays.append(cls.__qualname__)
    assert not strays, f"forms not derived from peergroups.forms.Form: {strays}"
    assert len(FIELDS) > 40
