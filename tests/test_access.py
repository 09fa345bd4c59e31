"""The access matrix of tests/routes.py, checked row by row for every role."""
import pytest

from .routes import ANON, ROLES, ROUTES
from .world import build_world


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world()


def request_as(client, world, role, method, template, data=None):
    if role != ANON:
        from .helpers import sign_in

        sign_in(client, world["users"][role])
    url = template.format(**world)
    form = {key: value.format(**world) for key, value in (data or {}).items()}
    return client.open(url, method=method, data=form if method == "POST" else None)


CASES = [(row[0], row[1], row[2], row[3] if len(row) > 3 else None) for row in ROUTES]


@pytest.mark.parametrize("method, template, expected, data", CASES,
                         ids=[f"{m} {t} {sorted(d.values()) if d else ''}" for m, t, _, d in CASES])
@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, client, world, role, method, template, expected, data):
    response = request_as(client, world, role, method, template, data)
    assert response.status_code == expected[role], f"{role} {method} {template}"
    if role == ANON and expected[role] == 302 and template != "/login":
        assert "/login" in response.headers["Location"]


def test_every_route_is_in_the_matrix(app):
    listed = {(row[0], row[1].split("?")[0]) for row in ROUTES}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            generic = {(m, _generic(t)) for m, t in listed}
            if (method, _generic(path)) not in generic:
                missing.append(f"{method} {rule.rule}")
    assert not missing, "routes without a row in tests/routes.py: " + ", ".join(sorted(missing))


def _generic(path):
    """/groups/{group_id}/x and /groups/<int:group_id>/x both become /groups/*/x."""
    import re

    return re.sub(r"\{[^}]*\}", "*", path)
