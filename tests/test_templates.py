"""pages.Environment reads a dict row's keys without a failed attribute look-up first: every
expression must come out as Jinja's own environment makes it."""
import jinja2
import pytest
from flask import Flask

from peergroups import pages

EXPRESSIONS = [
    "{{ row.name }}", "{{ row.missing }}", "{{ row.missing is defined }}", "{{ row.items()|list }}",
    "{{ row.get('name') }}", "{{ row.keys()|list }}", "{{ row['name'] }}", "{{ row.nested.state }}",
    "{{ row.values }}", "{{ row.values()|list|length }}", "{{ row.copy }}", "{{ other.name }}",
    "{{ other.upper() }}", "{{ none_row.name }}", "{{ row.name|upper }}",
    "{% for k, v in row.nested.items() %}{{ k }}={{ v }};{% endfor %}",
]
CONTEXT = {
    "row": {"name": "<Ana>", "nested": {"state": "present", "items": "a key named items"}, "values": "a key named values",
            1: "one"},
    "other": "text", "none_row": None,
}


class Tracking(jinja2.Undefined):
    """Undefined that says what was missing, so both environments' answers can be compared."""

    def __str__(self):
        return f"<undefined {self._undefined_name}>"


@pytest.mark.parametrize("source", EXPRESSIONS)
def test_the_environment_reads_dicts_as_jinja_does(source):
    app = Flask(__name__)
    app.jinja_environment = pages.Environment
    ours = app.jinja_env
    ours.undefined = Tracking
    assert isinstance(ours, pages.Environment)
    theirs = jinja2.Environment(autoescape=True, undefined=Tracking)
    assert ours.from_string(source).render(CONTEXT) == theirs.from_string(source).render(CONTEXT)


def test_the_app_uses_it(app):
    assert isinstance(app.jinja_env, pages.Environment)
