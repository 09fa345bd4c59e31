"""Links that leave the app (invites, survey and calendar links) and their QR codes."""
import ipaddress
import re
from urllib.parse import urlsplit

from flask import current_app, url_for
from markupsafe import Markup, escape


def public_url(endpoint, **values):
    """An absolute URL built on PUBLIC_URL when set: behind a proxy the request host may be wrong."""
    base = str(current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def phones_cannot_open(url):
    """True when a link names the server itself (localhost, 127.0.0.1, ::1): opened on the box,
    with no PUBLIC_URL set, every QR code and invite would point at the member's own phone."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tel_href(phone):
    """A tel: link for a number as people write it ("+1 (555) 010-0100"): a URI has no spaces."""
    return "tel:" + re.sub(r"[^0-9+*#]", "", phone)


def qr_svg(data, label):
    """An inline SVG QR code (no style attributes, so the CSP holds) with a text alternative."""
    import segno  # about 1 MB, loaded by the first QR code a process draws rather than at start

    svg = segno.make(data, error="m").svg_inline(scale=1, omitsize=True, dark="#000", light="#fff")
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))
