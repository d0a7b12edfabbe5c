"""Accessibility: axe-core on every page type of the platform, for every role that sees it, at
phone width (390 x 844) and desktop width (1280 x 800), in the round states where the page
shows something different. Any violation of impact "critical" or "serious" fails the test; the
failure message lists them all (rule, impact, page, role, width, state, target selectors, help
URL). Every finding of every impact is written to ``test-artifacts/axe-results.json``.

Two checks that axe-core does not make are reported the same way, as "serious": at phone width
no page may scroll sideways (WCAG 1.4.10, rule ``reflow``), and on the pages marked ``focus``
the test presses Tab through every element that takes the focus, each of which must show a
focus ring of at least 2 px with a contrast of 3:1 against the background behind it, inside the
window (WCAG 2.4.7 and 1.4.11, rule ``focus-visible``). The checks are in ``axe_audit.py``.

**The page table.** ``PAGES`` has an entry for every named URL of ``samen.web.urls`` that shows
a page (who visits it, how its address is built, in which states, which forms are submitted
empty to show their errors, what a script must have added before the check); ``NOT_A_PAGE``
names the POST-only actions, downloads and data, with why (a POST action that answers with a
page with errors is checked through the form on the page that posts it). ``ERROR_PAGES`` are
the styled 400, 403 and 404 pages, each reached by an address that gives it.
``test_every_url_is_in_the_page_table`` reads the URL patterns (in a subprocess, so this test
process never sets Django up) and fails for a named URL in neither table: a new page is checked
as soon as someone adds it here.

**The round.** One live site (``tests/browser/conftest.py``, started without a worker so that
a job page can be checked while its job waits; the worker starts after that) and one Chromium
for the whole module, with a tab for each role: anonymous, a parent, a school viewer, the
office admin (e-mail code, then the code of the authenticator app) and a second office admin
added on the Staff page (``newcomer``), who sets the app up at the first sign-in and then
signs in again (the two pages of the second factor). The test plays the round through its
states: ``open`` (a parent with four children registered through the two-step address form,
lists, a pledge group, chances; a school viewer and the newcomer added on the Staff page; an
allowed date of birth; an e-mail the mail server refused), ``closed`` (a fingerprint replaced
by another, registration closed, seed revealed: the office's round pages read-only, the form
that voids the draw), ``queued`` (the allocation asked for, the job waiting), ``allocated``
(the run under review, the council report made) and ``published`` (results with their
explanations, the public results page, the page that confirms a decline, the archive page).
In each state it checks the table's pages. The home page is also checked in Dutch, French and
English through the language buttons.

**The map.** The map page is checked with its scripts (after Leaflet has drawn the schools,
on the plain background of a round with x,y coordinates; the Tab walk goes through the map,
its markers and zoom buttons; again with a school's popup opened by the keyboard) and without
them (the scripts blocked: the list of schools alone). The map region, Leaflet's markers and zoom buttons are named by the page and by
Leaflet, so nothing of Leaflet's markup is excluded from axe-core.

**axe-core and the Content-Security-Policy.** ``axe-playwright-python`` bundles axe-core's
script (nothing is fetched at run time) and injects it with Playwright's ``page.evaluate``,
which goes through the DevTools protocol: the page's CSP (``script-src 'self'``, no inline
script, no eval) governs the page's own scripts, not what the browser's driver evaluates, and
axe-core needs no eval. So the site is checked with its real CSP (no ``bypass_csp``); the test
asserts that the header is there and that the browser reported no error (a resource blocked by
the CSP would be one). Besides axe's default rules, ``target-size`` (WCAG 2.2, 24 x 24 px) is
switched on. (A context with JavaScript switched off cannot run axe-core, whose queue needs
timers; "without JavaScript" is therefore the page with its scripts blocked.)

Run it alone (it starts a server and Chromium; 2 to 3 minutes for some 240 runs of axe-core,
depending on how busy the machine is)::

    PYTHONPATH=$PWD/src .venv/bin/python -m pytest tests/browser/test_accessibility.py
"""

from __future__ import annotations

import base64
import hashlib
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
from urllib.parse import urlsplit

import pytest

