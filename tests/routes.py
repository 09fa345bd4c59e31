"""The access matrix: every route, and what each role (and the anonymous visitor) gets.

This is the single place that lists who may reach what. test_access checks every row and that no
route of the app is missing here; test_gettext renders every GET row that answers 200 in the
pseudo-locale. URLs are templates filled from the `world` fixture's ids."""

ANON, ADMIN, FACILITATOR, SUPERVISOR = "anon", "admin", "facilitator", "supervisor"
ROLES = (ANON, ADMIN, FACILITATOR, SUPERVISOR)


def expect(anon, admin, facilitator, supervisor):
    return {ANON: anon, ADMIN: admin, FACILITATOR: facilitator, SUPERVISOR: supervisor}


# (method, url template, {role: status}). 302 for the anonymous visitor means "to the login page".
ROUTES = [
    ("GET", "/", expect(302, 200, 200, 200)),
    ("GET", "/healthz", expect(200, 200, 200, 200)),
    ("GET", "/login", expect(200, 302, 302, 302)),
    ("POST", "/login", expect(422, 302, 302, 302)),
    ("POST", "/logout", expect(303, 303, 303, 303)),
    # Setup is gone once an admin exists (the setup tests cover the empty database).
    ("GET", "/setup", expect(404, 404, 404, 404)),
    ("POST", "/setup", expect(404, 404, 404, 404)),
    # Single-use links work for whoever holds them.
    ("GET", "/invite/{invite_token}", expect(200, 200, 200, 200)),
    ("POST", "/invite/{invite_token}", expect(422, 422, 422, 422)),
    ("GET", "/reset/{reset_token}", expect(200, 200, 200, 200)),
    ("POST", "/reset/{reset_token}", expect(422, 422, 422, 422)),
    ("GET", "/account/", expect(302, 200, 200, 200)),
    ("POST", "/account/", expect(302, 200, 200, 200)),
    # Staff management: admins only.
    ("GET", "/staff/", expect(302, 200, 404, 404)),
    ("GET", "/staff/invite", expect(302, 200, 404, 404)),
    ("POST", "/staff/invite", expect(302, 422, 404, 404)),
    ("GET", "/staff/links/{invite_id}", expect(302, 200, 404, 404)),
    ("POST", "/staff/links/{invite_id}/revoke", expect(302, 303, 404, 404)),
    ("GET", "/staff/{user_id}", expect(302, 200, 404, 404)),
    ("POST", "/staff/{user_id}", expect(302, 303, 404, 404)),
    ("POST", "/staff/{user_id}/active", expect(302, 303, 404, 404)),
    ("POST", "/staff/{user_id}/reset", expect(302, 303, 404, 404)),
]
