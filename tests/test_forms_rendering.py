"""forms.html_params replaces WTForms' own for speed: it must write exactly what WTForms writes."""
from hypothesis import given, settings, strategies as st
from markupsafe import Markup

from peergroups import forms

keys = st.one_of(
    st.sampled_from(["class_", "for_", "data_hx_post", "aria_describedby", "aria_invalid", "value", "lang", "id"]),
    st.from_regex(r"[a-z][a-z_]{0,12}", fullmatch=True),
)
values = st.one_of(st.text(), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False),
                   st.text().map(Markup), st.sampled_from(['a "quoted" & <tag>', "it's", "&amp;", ""]))


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(keys, values, max_size=6))
def test_html_params_writes_what_wtforms_writes(attributes):
    ours = forms.html_params(**attributes)
    assert isinstance(ours, Markup)
    assert ours == forms._wtforms_html_params(**attributes)


def test_wtforms_widgets_use_it():
    from wtforms import widgets
    from wtforms.widgets import core

    assert core.html_params is widgets.html_params is forms.html_params
    assert core.Input.html_params is forms.html_params and core.Button.html_params is forms.html_params


def test_a_select_is_rendered_as_wtforms_renders_it_with_its_option_renderer_worked_out_once(monkeypatch):
    """forms._dispatch_render_option keeps what WTForms works out for each widget class (with
    inspect.signature, on every select it renders)."""
    from wtforms import Form, SelectChoice, SelectField
    from wtforms.widgets import core

    class Pick(Form):
        how = SelectField(choices=[SelectChoice("call", "Call"), SelectChoice("text", 'A "text" & <more>')],
                          default="text")

    looked_up = []
    real = forms._wtforms_dispatch_render_option
    monkeypatch.setattr(forms, "_wtforms_dispatch_render_option", lambda cls: looked_up.append(cls) or real(cls))
    monkeypatch.setattr(forms, "_option_renderers", {})
    field = Pick().how
    expected = ('<select id="how" name="how"><option value="call">Call</option>'
                '<option selected value="text">A &#34;text&#34; &amp; &lt;more&gt;</option></select>')
    assert field() == field() == expected
    assert looked_up == [core.Select]