from .axe_audit import Auditor, Tabs
from .conftest import ARTIFACTS, OFFICE, SLUG, Site, live_site, samen_command
from .test_round import add_school, register_child, sign_in

ROLES = ("anonymous", "parent", "school", "office", "newcomer")
STATES = ("open", "closed", "queued", "allocated", "published")
PARENT = "ouder1@samen.test"
SCHOOL_VIEWER = "school@samen.test"
VISITOR = "bezoeker@samen.test"
#: a second office admin, added on the Staff page: the first sign-in sets the app up
NEWCOMER = "nieuw@samen.test"
SEED = "accessibility 2027 | 3 5 8"
#: a first fingerprint, replaced by the seed's before the registration closes
FIRST_SEED = "accessibility 2027 | replaced"
#: how long a job may take (the worker's start included) on a busy machine
JOB_SECONDS = 120
#: the seed round's school A has 2 seats and all four children want it: two of them get a later
#: choice, so their result explains why not A; the first child's pledge group (school D, 2
#: children needed, 1 joins) fails, so its result explains that too
CHILDREN = [("Noor", "1", ["A", "B", "C"]), ("Lena", "2", ["A", "B"])]
CHILDREN += [("Ward", "3", ["A", "C"]), ("Mila", "4", ["A", "D"])]
#: what a form shows when it did not validate
ERRORS = "main .errors, main [role=alert], main [aria-invalid=true]"
TEXT_INPUTS = (
    "input:not([type=hidden]):not([type=radio]):not([type=checkbox]):not([type=file])"
    ":not([type=submit]), textarea"
)
#: an e-mail that the mail server refused (the test's site sends e-mail to its console, which
#: never fails), so that the office's e-mail page shows one with its button to send it again
FAILED_MAIL = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samen.web.settings")
import django
django.setup()
from samen.web.core.models import Child, Notification
child = Child.objects.select_related("parent").get(round__slug=sys.argv[1], first_name=sys.argv[2])
Notification.objects.create(
    kind=Notification.RECEIPT, status=Notification.FAILED, user=child.parent,
    address=child.parent.email, round=child.round, child=child, key="accessibility",
    attempts=5, last_error="550 5.1.1 <ouder1@samen.test>: mailbox unavailable",
)
"""


@dataclass
class World:
    """What the round has made so far, for building addresses (and the site, whose e-mail
    holds the sign-in codes)."""

    site: Site
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
    the first of them), at which addresses; ``prepare`` runs in the role's tab first. Each
    action is done once, by the first role, in the first state (or in the states ``act_in``):
    it starts from the loaded page and is followed by a check."""

    roles: tuple[str, ...]
    states: tuple[str, ...]
    paths: Callable[[World], list[str]]
    actions: tuple[Action, ...] = ()
    prepare: Callable[[Any, World], None] | None = None
    also: tuple[str, ...] = ()
    focus: bool = False  # also walk the keyboard focus (first state, first role, phone)
    act_in: tuple[str, ...] = ()  # the states of the actions (default: the first)
    ready: str = ""  # wait for this (what a script adds) before checking
    status: int = 200  # what the address answers (the error pages)

    def who(self, state: str) -> tuple[str, ...]:
        """The roles that visit the page in ``state``."""
        if state not in self.states:
            return ()
        return self.roles + (self.also if state == self.states[0] else ())

    def acts(self, state: str) -> bool:
        """Whether the actions are done in ``state``."""
        return state in (self.act_in or self.states[:1])


def submit(page: Any, form: Any) -> int:
    """Submit ``form`` with its first submit button; the status of the page that comes back."""
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.request.resource_type == "document"
    ) as answer:
        form.locator("[type=submit]").first.click()
    page.wait_for_load_state()
    return int(answer.value.status)


def empty_form(selector: str = "main form.stack") -> Action:
    """Submit the form emptied (the browser's own checks off; a form in a closed ``<details>``
    opened first): the same page comes back (200, or 400 where the view says so) with its error
    messages."""

    def run(page: Any, world: World) -> None:
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        form = page.locator(selector).first
        form.evaluate("f => { f.noValidate = true; }")
        for box in form.locator(TEXT_INPUTS).all():
            if box.is_editable():
                box.fill("")
        assert submit(page, form) in (200, 400), page.url
        assert page.locator(ERRORS).count(), f"{page.url}: no error shown for an empty form"

    return ("the form submitted empty", run)


