"""A whole round in a phone-sized browser: two parents and the admission office.

A parent signs in with the e-mail code, registers a child (confirming the address found in the
list), ranks schools (with the up button, by dragging and with the keyboard), starts a pledge
group; a second parent signs in through the invitation link and joins; the office publishes the
seed's fingerprint, closes the registration, reveals the seed at the draw, has the worker
allocate, publishes; the parent sees the result and accepts. A third parent, without JavaScript,
registers and ranks with the plain forms. Screenshots of the key pages go to
``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path
from typing import Any

from .conftest import OFFICE, PHONE, SLUG, Site, office_totp_code

SEED = "browser test 2027 | 7 13 21 42"


def new_phone(browser: Any, site: Site) -> tuple[Any, Any, list[str]]:
    """A fresh phone-sized browser (no cookies) in English, and the page's console errors."""
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=1,
        locale="en-GB",
        base_url=site.url,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []

    def console(m: Any) -> None:
        # a failed request is logged as "Failed to load resource"; those are judged below
        if m.type == "error" and not m.text.startswith("Failed to load resource"):
            errors.append(m.text)

    def response(r: Any) -> None:
        # every page, style sheet, script and the favicon loads
        if r.status >= 400:
            errors.append(f"{r.status} {r.url}")

    page.on("console", console)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", response)
    return context, page, errors


def shot(page: Any, folder: Path, name: str) -> None:
    """A full-page screenshot; the page must not scroll sideways on the phone (wide tables
    scroll inside themselves)."""
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width} px wide on a phone"


def sign_in(page: Any, site: Site, address: str, app: bool = False) -> None:
    """From the sign-in page the browser is on: ask for a code, read it, type it; ``app``: an
    office admin, who then types the code of the authenticator app."""
    seen = len(site.mails_to(address))
    page.fill("input[name=email]", address)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/signin/code/")
    page.fill("input[name=code]", site.code_for(address, seen))
    page.locator("main form button[type=submit]").click()
    if app:
        page.wait_for_url("**/signin/totp/**")
        page.fill("input[name=code]", office_totp_code())
        page.locator("main form button[type=submit]").click()
    page.wait_for_selector("text=You are signed in.")


def ranking(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        "#ranking li[data-code]", "els => els.map(e => e.dataset.code)"
    )


def fill_child_form(page: Any, first: str, house: str, born: str, indicator: str) -> str:
    """Fill in the registration form and confirm the address found in the list (the second
    step); returns the child's page path."""
    page.fill("input[name=first_name]", first)
    page.fill("input[name=last_name]", "Test")
    page.fill("input[name=birth_date]", born)
    page.fill("input[name=postcode]", "2800")
    page.fill("input[name=house_number]", house)
    page.check(f"input[name=q_indicator][value='{indicator}']")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("text=Is this your address?")
    page.get_by_label(f"Teststraat {house}, 2800").check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/children/\d+/$"))
    return re.sub(r"^https?://[^/]+", "", page.url)


def register_child(page: Any, first: str, house: str) -> str:
    """Register a child from the round's page; returns the child's page path."""
    page.goto(f"/rounds/{SLUG}/")
    page.get_by_role("link", name="Register a child").click()
    return fill_child_form(page, first, house, "2024-03-01", "0")


def add_school(page: Any, name: str) -> None:
    page.select_option("select[name=school]", label=name)
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_load_state()


def drag_before(page: Any, code: str, before: str) -> None:
    """Drag the handle of ``code`` above ``before`` with the mouse (rank.js sends the order)."""
    handle = page.locator(f"#ranking li[data-code='{code}'] .handle")
    target = page.locator(f"#ranking li[data-code='{before}']")
    h = handle.bounding_box()
    t = target.bounding_box()
    assert h and t, "the drag handles are missing: rank.js did not run"
    page.mouse.move(h["x"] + h["width"] / 2, h["y"] + h["height"] / 2)
    page.mouse.down()
    x = t["x"] + t["width"] / 2
    steps = 8
    y0, y1 = h["y"] + h["height"] / 2, t["y"] + t["height"] * 0.25
    for k in range(1, steps + 1):
        page.mouse.move(x, y0 + (y1 - y0) * k / steps)
    with page.expect_navigation():
        page.mouse.up()


