"""Accessibility: axe-core on every page type of the platform, for every role that sees it, at
phone width (390 x 844) and desktop width (1280 x 800), in the round states where the page
shows something different. Any violation of impact "critical" or "serious" fails the test; the
failure message lists them all (rule, impact, page, role, width, state, target selectors, help
URL). Every finding of every impact is written to ``test-artifacts/axe-results.json``.

Two checks that axe-core does not make are reported the same way, as "serious": at phone width
no page may scroll sideways (WCAG 1.4.10, rule ``reflow``), and on the pages marked ``focus``
the test presses Tab through every element that takes the focus, each of which must show a
focus ring of at least 2 px with a contrast of 3:1 against the background behind it, inside the
window (WCAG 2.4.7 and 1.4.11, rule ``focus-visible``).

**The page table.** ``PAGES`` has an entry for every named URL of ``samen.web.urls`` that shows
a page (who visits it, how its address is built, in which states, which forms are submitted
empty to show their errors); ``NOT_A_PAGE`` names the POST-only actions and downloads, with why.
``test_every_url_is_in_the_page_table`` reads the URL patterns (in a subprocess, so this test
process never sets Django up) and fails for a named URL in neither table: a new page is checked
as soon as someone adds it here.

**The round.** One live site (``tests/browser/conftest.py``, started without a worker so that
a job page can be checked while its job waits; the worker starts after that) and one Chromium
for the whole module. The test plays the round through its states: ``open`` (a parent
with four children, lists, a pledge group, chances; a school viewer added on the Staff page),
``closed`` (fingerprint, registration closed, seed revealed), ``queued`` (the allocation asked
for, the job waiting), ``allocated`` (the run under review, the council report made) and
``published`` (results with their explanations). In each state it checks the table's pages.
The home page is also checked in Dutch, French and English through the language buttons.

**axe-core and the Content-Security-Policy.** ``axe-playwright-python`` bundles axe-core's
script (nothing is fetched at run time) and injects it with Playwright's ``page.evaluate``,
which goes through the DevTools protocol: the page's CSP (``script-src 'self'``, no inline
script, no eval) governs the page's own scripts, not what the browser's driver evaluates, and
axe-core needs no eval. So the site is checked with its real CSP (no ``bypass_csp``); the test
asserts that the header is there and that the browser reported no error (a resource blocked by
the CSP would be one). Besides axe's default rules, ``target-size`` (WCAG 2.2, 24 x 24 px) is
switched on.

Run it alone (it starts a server and Chromium; 1.5 to 3 minutes for some 170 runs of axe-core,
depending on how busy the machine is)::

    PYTHONPATH=$PWD/src .venv/bin/python -m pytest tests/browser/test_accessibility.py
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .conftest import ARTIFACTS, OFFICE, SLUG, Site, live_site, samen_command
from .test_round import add_school, register_child, sign_in

ROLES = ("anonymous", "parent", "school", "office")
STATES = ("open", "closed", "queued", "allocated", "published")
WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
FAILING = ("critical", "serious")
#: axe's default rules (WCAG 2.0/2.1 A and AA and best practices) and the WCAG 2.2 target size
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}}
PARENT = "ouder1@samen.test"
SCHOOL_VIEWER = "school@samen.test"
VISITOR = "bezoeker@samen.test"
SEED = "accessibility 2027 | 3 5 8"
#: how long a job may take (the worker's start included) on a busy machine
JOB_SECONDS = 120
#: the seed round's school A has 2 seats and all four children want it: two of them get a later
#: choice, so their result explains why not A; the first child's pledge group (school D, 2
#: children needed, 1 joins) fails, so its result explains that too
CHILDREN = [("Noor", "1", ["A", "B", "C"]), ("Lena", "2", ["A", "B"])]
CHILDREN += [("Ward", "3", ["A", "C"]), ("Mila", "4", ["A", "D"])]
#: at most this many Tab presses on one page
MAX_TABS = 80
#: the focused element: a name for it, whether it has a ring (outline of 2 px or more), the
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
    + " " + (el.getAttribute("aria-label") || el.textContent || el.value || "")
      .replace(/\\s+/g, " ").trim().slice(0, 30)
    + " @" + Math.round(r.top + scrollY);
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
#: what a form shows when it did not validate
ERRORS = "main .errors, main [role=alert], main [aria-invalid=true]"
TEXT_INPUTS = (
    "input:not([type=hidden]):not([type=radio]):not([type=checkbox]):not([type=file])"
    ":not([type=submit]), textarea"
)


@dataclass
class World:
    """What the round has made so far, for building addresses."""

    slug: str = SLUG
    children: list[str] = field(default_factory=list)  # the parent's children's pages
    explained: list[str] = field(default_factory=list)  # results that explain "why not"
    invite: str = ""  # the pledge group's invitation
    applicant: str = ""  # an applicant's public id
    job: str = ""  # the allocation's job page
    run: str = ""  # the run's dashboard


#: something done on a page after it was checked as loaded: (what, do it)
Action = tuple[str, Callable[[Any, World], None]]


@dataclass(frozen=True)
class Visit:
    """A page type: which roles visit it in which states (``also``: roles that visit it only in
    the first of them), at which addresses; ``prepare`` runs in the role's tab first; each
    action (in every state listed) starts from the loaded page and is followed by a check."""

    roles: tuple[str, ...]
    states: tuple[str, ...]
    paths: Callable[[World], list[str]]
    actions: tuple[Action, ...] = ()
    prepare: Callable[[Any, World], None] | None = None
    also: tuple[str, ...] = ()
    focus: bool = False  # also walk the keyboard focus (first state, first role, phone)

    def who(self, state: str) -> tuple[str, ...]:
        """The roles that visit the page in ``state``."""
        if state not in self.states:
            return ()
        return self.roles + (self.also if state == self.states[0] else ())


def submit(page: Any, form: Any) -> int:
    """Submit ``form`` with its first submit button; the status of the page that comes back."""
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.request.resource_type == "document"
    ) as answer:
        form.locator("[type=submit]").first.click()
    page.wait_for_load_state()
    return int(answer.value.status)


def empty_form(selector: str = "main form.stack") -> Action:
    """Submit the form emptied (the browser's own checks off): the same page comes back (200,
    or 400 where the view says so) with its error messages."""

    def run(page: Any, world: World) -> None:
        form = page.locator(selector).first
        form.evaluate("f => { f.noValidate = true; }")
        for box in form.locator(TEXT_INPUTS).all():
            if box.is_editable():
                box.fill("")
        assert submit(page, form) in (200, 400), page.url
        assert page.locator(ERRORS).count(), f"{page.url}: no error shown for an empty form"

    return ("the form submitted empty", run)


def broken_round_folder(page: Any, world: World) -> None:
    """Import a round.toml alone: the problems table (HTTP 400)."""
    form = page.locator("main form.stack").first
    form.locator("input[type=file]").set_input_files(
        [{"name": "round.toml", "mimeType": "text/plain", "buffer": b'name = "x"\n'}]
    )
    assert submit(page, form) == 400, page.url
    assert page.locator("main table.problems").count(), page.url


def ask_for_code(page: Any, world: World) -> None:
    """Ask for a sign-in code (the code page needs one asked for in this session)."""
    page.goto("/signin/")
    page.fill("input[name=email]", VISITOR)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/signin/code/")


def search(page: Any, world: World) -> None:
    page.fill("input[name=q]", "a")
    page.locator("main form.row button[type=submit]").click()
    page.wait_for_url(re.compile(r"\?q=a"))


def fixed(*paths: str) -> Callable[[World], list[str]]:
    """Addresses that need nothing from the round but its slug."""
    return lambda w: [p.format(slug=w.slug) for p in paths]


ALL = ROLES
PUBLIC = ("anonymous", "parent")
STAFF_ROLES = ("school", "office")
FAMILY = ("parent",)
STAFF = ("office",)

#: every page type, by URL name. A new page: add who visits it (ROLES), in which round states
#: (STATES; build its address from the World), and its forms (``empty_form()``) to show their
#: errors once
PAGES: dict[str, Visit] = {
    # public pages: the role changes only the menu, so staff see them once
    "home": Visit(PUBLIC, ("open", "published"), fixed("/"), also=STAFF_ROLES, focus=True),
    "signin": Visit(("anonymous",), ("open",), fixed("/signin/"), (empty_form(),), focus=True),
    "signin_code": Visit(
        ("anonymous",), ("open",), fixed("/signin/code/"), (empty_form(),), ask_for_code
    ),
    "round": Visit(PUBLIC, ("open", "published"), fixed("/rounds/{slug}/"), also=STAFF_ROLES),
    "draw": Visit(PUBLIC, ("open", "closed"), fixed("/rounds/{slug}/draw/"), also=STAFF_ROLES),
    "school": Visit(ALL, ("open",), fixed("/rounds/{slug}/schools/D/")),
    "child_new": Visit(FAMILY, ("open",), fixed("/rounds/{slug}/register/"), (empty_form(),)),
    # the first child (list, pledge group, chances); after publication the results with "why"
    "child": Visit(
        FAMILY,
        ("open", "closed", "published"),
        lambda w: w.explained or w.children[:1],
        focus=True,
    ),
    "child_edit": Visit(FAMILY, ("open",), lambda w: [w.children[0] + "edit/"], (empty_form(),)),
    "pledge_new": Visit(
        FAMILY, ("open",), lambda w: [w.children[1] + "pledge/new/"], (empty_form(),)
    ),
    "pledge_invite": Visit(("anonymous", "parent"), ("open", "closed"), lambda w: [w.invite]),
    "account": Visit(("parent", "school", "office"), ("open",), fixed("/account/")),
    "school_home": Visit(("school",), ("open",), fixed("/school/")),
    "school_applicants": Visit(("school",), ("open", "published"), fixed("/school/{slug}/A/")),
    "office": Visit(STAFF, ("open", "allocated"), fixed("/office/")),
    "office_round_new": Visit(STAFF, ("open",), fixed("/office/rounds/new/"), (empty_form(),)),
    "office_import": Visit(
        STAFF,
        ("open",),
        fixed("/office/rounds/import/"),
        (empty_form(), ("a round folder with problems", broken_round_folder)),
    ),
    "office_round": Visit(STAFF, STATES, fixed("/office/rounds/{slug}/"), focus=True),
    "office_round_edit": Visit(
        STAFF, ("open",), fixed("/office/rounds/{slug}/edit/"), (empty_form(),)
    ),
    "office_schools": Visit(
        STAFF, ("open",), fixed("/office/rounds/{slug}/schools/"), (empty_form(),)
    ),
    "office_school": Visit(
        STAFF, ("open",), fixed("/office/rounds/{slug}/schools/D/"), (empty_form(),)
    ),
    "office_questions": Visit(
        STAFF, ("open",), fixed("/office/rounds/{slug}/questions/"), (empty_form(),)
    ),
    "office_applicants": Visit(
        STAFF, ("open",), fixed("/office/rounds/{slug}/applicants/"), (("a search", search),)
    ),
    "office_applicant": Visit(
        STAFF,
        ("open", "published"),
        lambda w: [f"/office/rounds/{w.slug}/applicants/{w.applicant}/"],
    ),
    "office_job": Visit(STAFF, ("queued", "allocated"), lambda w: [w.job]),
    "office_run": Visit(STAFF, ("allocated", "published"), lambda w: [w.run]),
    "office_run_report": Visit(STAFF, ("allocated",), lambda w: [w.run + "report/"]),
    "office_audit": Visit(STAFF, ("allocated",), fixed("/office/audit/"), focus=True),
    "office_addresses": Visit(STAFF, ("open",), fixed("/office/addresses/"), (empty_form(),)),
    "office_staff": Visit(STAFF, ("open",), fixed("/office/staff/"), (empty_form(),)),
}

NOT_A_PAGE: dict[str, str] = {
    "favicon": "the site's icon (an SVG file)",
    "set_language": "POST of the language buttons; checked through home in nl, fr and en",
    "signout": "POST only (the Sign out button)",
    "child_delete": "POST only",
    "choice_add": "POST only; back to the child's page",
    "choice_move": "POST only; back to the child's page",
    "choice_remove": "POST only; back to the child's page",
    "choice_order": "POST only (the drag and drop of rank.js); back to the child's page",
    "pledge_leave": "POST only; back to the child's page",
    "respond": "POST only (accept or decline); back to the child's page",
    "account_export": "a download (JSON)",
    "account_delete": "POST only",
    "office_round_status": "POST only; back to the round's office page",
    "office_seed_commit": "POST only; back to the round's office page",
    "office_seed_reveal": "POST only; back to the round's office page",
    "office_allocate": "POST only; on to the job page",
    "office_expire": "POST only; back to the round's office page",
    "office_export": "a download (zip)",
    "office_run_publish": "POST only; back to the run's page",
    "office_run_download": "a download (zip)",
}

LIST_URLS = """
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samen.web.settings")
import django
django.setup()
from django.urls import URLPattern, URLResolver
from samen.web import urls