def child_address(house: str, what: str, shows: str) -> Action:
    """The registration form's second step, which shows ``shows``: for a house number of the
    address list, the address found, to confirm; for another one, the box to tick and the
    street."""

    def run(page: Any, world: World) -> None:
        page.fill("input[name=first_name]", "Test")
        page.fill("input[name=last_name]", "Test")
        page.fill("input[name=birth_date]", "2024-03-01")
        page.fill("input[name=postcode]", "2800")
        page.fill("input[name=house_number]", house)
        page.check("input[name=q_indicator][value='0']")
        assert submit(page, page.locator("main form.stack")) in (200, 400), page.url
        assert page.locator(shows).count(), f"{page.url}: no second step ({what})"

    return (what, run)


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


def email_step(page: Any, site: Site, address: str, then: str) -> None:
    """Sign in with the e-mail code, up to the page ``then`` (a page of the second factor)."""
    seen = len(site.mails_to(address))
    page.goto("/signin/")
    page.fill("input[name=email]", address)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/signin/code/")
    page.fill("input[name=code]", site.code_for(address, seen))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{then}**")


def newcomer_signs_in(page: Any, world: World) -> None:
    """The new office admin's first sign-in: after the e-mail code, the app's set-up page."""
    email_step(page, world.site, NEWCOMER, "/signin/totp/setup/")


def newcomer_has_app(page: Any, world: World) -> None:
    """The new office admin sets the app up with the key the page shows, signs out and signs
    in again: now the page that asks for the app's code."""
    from django_otp.oath import totp

    page.goto("/signin/totp/setup/")
    key = page.inner_text("code.key").replace(" ", "")
    code = totp(base64.b32decode(key + "=" * (-len(key) % 8)))
    page.fill("input[name=code]", f"{code:06d}")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("text=You are signed in.")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    email_step(page, world.site, NEWCOMER, "/signin/totp/")


def without_scripts(page: Any, world: World) -> None:
    """The page again with its scripts blocked: what a browser without JavaScript shows (on
    the map page: the list of schools, and no map)."""
    page.route(re.compile(r"\.js(\?|$)"), lambda route: route.abort())
    try:
        page.reload()
        page.wait_for_load_state()
    finally:
        page.unroute(re.compile(r"\.js(\?|$)"))
    assert page.locator("main ul.cards li").count(), page.url
    assert page.locator("#school-map").is_hidden(), f"{page.url}: a map without scripts"


def map_popup(page: Any, world: World) -> None:
    """A school's popup on the map, opened with the keyboard (Enter on its marker), once it
    has faded in (during Leaflet's fade its text is paler than it is)."""
    page.locator("#school-map .leaflet-marker-icon").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => { const p = document.querySelector('#school-map .leaflet-popup');"
        " return p && getComputedStyle(p).opacity === '1'; }"
    )


def search(page: Any, world: World) -> None:
    page.fill("input[name=q]", "a")
    page.locator("main form.row button[type=submit]").click()
    page.wait_for_url(re.compile(r"\?q=a"))


def fixed(*paths: str) -> Callable[[World], list[str]]:
    """Addresses that need nothing from the round but its slug."""
    return lambda w: [p.format(slug=w.slug) for p in paths]


