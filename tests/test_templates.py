"""pages.Environment reads a dict row's keys without a failed attribute look-up first, calls plain
functions directly and gives templates their globals as one dict: every expression, call and
import must come out as Jinja's own environment makes it."""
import re

import jinja2
import pytest
from flask import Flask

from peergroups import pages

from . import factories
from .helpers import sign_in

EXPRESSIONS = [
    "{{ row.name }}", "{{ row.missing }}", "{{ row.missing is defined }}", "{{ row.items()|list }}",
    "{{ row.get('name') }}", "{{ row.keys()|list }}", "{{ row['name'] }}", "{{ row.nested.state }}",
    "{{ row.values }}", "{{ row.values()|list|length }}", "{{ row.copy }}", "{{ other.name }}",
    "{{ other.upper() }}", "{{ none_row.name }}", "{{ row.name|upper }}",
    "{% for k, v in row.nested.items() %}{{ k }}={{ v }};{% endfor %}",
    # calls: plain functions, Jinja's markers, callables, macros, in loops and blocks
    "{{ plain(1, b=2) }}", "{% for i in [1, 2] %}{{ plain(i, b=loop.index) }}{% endfor %}",
    "{% block b %}{{ plain(3) }}{{ with_context() }}{% endblock %}", "{{ with_context() }}",
    "{% for i in [1] %}{% set seen = 'loop variable' %}{{ with_context() }}{% endfor %}",
    "{{ with_eval_context('<b>') }}", "{% autoescape false %}{{ with_eval_context('<b>') }}{% endautoescape %}",
    "{{ with_environment() }}", "{{ callable_object(5) }}", "{{ context_object() }}", "{{ row.get('name') }}",
    "{{ stops() }}", "{{ stops() is defined }}", "{{ plain|string|length > 0 }}", "{{ 'a,b'.split(',')|join('-') }}",
    "{% macro m(x) %}[{{ x }}{{ caller() if caller }}]{% endmacro %}{{ m(1) }}{% call m(2) %}c{% endcall %}",
    "{{ global_value }}", "{{ plain(global_value) }}",
    # imports of macros, with and without the context
    "{% from 'macros' import shout %}{{ shout('hi') }}", "{% import 'macros' as ms %}{{ ms.shout(global_value) }}",
    "{% from 'macros' import shout with context %}{{ shout(other) }}{{ shout(other) }}",
    "{% include 'macros' %}",
]
CONTEXT = {
    "row": {"name": "<Ana>", "nested": {"state": "present", "items": "a key named items"}, "values": "a key named values",
            1: "one"},
    "other": "text", "none_row": None,
}


def plain(a, b=0):
    return f"plain {a} {b}"


@jinja2.pass_context
def with_context(context):
    return f"context {context.get('seen', '-')} {context.get('other')}"


@jinja2.pass_eval_context
def with_eval_context(eval_ctx, text):
    return f"autoescape {eval_ctx.autoescape} {text}"


@jinja2.pass_environment
def with_environment(environment):
    return f"environment {type(environment.undefined).__name__}"


class Callable:
    def __call__(self, value):
        return f"called {value}"


class ContextCallable:
    @jinja2.pass_context
    def __call__(self, context):
        return f"called with {context.get('other')}"


def stops():
    raise StopIteration


GLOBALS = {"plain": plain, "with_context": with_context, "with_eval_context": with_eval_context,
           "with_environment": with_environment, "callable_object": Callable(), "context_object": ContextCallable(),
           "stops": stops, "global_value": "a global"}
MACROS = "{% macro shout(text) %}{{ text|upper }}!{% endmacro %}[{{ global_value }}]"


class Tracking(jinja2.Undefined):
    """Undefined that says what was missing, so both environments' answers can be compared."""

    def __str__(self):
        return f"<undefined {self._undefined_name}>"


@pytest.mark.parametrize("source", EXPRESSIONS)
def test_the_environment_renders_as_jinja_does(source):
    app = Flask(__name__)
    app.jinja_environment = pages.Environment
    ours = app.jinja_env
    ours.undefined = Tracking
    assert isinstance(ours, pages.Environment)
    ours.loader = jinja2.DictLoader({"macros": MACROS})
    theirs = jinja2.Environment(autoescape=True, undefined=Tracking, loader=ours.loader)
    for environment in (ours, theirs):
        environment.globals.update(GLOBALS)
    rendered = [environment.from_string(source).render(CONTEXT) for environment in (ours, theirs)]
    assert rendered[0] == rendered[1]


def test_the_app_uses_it(app):
    assert isinstance(app.jinja_env, pages.Environment)


def test_the_menu_is_kept_per_role_section_and_language_with_each_request_s_token(app, client, login):
    """base.html's header is rendered once per role, section and language (pages.kept_fragment); the
    sign-out form still carries the request's own form token."""
    login("admin")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/staff/"' in home and 'href="/" aria-current="page"' in home
    groups = client.get("/groups/").get_data(as_text=True)
    assert 'href="/groups/" aria-current="page"' in groups and 'href="/" aria-current' not in groups
    spanish = client.get("/groups/?lang=es").get_data(as_text=True)
    assert ">Grupos</a>" in spanish and ">Groups</a>" not in spanish
    for page in (home, groups, spanish):
        signed = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
        assert "form-token-slot" not in page
        assert re.search(r'action="/logout">\s*<input type="hidden" name="csrf_token" value="([^"]+)"', page)[1] == signed
    facilitator = app.test_client()
    with app.app_context():
        sign_in(facilitator, factories.user(role="facilitator"))
    assert 'href="/staff/"' not in facilitator.get("/").get_data(as_text=True)
    assert "Sign out" not in app.test_client().get("/login").get_data(as_text=True)
