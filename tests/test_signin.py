"""Sign-in that holds against a determined attacker (issue 15): where `next` may lead, sign-out
that ends the session on the server, remember-me tokens, brute force, equal cost of refusals,
signed-in devices, and single-use links."""
import pytest

from . import factories

GOOD = {"email": "owner@example.org", "password": factories.PASSWORD}


# --- (1) `next` leads only to a local path ----------------------------------------------------

@pytest.mark.parametrize("target", [
    "/%09/evil.example", "/%0a/evil.example", "/%0d/evil.example", "%0a", "/x%0d%0aSet-Cookie:%20a=b",
    "//evil.example", "/\\evil.example", "\\\\evil.example", "/%5cevil.example", "https://evil.example/",
    "javascript:alert(1)", "http:/evil.example", "%20//evil.example", "/ /evil.example", "/%00",
    "/%E2%80%AE/evil.example",
])
def test_next_goes_home_unless_it_is_a_local_path(client, target):
    response = client.post(f"/login?next={target}", data=GOOD)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/account/", "/groups/?page=2", "/members/3#notes"])
def test_next_keeps_a_local_path(client, target):
    response = client.post("/login", query_string={"next": target}, data=GOOD)
    assert response.status_code == 303 and response.headers["Location"] == target
