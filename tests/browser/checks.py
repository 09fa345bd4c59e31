"""What every page visited in a browser must pass: axe (WCAG 2.2 AA, target-size on) and no
sideways scrolling at phone width."""
from axe_playwright_python.sync_playwright import Axe

PHONE = {"width": 360, "height": 740}

_axe = Axe()
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    "rules": {"target-size": {"enabled": True}},
    "resultTypes": ["violations"],
}


def check_page(page):
    results = _axe.run(page, options=AXE_OPTIONS)
    nodes = [
        f"{violation['id']}: {node['target']} {node.get('failureSummary', '')[:160]}"
        for violation in results.response["violations"]
        for node in violation["nodes"]
    ]
    assert not nodes, f"axe on {page.url}:\n" + "\n".join(nodes)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"
    broken = page.evaluate(BROKEN_WORDS)
    assert not broken, f"{page.url} breaks words in a table across lines: {broken}"


# Words in table cells that the browser split across two lines ("Whe / n", "Somew / hat").
BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll("th, td")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/\\S{2,}/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""


def sign_in(page, base, email, password):
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
