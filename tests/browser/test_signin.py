"""Keep me signed in, in a real browser (issue 15): the session cookie gone (the browser was
closed), the remember-me token signs the phone in again; the account page lists the device; "sign
out everywhere" ends it all."""
from .. import factories
from .checks import check_page


def test_kept_signed_in_after_the_browser_closes_then_signed_out_everywhere(page, live_server, live_app):
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "owner@example.org")
    page.fill("input[name=password]", factories.PASSWORD)
    page.check("input[name=remember]")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    names = {cookie["name"]: cookie for cookie in page.context.cookies()}
    remember = names["peergroups_remember"]
    assert remember["httpOnly"] and remember["sameSite"] == "Lax" and remember["expires"] > 0
    assert "remember_token" not in names

    # The browser was closed: the session cookie is gone, the remember-me cookie is not.
    page.context.clear_cookies(name=live_app.config["SESSION_COOKIE_NAME"])
    page.goto(f"{live_server}/account/")
    assert page.url == f"{live_server}/account/"
    assert page.locator("h2", has_text="Signed-in devices").is_visible()
    assert page.locator("li", has_text="This device").is_visible()
    assert "Safari" not in page.locator("li", has_text="This device").inner_text()
    check_page(page)
    page.screenshot(path=str(live_app.instance_path) + "/account.png", full_page=True)

    page.click("text=Sign out everywhere")
    page.wait_for_url(f"{live_server}/login")
    assert "peergroups_remember" not in {cookie["name"] for cookie in page.context.cookies()}
    page.goto(f"{live_server}/account/")
    assert "/login" in page.url
