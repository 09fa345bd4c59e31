"""Helpers for the translation tests: extract messages fresh, build a pseudo-locale, find raw text."""
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from peergroups import ROOT
from peergroups.cli import EXTRACT_ARGS

PSEUDO = "eo"  # a real Babel locale that we never ship: the test-only pseudo-locale
OPEN, CLOSE = "⟦", "⟧"


def extract(dest):
    """Extract every message from the code and templates into dest (a .pot), as `translate extract`."""
    args = list(EXTRACT_ARGS)
    args[args.index("-o") + 1] = str(dest)
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args],
                   check=True, cwd=ROOT, capture_output=True)
    with open(dest, "rb") as handle:
        return read_po(handle)


def build_pseudo_catalog(pot_path, directory):
    """A catalog whose every translation is the English text wrapped in ⟦…⟧."""
    with open(pot_path, "rb") as handle:
        catalog = read_po(handle, locale=PSEUDO)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, (list, tuple)):
            message.string = tuple(OPEN + message.id[min(i, 1)] + CLOSE for i in range(2))
        else:
            message.string = OPEN + message.id + CLOSE
    target = Path(directory) / PSEUDO / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with open(target / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)


CHECKED_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")
SKIPPED_ELEMENTS = {"script", "style"}
WRAPPED = re.compile(re.escape(OPEN) + ".*?" + re.escape(CLOSE), re.S)
NEUTRAL = re.compile(r"[\s\d\W_]*", re.U)  # digits, punctuation and symbols say nothing


class RawTextFinder(HTMLParser):
    """Collects visible text that did not come through gettext."""

    def __init__(self, allowed):
        super().__init__(convert_charrefs=True)
        self.allowed = sorted(allowed, key=len, reverse=True)
        self.stack = []
        self.found = []

    def _skipping(self):
        return any(tag in SKIPPED_ELEMENTS or skip for tag, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        # Elements in another language on purpose (the language switcher) or marked as data.
        skip = "lang" in attrs or attrs.get("translate") == "no"
        if tag not in ("input", "meta", "link", "br", "img", "hr", "source"):
            self.stack.append((tag, skip))
        if skip or self._skipping():
            return
        for name in CHECKED_ATTRIBUTES:
            if attrs.get(name):
                self.check(attrs[name], f"{tag}[{name}]")
        if (tag == "button" or (tag == "input" and attrs.get("type") in ("submit", "button"))) and attrs.get("value") and tag == "input":
            self.check(attrs["value"], f"{tag}[value]")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in ("input", "meta", "link", "br", "img", "hr", "source") and self.stack:
            self.stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if not self._skipping():
            self.check(data, self.stack[-1][0] if self.stack else "document")

    def check(self, text, where):
        rest = WRAPPED.sub("", text)
        for value in self.allowed:
            rest = rest.replace(value, "")
        if not NEUTRAL.fullmatch(rest):
            self.found.append(f"{where}: {rest.strip()[:80]!r}")


def raw_text(html, allowed=()):
    finder = RawTextFinder(allowed)
    finder.feed(html)
    return finder.found
