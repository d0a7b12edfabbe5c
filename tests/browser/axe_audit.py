"""The checks of the accessibility test (``test_accessibility.py``): axe-core at phone and
desktop width, and the two checks axe-core does not make, reflow (WCAG 1.4.10) and a visible
focus ring walked with the Tab key (WCAG 2.4.7 and 1.4.11); one browser context per role."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .conftest import Site

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
FAILING = ("critical", "serious")
#: axe's default rules (WCAG 2.0/2.1 A and AA and best practices) and the WCAG 2.2 target size
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}}
#: at most this many Tab presses on one page
MAX_TABS = 80
#: the focused element: a name for it (unique on the page: its text and position; the walk
#: stops at the first name seen twice), whether it has a ring (outline of 2 px or more), the
#: ring's contrast with the background behind the element, and whether it is in the window
FOCUS_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let back = [255, 255, 255];
  for (let a = el.parentElement; a; a = a.parentElement) {
    const c = rgb(getComputedStyle(a).backgroundColor);
    if (c.length >= 3 && (c.length < 4 || c[3] > 0)) { back = c.slice(0, 3); break; }
  }
  const s = getComputedStyle(el);
  const ring = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2;
  const [l1, l2] = [lum(rgb(s.outlineColor).slice(0, 3)), lum(back)].sort((a, b) => b - a);
  const r = el.getBoundingClientRect();
  const inside = r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0
    && r.left < innerWidth && r.top < innerHeight;
  const id = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.getAttribute("name") ? "[name=" + el.getAttribute("name") + "]" : "")
    + " " + (el.getAttribute("aria-label") || el.getAttribute("alt") || el.textContent
      || el.value || "").replace(/\\s+/g, " ").trim().slice(0, 30)
    + " @" + Math.round(r.left + scrollX) + "," + Math.round(r.top + scrollY);
  return { id, ring, contrast: (l1 + 0.05) / (l2 + 0.05), inside };
}"""

#: when the page is wider than the window: the outermost elements that stick out
WIDER_JS = """() => {
  if (document.documentElement.scrollWidth <= innerWidth) return [];
  const out = el => el.getBoundingClientRect().right > innerWidth + 1;
  return Array.from(document.querySelectorAll("body *"))
    .filter(el => out(el) && !(el.parentElement && out(el.parentElement)))
    .map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
      + (el.className && typeof el.className === "string" ? "." + el.className.split(" ")[0] : "")
      + " right " + Math.round(el.getBoundingClientRect().right) + " px")
    .slice(0, 10);
}"""


@dataclass
class Finding:
    rule: str
    impact: str
    page: str
    path: str
    role: str
    width: str
    state: str
    note: str
    targets: list[str]
    help: str
    help_url: str

    def line(self) -> str:
        where = f"{self.page} {self.path}" + (f" ({self.note})" if self.note else "")
        size = WIDTHS[self.width]
        return (
            f"- {self.rule} ({self.impact}) on {where} [role {self.role}, {self.width} "
            f"{size['width']}x{size['height']}, state {self.state}]: {self.help}\n"
            f"    targets: {' | '.join(self.targets)}\n    help: {self.help_url}"
        )