def walk(patterns, prefix="", ns=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = ns + p.namespace + ":" if p.namespace else ns
            yield from walk(p.url_patterns, prefix + str(p.pattern), inner)
        elif isinstance(p, URLPattern) and p.name:
            yield ns + p.name, prefix + str(p.pattern)

print(json.dumps(dict(walk(urls.urlpatterns))))
"""


def named_urls(folder: Path) -> dict[str, str]:
    """Every named URL of ``samen.web.urls.urlpatterns`` (includes followed), name -> route."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAMEN_", "DJANGO_"))}
    env.update({"SAMEN_DATA_DIR": str(folder), "SAMEN_SECRET_KEY": "x" * 50})
    out = subprocess.run(
        [sys.executable, "-c", LIST_URLS], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return dict(json.loads(out.stdout))


def test_every_url_is_in_the_page_table(tmp_path: Path) -> None:
    urls = named_urls(tmp_path)
    assert len(urls) > 30, urls  # the walk found the platform's URLs
    both = sorted(set(PAGES) & set(NOT_A_PAGE))
    assert not both, f"in both PAGES and NOT_A_PAGE: {both}"
    missing = {n: r for n, r in urls.items() if n not in PAGES and n not in NOT_A_PAGE}
    assert not missing, (
        "URL patterns without an entry in the accessibility test's page table: add each to "
        "PAGES (who visits it, its address, in which states) or, if it shows no page (a POST "
        f"action or a download), to NOT_A_PAGE, in {__file__}: {missing}"
    )
    stale = sorted((set(PAGES) | set(NOT_A_PAGE)) - set(urls))
    assert not stale, f"the page table names URLs that no longer exist: {stale}"
    for name, visit in PAGES.items():
        assert visit.roles and set(visit.roles + visit.also) <= set(ROLES), name
        assert visit.states and set(visit.states) <= set(STATES), name


# --------------------------------------------------------------------------- the checks


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

    def __init__(self, browser: Any, site: Site) -> None:
        self.contexts: dict[str, Any] = {}
        self.tabs: dict[str, Any] = {}
        self.errors: list[str] = []
        for role in ROLES:
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


def check_state(tabs: Tabs, auditor: Auditor, world: World, state: str) -> None:
    """Every page of the table that is interesting in ``state``, for each of its roles."""
    for name, visit in PAGES.items():
        for role in visit.who(state):
            tab = tabs[role]
            if visit.prepare is not None:
                visit.prepare(tab, world)
            paths = visit.paths(world)
            assert paths and all(paths), f"{name}: no address in state {state}"
            for path in paths:
                answer = tab.goto(path)
                assert answer is not None and answer.status == 200, (name, role, path, answer)
                auditor.check(tab, name, role, state)
                if visit.focus and name not in auditor.checked_focus:
                    auditor.walk_focus(tab, name, role, state)
                for what, action in visit.actions:
                    tab.goto(path)
                    action(tab, world)
                    auditor.check(tab, name, role, state, what)


def check_languages(tabs: Tabs, auditor: Auditor) -> None:
    """The home page in each language, switched with the buttons at the top."""
    tab = tabs["anonymous"]
    tab.goto("/")
    for lang in ("nl", "fr", "en"):
        tab.locator(f".lang button[value={lang}]").click()
        tab.wait_for_selector(f"html[lang={lang}]")
        auditor.check(tab, "home", "anonymous", "open", f"in {lang}, by the language buttons")


# --------------------------------------------------------------------------- the round


def prepare_open(tabs: Tabs, site: Site, world: World, auditor: Auditor) -> None:
    """Staff and a parent sign in (the page with the message "You are signed in" is checked); a
    school viewer is added; four children with lists; a pledge group."""
    office = tabs["office"]
    office.goto("/signin/")
    sign_in(office, site, OFFICE)
    office.goto("/office/staff/")
    office.fill("input[name=email]", SCHOOL_VIEWER)
    office.select_option("select[name=role]", "school")
    office.fill("input[name=schools]", "A")
    assert submit(office, office.locator("main form.stack")) == 302
    tabs["school"].goto("/signin/")
    sign_in(tabs["school"], site, SCHOOL_VIEWER)

    parent = tabs["parent"]
    parent.goto("/signin/")
    sign_in(parent, site, PARENT)
    assert parent.locator("main .messages").count()
    auditor.check(parent, "home", "parent", "open", "with a message (signed in)")
    for first, house, schools in CHILDREN:
        world.children.append(register_child(parent, first, house))
        for code in schools:
            add_school(parent, f"School {code}")
    parent.goto(world.children[0])
    parent.get_by_role("link", name="Start a pledge group").click()
    parent.fill("input[name=name]", "Teststraat samen")
    parent.select_option("select[name=target]", label="School D")
    parent.fill("input[name=threshold]", "2")
    parent.locator("main form button[type=submit]").click()
    parent.wait_for_url(f"**{world.children[0]}")
    world.invite = re.sub(r"^https?://[^/]+", "", parent.input_value("#invite"))
    assert parent.locator("#chances table").count(), "no chances on the child's page"

    office.goto(f"/office/rounds/{world.slug}/applicants/")
    link = office.locator("main table a").first.get_attribute("href") or ""
    world.applicant = link.rstrip("/").rsplit("/", 1)[-1]


def prepare_closed(tabs: Tabs, site: Site, world: World, auditor: Auditor) -> None:
    """The office publishes the fingerprint, closes the registration and reveals the seed."""
    office = tabs["office"]
    office.goto(f"/office/rounds/{world.slug}/")
    office.fill("input[name=seed]", SEED)
    office.get_by_role("button", name="Publish the fingerprint").click()
    office.wait_for_selector("code.hash")
    office.get_by_role("button", name="Close the registration").click()
    office.wait_for_selector("button:has-text('Reveal the seed')")
    office.fill("input[name=seed]", SEED)
    office.get_by_role("button", name="Reveal the seed").click()
    office.wait_for_selector(f"text={SEED}")


def prepare_queued(tabs: Tabs, site: Site, world: World, auditor: Auditor) -> None:
    """The office asks for the allocation; without a worker the job waits."""
    office = tabs["office"]
    office.goto(f"/office/rounds/{world.slug}/")
    office.get_by_role("button", name="Allocate the seats").click()
    office.wait_for_url(re.compile(r"/office/jobs/\d+/$"))
    world.job = re.sub(r"^https?://[^/]+", "", office.url)


def prepare_allocated(tabs: Tabs, site: Site, world: World, auditor: Auditor) -> None:
    """The worker starts and allocates; the office, still on the job page, sees it reload by
    itself when the job is done (``site.js``), opens the run and has the council report made."""
    office = tabs["office"]
    office.goto(world.job)
    site.spawn("worker", *samen_command(), "web", "worker")
    results = office.get_by_role("link", name="See the results")
    results.wait_for(timeout=JOB_SECONDS * 1000)  # no reload here: the page does it
    results.click()
    office.wait_for_url(re.compile(r"/office/runs/\d+/$"))
    world.run = re.sub(r"^https?://[^/]+", "", office.url)
    office.get_by_role("button", name="Make the report").click()
    office.wait_for_url(re.compile(r"/office/jobs/\d+/$"))
    office.locator("p.status:not([data-wait])").wait_for(timeout=JOB_SECONDS * 1000)
    assert office.locator("main [role=alert]").count() == 0, office.inner_text("main")


def prepare_published(tabs: Tabs, site: Site, world: World, auditor: Auditor) -> None:
    office = tabs["office"]
    office.goto(world.run)
    office.get_by_role("button", name="Publish to families").click()
    office.wait_for_selector("text=The results are published")
    parent = tabs["parent"]
    for child in world.children:
        parent.goto(child)
        if parent.locator("section.result details").count():
            world.explained.append(child)
    assert world.explained, "no result explains why not a school higher on the list"


PREPARE: dict[str, Callable[[Tabs, Site, World, Auditor], None]] = {
    "open": prepare_open,
    "closed": prepare_closed,
    "queued": prepare_queued,
    "allocated": prepare_allocated,
    "published": prepare_published,
}


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    """The site without a worker (jobs wait until ``Site.work``); chances from 2 children on,
    a quick council report."""
    env = {"SAMEN_CHANCES_MIN_CHILDREN": "2", "SAMEN_REPORT_DRAWS": "10"}
    with live_site("a11y", env=env, worker=False) as s:
        yield s


def test_axe_finds_nothing_serious_on_any_page(site: Site, browser: Any) -> None:
    with urllib.request.urlopen(site.url + "/") as r:
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    tabs = Tabs(browser, site)
    auditor = Auditor()
    world = World()
    try:
        for state in STATES:
            PREPARE[state](tabs, site, world, auditor)
            if state == "open":
                check_languages(tabs, auditor)
            check_state(tabs, auditor, world, state)
    finally:
        tabs.close()
        auditor.save(ARTIFACTS / "axe-results.json")
    wanted = {
        (name, role, state)
        for name, visit in PAGES.items()
        for state in visit.states
        for role in visit.who(state)
    }
    assert wanted <= auditor.checked, sorted(wanted - auditor.checked)
    walked = {name for name, visit in PAGES.items() if visit.focus}
    assert walked == auditor.checked_focus, walked ^ auditor.checked_focus
    assert tabs.errors == [], tabs.errors
    failing = auditor.failing()
    assert not failing, (
        f"axe-core {auditor.engine} found {len(failing)} critical or serious violations "
        f"({auditor.runs} checks; all findings in test-artifacts/axe-results.json):\n"
        + "\n".join(f.line() for f in failing)
    )