def focused_school(page: Any) -> tuple[str, str]:
    """The school whose element has the focus, and that element's class or button value."""
    code, what = page.evaluate(
        "() => { const e = document.activeElement; const li = e && e.closest('li[data-code]');"
        " return [li ? li.dataset.code : '', e.className || e.value || ''] }"
    )
    return code, what


def keyboard_moves(page: Any) -> None:
    """From B, A, C: arrow up on C's handle, then the up button of A; the school moves at
    once, the focus stays on it, the live region says where it is, and the order is saved."""
    status = page.locator("#rank-status")
    assert status.get_attribute("aria-live") == "polite"
    page.locator("#ranking li[data-code='C'] .handle").focus()
    with page.expect_response(lambda r: r.url.endswith("/choices/order/")) as saved:
        page.keyboard.press("ArrowUp")
        assert ranking(page) == ["B", "C", "A"]
        assert focused_school(page) == ("C", "handle")
        page.wait_for_function(
            "() => document.getElementById('rank-status').textContent"
            " === 'School C is now choice 2 of 3'"
        )
    assert saved.value.status == 204
    assert page.locator("#ranking li[data-code='C'] .rank").inner_text() == "2"
    with page.expect_response(lambda r: r.url.endswith("/choices/order/")) as saved:
        page.keyboard.press("ArrowUp")
    assert saved.value.status == 204
    assert ranking(page) == ["C", "B", "A"] and focused_school(page) == ("C", "handle")
    # the up button moves in place too, and keeps the focus on the school (its handle, as the
    # button is disabled at the top)
    with page.expect_response(lambda r: r.url.endswith("/choices/order/")) as saved:
        page.get_by_role("button", name="Move School A up").click()
        page.get_by_role("button", name="Move School A up").click()
    assert saved.value.status == 204
    assert ranking(page) == ["A", "C", "B"]
    assert focused_school(page) == ("A", "handle")
    page.wait_for_function(
        "() => document.getElementById('rank-status').textContent"
        " === 'School A is now choice 1 of 3'"
    )
    page.wait_for_load_state("networkidle")
    page.reload()
    assert ranking(page) == ["A", "C", "B"]


def test_the_ranking_without_javascript(site: Site, browser: Any) -> None:
    """The plain forms: registering in two steps, the up button, the status it leaves."""
    context = browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="en-GB", base_url=site.url
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/signin/")
    sign_in(page, site, "zonderjs@samen.test")
    child = register_child(page, "Lina", "4")
    for name in ("School A", "School B"):
        add_school(page, name)
    page.get_by_role("button", name="Move School B up").click()
    page.wait_for_url(re.compile(r"\?moved=B#ranking$"))
    assert ranking(page) == ["B", "A"]
    assert page.text_content("#rank-status") == "School B is now choice 1 of 2"
    assert page.locator("#ranking .handle").count() == 0
    assert page.url.split("?")[0].endswith(child)
    context.close()