ALL = ("anonymous", "parent", "school", "office")
PUBLIC = ("anonymous", "parent")
STAFF_ROLES = ("school", "office")
FAMILY = ("parent",)
STAFF = ("office",)
#: the office's pages of a round that are read-only once the seed is public
FROZEN = ("open", "closed")

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
    # the second factor of an office admin: set up at the first sign-in, asked at the next
    "signin_totp_setup": Visit(
        ("newcomer",), ("open",), fixed("/signin/totp/setup/"), (empty_form(),), newcomer_signs_in
    ),
    "signin_totp": Visit(
        ("newcomer",), ("open",), fixed("/signin/totp/"), (empty_form(),), newcomer_has_app
    ),
    "round": Visit(PUBLIC, ("open", "published"), fixed("/rounds/{slug}/"), also=STAFF_ROLES),
    "draw": Visit(PUBLIC, ("open", "closed"), fixed("/rounds/{slug}/draw/"), also=STAFF_ROLES),
    "school": Visit(ALL, ("open",), fixed("/rounds/{slug}/schools/D/")),
    "round_map": Visit(
        PUBLIC,
        ("open",),
        fixed("/rounds/{slug}/map/"),
        (("a school's popup", map_popup), ("without JavaScript", without_scripts)),
        also=STAFF_ROLES,
        focus=True,
        ready="#school-map .leaflet-marker-icon",
    ),
    "round_results": Visit(
        PUBLIC, ("published",), fixed("/rounds/{slug}/results/"), also=STAFF_ROLES
    ),
    "child_new": Visit(
        FAMILY,
        ("open",),
        fixed("/rounds/{slug}/register/"),
        (
            empty_form(),
            child_address("5", "the address found, to confirm", "input[name=address]"),
            child_address("77", "an address not in the list", "input[name=not_listed]"),
        ),
    ),
    # the first child (list, pledge group, chances); after publication the results with "why"
    "child": Visit(
        FAMILY,
        ("open", "closed", "published"),
        lambda w: w.explained or w.children[:1],
        focus=True,
    ),
    "child_edit": Visit(FAMILY, ("open",), lambda w: [w.children[0] + "edit/"], (empty_form(),)),
    # the confirmation pages of what cannot be undone (nothing is confirmed)
    "child_delete": Visit(FAMILY, ("open",), lambda w: [w.children[1] + "delete/"]),
    "respond": Visit(FAMILY, ("published",), lambda w: [w.children[0] + "answer/"]),
    "account_delete": Visit(FAMILY, ("open",), fixed("/account/delete/")),
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
    # after the draw: read-only, and the form that voids the draw (in a <details>)
    "office_round": Visit(
        STAFF,
        STATES,
        fixed("/office/rounds/{slug}/"),
        (empty_form("main details form.stack"),),
        focus=True,
        act_in=("closed",),
    ),
    "office_round_edit": Visit(
        STAFF, FROZEN, fixed("/office/rounds/{slug}/edit/"), (empty_form(),)
    ),
    "office_round_archive": Visit(
        STAFF, ("published",), fixed("/office/rounds/{slug}/archive/"), (empty_form(),)
    ),
    "office_schools": Visit(
        STAFF, FROZEN, fixed("/office/rounds/{slug}/schools/"), (empty_form(),)
    ),
    "office_school": Visit(
        STAFF, FROZEN, fixed("/office/rounds/{slug}/schools/D/"), (empty_form(),)
    ),
    "office_questions": Visit(
        STAFF, FROZEN, fixed("/office/rounds/{slug}/questions/"), (empty_form(),)
    ),
    "office_applicants": Visit(
        STAFF, ("open",), fixed("/office/rounds/{slug}/applicants/"), (("a search", search),)
    ),
    # its forms for the home and the date of birth post to office_applicant_home
    "office_applicant": Visit(
        STAFF,
        ("open", "closed", "published"),
        lambda w: [f"/office/rounds/{w.slug}/applicants/{w.applicant}/"],
        (
            empty_form("main form:has(input[name=action][value=home-address])"),
            empty_form("main form:has(input[name=action][value=birth-date])"),
        ),
    ),
    "office_birth_dates": Visit(
        STAFF, ("open",), fixed("/office/rounds/{slug}/birth-dates/"), (empty_form(),)
    ),
    # the browser's round has no numbers: the page says so (its upload form is tested in
    # tests/web/test_v2.py)
    "office_numbers": Visit(STAFF, ("open",), fixed("/office/rounds/{slug}/numbers/")),
    "office_job": Visit(STAFF, ("queued", "allocated"), lambda w: [w.job]),
    "office_run": Visit(STAFF, ("allocated", "published"), lambda w: [w.run]),
    "office_run_report": Visit(STAFF, ("allocated",), lambda w: [w.run + "report/"]),
    "office_audit": Visit(STAFF, ("allocated",), fixed("/office/audit/"), focus=True),
    "office_notifications": Visit(STAFF, ("open",), fixed("/office/e-mail/")),
    "office_addresses": Visit(STAFF, ("open",), fixed("/office/addresses/"), (empty_form(),)),
    # the change forms (one per person, in <details>) post to office_staff_member
    "office_staff": Visit(
        STAFF,
        ("open",),
        fixed("/office/staff/"),
        (
            empty_form("main > form.stack"),
            empty_form(f"main details:has-text('{SCHOOL_VIEWER}') form.stack"),
        ),
    ),
}