class Auditor:
    """Runs axe-core on a tab at both widths and keeps what it finds."""

    def __init__(self) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.findings: list[Finding] = []
        self.checked: set[tuple[str, str, str]] = set()  # (page, role, state)
        self.checked_focus: set[str] = set()
        self.runs = 0
        self.engine = ""

    def check(self, tab: Any, page: str, role: str, state: str, note: str = "") -> None:
        """Check what ``tab`` shows now, at phone and at desktop width (closed ``<details>``
        opened first, so that what they hold is checked too)."""
        path = re.sub(r"^https?://[^/]+", "", tab.url)
        tab.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        if not tab.evaluate("() => typeof window.axe === 'object'"):
            tab.evaluate(self.axe.axe_script)  # once per page, not once per width
        for width, size in WIDTHS.items():
            tab.set_viewport_size(size)
            # two frames: the page's resize handlers have run
            tab.evaluate("() => new Promise(r => requestAnimationFrame(() => setTimeout(r)))")
            result = tab.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
            self.engine = result["testEngine"]["version"]
            self.runs += 1
            if width == "phone":
                self.reflow(tab, page, path, role, state, note)
            for v in result["violations"]:
                self.findings.append(
                    Finding(
                        rule=v["id"],
                        impact=v["impact"] or "",
                        page=page,
                        path=path,
                        role=role,
                        width=width,
                        state=state,
                        note=note,
                        targets=[" ".join(map(str, n["target"])) for n in v["nodes"]],
                        help=v["help"],
                        help_url=v["helpUrl"],
                    )
                )
        tab.set_viewport_size(WIDTHS["phone"])
        self.checked.add((page, role, state))

    def reflow(self, tab: Any, page: str, path: str, role: str, state: str, note: str) -> None:
        """At phone width the page must not scroll sideways (WCAG 1.4.10; wide tables scroll
        inside themselves): the elements that stick out are reported."""
        wider = tab.evaluate(WIDER_JS)
        if wider:
            self.findings.append(
                Finding(
                    rule="reflow",
                    impact="serious",
                    page=page,
                    path=path,
                    role=role,
                    width="phone",
                    state=state,
                    note=note,
                    targets=wider,
                    help="The page must not scroll sideways at phone width",
                    help_url="https://www.w3.org/WAI/WCAG21/Understanding/reflow.html",
                )
            )

    def walk_focus(self, tab: Any, page: str, role: str, state: str) -> None:
        """Press Tab through the page (at phone width): every element that takes the focus
        must show a focus ring of at least 2 px whose colour has a contrast of at least 3:1
        with the background behind it (WCAG 2.4.7 and 1.4.11), inside the window."""
        path = re.sub(r"^https?://[^/]+", "", tab.url)
        seen: list[str] = []
        bad: list[str] = []
        outside = 0
        for _ in range(MAX_TABS):
            tab.keyboard.press("Tab")
            got = tab.evaluate(FOCUS_JS)
            if got is None:  # past the last element; the next Tab starts at the top again
                outside += 1
                if outside > 2:
                    break
                continue
            if got["id"] in seen:
                break  # round once
            seen.append(got["id"])
            if not (got["ring"] and got["contrast"] >= 3 and got["inside"]):
                bad.append(f"{got['id']} (ring {got['ring']}, contrast {got['contrast']:.1f})")
        assert len(seen) > 2, f"{page} {path}: Tab reached only {seen}"
        self.checked_focus.add(page)
        if bad:
            self.findings.append(
                Finding(
                    rule="focus-visible",
                    impact="serious",
                    page=page,
                    path=path,
                    role=role,
                    width="phone",
                    state=state,
                    note="the keyboard focus, by Tab",
                    targets=bad,
                    help="The keyboard focus must be visible, with a ring of 3:1 contrast",
                    help_url="https://www.w3.org/WAI/WCAG21/Understanding/focus-visible.html",
                )
            )

    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.impact in FAILING]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "axe_core": self.engine,
            "runs": self.runs,
            "violations": [f.__dict__ for f in self.findings],
        }
        path.write_text(json.dumps(data, indent=1), encoding="utf-8")


class Tabs:
    """One browser context and tab per role, English, phone-sized, with its browser errors."""

    def __init__(self, browser: Any, site: Site, roles: tuple[str, ...]) -> None:
        self.contexts: dict[str, Any] = {}
        self.tabs: dict[str, Any] = {}
        self.errors: list[str] = []
        for role in roles:
            context = browser.new_context(
                viewport=WIDTHS["phone"], locale="en-GB", base_url=site.url
            )
            context.set_default_timeout(15_000)
            tab = context.new_page()
            tab.on("console", self._console(role))
            tab.on("pageerror", lambda e, role=role: self.errors.append(f"{role}: {e}"))
            self.contexts[role], self.tabs[role] = context, tab

    def _console(self, role: str) -> Callable[[Any], None]:
        def log(m: Any) -> None:
            # pages with a form's errors answer 400 on purpose; the status is checked instead
            if m.type == "error" and not m.text.startswith("Failed to load resource"):
                self.errors.append(f"{role}: {m.text}")

        return log

    def __getitem__(self, role: str) -> Any:
        return self.tabs[role]

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()