def test_a_whole_round_on_a_phone(site: Site, browser: Any, screenshots: Path) -> None:
    started = time.monotonic()
    parent1, page1, errors1 = new_phone(browser, site)
    parent2, page2, errors2 = new_phone(browser, site)
    office, page3, errors3 = new_phone(browser, site)

    # ---- parent 1 signs in, registers a child and ranks schools
    page1.goto("/")
    shot(page1, screenshots, "01-home")
    page1.get_by_role("link", name="Sign in to start").click()
    sign_in(page1, site, "ouder1@samen.test")
    child1 = register_child(page1, "Noor", "1")
    for name in ("School A", "School B", "School C"):
        add_school(page1, name)
    assert ranking(page1) == ["A", "B", "C"]
    # the plain form buttons (they work without JavaScript)
    page1.get_by_role("button", name="Move School C up").click()
    page1.wait_for_load_state()
    assert ranking(page1) == ["A", "C", "B"]
    # dragging, with the script
    drag_before(page1, "B", "A")
    assert ranking(page1) == ["B", "A", "C"]
    page1.reload()
    assert ranking(page1) == ["B", "A", "C"]
    keyboard_moves(page1)
    assert ranking(page1) == ["A", "C", "B"]
    shot(page1, screenshots, "02-ranking")

    # ---- parent 1 starts a pledge group for school D
    page1.get_by_role("link", name="Start a pledge group").click()
    page1.fill("input[name=name]", "Teststraat samen")
    page1.select_option("select[name=target]", label="School D")
    page1.fill("input[name=threshold]", "2")
    page1.locator("main form button[type=submit]").click()
    page1.wait_for_url(f"**{child1}")
    assert ranking(page1) == ["D", "A", "C", "B"]
    invite = page1.input_value("#invite")
    assert re.search(r"/pledge/[\w-]{20,}/$", invite), invite
    shot(page1, screenshots, "03-pledge-group")

    # ---- parent 2 follows the invitation: signs in, registers a child, joins
    page2.goto(invite)
    page2.get_by_role("link", name="Sign in to join").click()
    sign_in(page2, site, "ouder2@samen.test")
    assert "/pledge/" in page2.url  # back at the invitation after signing in
    page2.get_by_role("link", name="Register a child first").click()
    fill_child_form(page2, "Sami", "3", "2024-05-09", "1")
    add_school(page2, "School A")
    page2.goto(invite)
    # the group shows how many joined, never who
    assert page2.inner_text("p.count").startswith("1 child has joined · needed: 2")
    assert "Noor" not in page2.inner_text("main")
    shot(page2, screenshots, "04-invitation")
    page2.get_by_role("button", name="Join the group").click()
    page2.wait_for_url(re.compile(r"/children/\d+/$"))
    assert ranking(page2) == ["D", "A"]
    assert page2.get_by_text("Teststraat samen").count() >= 1

    # ---- the office: fingerprint, close, draw, allocate, publish
    page3.goto("/signin/")
    sign_in(page3, site, OFFICE, app=True)
    page3.goto("/office/")
    page3.get_by_role("link", name="Browser 2027").first.click()
    page3.fill("input[name=seed]", SEED)
    page3.get_by_role("button", name="Publish the fingerprint").click()
    fingerprint = hashlib.sha256(SEED.encode()).hexdigest()
    page3.wait_for_selector(f"code.hash:has-text('{fingerprint}')")
    page3.get_by_role("button", name="Close the registration").click()
    page3.wait_for_selector("button:has-text('Reveal the seed')")
    page3.fill("input[name=seed]", SEED)
    page3.get_by_role("button", name="Reveal the seed").click()
    page3.wait_for_selector(f"text={SEED}")
    shot(page3, screenshots, "05-office-draw")
    page3.get_by_role("button", name="Allocate the seats").click()
    page3.wait_for_url(re.compile(r"/office/jobs/\d+/$"))
    deadline = time.monotonic() + 30
    while not page3.get_by_role("link", name="See the results").count():
        assert time.monotonic() < deadline, page3.content()
        assert "failed" not in (page3.text_content("p.status") or ""), page3.content()
        time.sleep(0.3)
        page3.reload()
    page3.get_by_role("link", name="See the results").click()
    page3.wait_for_url(re.compile(r"/office/runs/\d+/$"))
    shot(page3, screenshots, "06-office-run")
    page3.get_by_role("button", name="Publish to families").click()
    page3.wait_for_selector("text=The results are published")

    # the public draw page shows the seed and how to check it
    page1.goto(f"/rounds/{SLUG}/draw/")
    assert page1.get_by_text(SEED).count() >= 1

    # ---- parent 1 sees the result (the pledge group held: both children at D) and accepts
    page1.goto(child1)
    result = page1.locator("section.result")
    assert "School D (choice 1)" in result.inner_text()
    shot(page1, screenshots, "07-result")
    page1.get_by_role("button", name="Accept the seat").click()
    page1.wait_for_selector("text=You accepted this seat.")
    shot(page1, screenshots, "08-accepted")
    page2.reload()
    assert "School D (choice 1)" in page2.locator("section.result").inner_text()

    for context in (parent1, parent2, office):
        context.close()
    # no script errors, no resources blocked by the Content-Security-Policy, no failed requests
    assert errors1 == [] and errors2 == [] and errors3 == [], (errors1, errors2, errors3)
    # about 20 s here; far more means something waits that should not
    assert time.monotonic() - started < 120