#: the styled error pages, each at an address that gives it
ERROR_PAGES: dict[str, Visit] = {
    "error 400": Visit(("anonymous",), ("open",), fixed("/?q=%00"), status=400),
    "error 403": Visit(FAMILY, ("open",), fixed("/office/"), status=403),
    "error 404": Visit(("anonymous",), ("open",), fixed("/rounds/no-such-round/"), status=404),
}

NOT_A_PAGE: dict[str, str] = {
    "favicon": "the site's icon (an SVG file)",
    "set_language": "POST of the language buttons; checked through home in nl, fr and en",
    "signout": "POST only (the Sign out button)",
    "round_map_json": "the map's data (JSON for map.js)",
    "round_results_download": "a download (zip)",
    "choice_add": "POST only; back to the child's page",
    "choice_move": "POST only; back to the child's page",
    "choice_remove": "POST only; back to the child's page",
    "choice_order": "POST only (the drag and drop of rank.js); back to the child's page",
    "pledge_leave": "POST only; back to the child's page",
    "account_export": "a download (JSON)",
    "office_round_status": "POST only; back to the round's office page",
    "office_seed_commit": "POST only; back to the round's office page (void form: office_round)",
    "office_seed_reveal": "POST only; back to the round's office page",
    "office_allocate": "POST only; on to the job page",
    "office_expire": "POST only; back to the round's office page",
    "office_export": "a download (zip)",
    "office_applicant_home": "POST only; its forms and their errors: office_applicant",
    "office_run_publish": "POST only; back to the run's page",
    "office_run_download": "a download (zip)",
    "office_audit_export": "a download (CSV)",
    "office_notifications_retry": "POST only; back to the e-mail page",
    "office_staff_member": "POST only; its forms and their errors: office_staff",
    "office_staff_totp_reset": "POST only (a button on the Staff page); back to it",
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
    assert not set(ERROR_PAGES) & set(urls), "an error page is named like a URL"
    for name, visit in {**PAGES, **ERROR_PAGES}.items():
        assert visit.roles and set(visit.roles + visit.also) <= set(ROLES), name
        assert visit.states and set(visit.states) <= set(STATES), name
        assert set(visit.act_in) <= set(visit.states), name


# --------------------------------------------------------------------------- the visits


def load(tab: Any, visit: Visit, path: str, name: str, role: str) -> None:
    """Open ``path`` in ``tab``: it answers the visit's status, is not sent elsewhere, and
    what a script adds (``ready``) is there."""
    answer = tab.goto(path)
    assert answer is not None and answer.status == visit.status, (name, role, path, answer)
    got = urlsplit(tab.url).path
    assert got == urlsplit(path).path, f"{name}: {path} as {role} went to {got}"
    if visit.ready:
        tab.locator(visit.ready).first.wait_for()


def check_state(tabs: Tabs, auditor: Auditor, world: World, state: str) -> None:
    """Every page of the table that is interesting in ``state``, for each of its roles."""
    for name, visit in {**PAGES, **ERROR_PAGES}.items():
        roles = visit.who(state)
        for role in roles:
            tab = tabs[role]
            if visit.prepare is not None:
                visit.prepare(tab, world)
            paths = visit.paths(world)
            assert paths and all(paths), f"{name}: no address in state {state}"
            for path in paths:
                load(tab, visit, path, name, role)
                auditor.check(tab, name, role, state)
                if visit.focus and name not in auditor.checked_focus:
                    auditor.walk_focus(tab, name, role, state)
                if role != roles[0] or not visit.acts(state):
                    continue
                for what, action in visit.actions:
                    load(tab, visit, path, name, role)
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


def add_staff(office: Any, email: str, role: str, schools: str = "") -> None:
    """Give ``email`` a staff role with the Staff page's form."""
    office.goto("/office/staff/")
    form = office.locator("main > form.stack")
    form.locator("input[name=email]").fill(email)
    form.locator("select[name=role]").select_option(role)
    if schools:
        form.locator("input[name=schools]").fill(schools)
        form.locator("select[name=round]").select_option(label="Browser 2027")
    assert submit(office, form) == 302, office.inner_text("main")


def prepare_open(tabs: Tabs, site: Site, world: World, auditor: Auditor) -> None:
    """Staff and a parent sign in (the page with the message "You are signed in" is checked); a
    school viewer and a second office admin are added; a date of birth is allowed; four
    children registered and their lists; a pledge group; an e-mail that failed."""
    office = tabs["office"]
    office.goto("/signin/")
    sign_in(office, site, OFFICE, app=True)
    add_staff(office, SCHOOL_VIEWER, "school", "A")
    add_staff(office, NEWCOMER, "office")
    office.goto(f"/office/rounds/{world.slug}/birth-dates/")
    office.fill("input[name=email]", "ouder2@samen.test")
    office.fill("input[name=birth_date]", "2023-11-20")
    office.fill("[name=reason]", "Skips a year (the school's advice)")
    assert submit(office, office.locator("main form.stack")) == 302, office.inner_text("main")
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
    site.run(sys.executable, "-c", FAILED_MAIL, world.slug, CHILDREN[0][0])
    office.goto("/office/e-mail/")
    assert office.get_by_role("button", name=f"Send the e-mail to {PARENT} again").count()

    office.goto(f"/office/rounds/{world.slug}/applicants/")
    link = office.locator("main table a").first.get_attribute("href") or ""
    world.applicant = link.rstrip("/").rsplit("/", 1)[-1]


def commit(office: Any, seed: str) -> None:
    """Publish the fingerprint of ``seed`` (replacing the one before)."""
    office.fill("input[name=seed]", seed)
    office.get_by_role("button", name="Publish the fingerprint").click()
    office.wait_for_selector(f"code.hash:has-text('{hashlib.sha256(seed.encode()).hexdigest()}')")


def prepare_closed(tabs: Tabs, site: Site, world: World, auditor: Auditor) -> None:
    """The office publishes a fingerprint and replaces it (the draw page lists both), closes
    the registration and reveals the seed."""
    office = tabs["office"]
    office.goto(f"/office/rounds/{world.slug}/")
    commit(office, FIRST_SEED)
    commit(office, SEED)
    office.get_by_role("button", name="Close the registration").click()
    office.wait_for_selector("button:has-text('Reveal the seed')")
    office.fill("input[name=seed]", SEED)
    office.get_by_role("button", name="Reveal the seed").click()
    office.wait_for_selector(f"text={SEED}")
    # the office's round pages are read-only from now on
    assert "can no longer change" in office.inner_text("main .notice")


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
    tabs = Tabs(browser, site, ROLES)
    auditor = Auditor()
    world = World(site)
    try:
        for state in STATES:
            PREPARE[state](tabs, site, world, auditor)
            if state == "open":
                check_languages(tabs, auditor)
            check_state(tabs, auditor, world, state)
    finally:
        tabs.close()
        auditor.save(ARTIFACTS / "axe-results.json")
    table = {**PAGES, **ERROR_PAGES}
    wanted = {
        (name, role, state)
        for name, visit in table.items()
        for state in visit.states
        for role in visit.who(state)
    }
    assert wanted <= auditor.checked, sorted(wanted - auditor.checked)
    walked = {name for name, visit in table.items() if visit.focus}
    assert walked == auditor.checked_focus, walked ^ auditor.checked_focus
    assert tabs.errors == [], tabs.errors
    failing = auditor.failing()
    assert not failing, (
        f"axe-core {auditor.engine} found {len(failing)} critical or serious violations "
        f"({auditor.runs} checks; all findings in test-artifacts/axe-results.json):\n"
        + "\n".join(f.line() for f in failing)
    )
