"""The chat page in a real browser: headless Chromium (Debian's package) driven by Playwright, on the
site step 07 deployed to a fresh local cloud. Locators are accessible ones (role and label), so the page's
accessibility promises are tested too."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from workshop import lookup, setup
from workshop.testing import run_steps_through, target

CHROMIUM = os.environ.get("WORKSHOP_CHROMIUM", "/usr/bin/chromium")
INSTALL_HINT = "apt-get update && apt-get install -y chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_MS = 15_000

try:
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError:  # pragma: no cover - a missing package fails the tests, never skips them
    sync_playwright = None


def chromium_path() -> str:
    if sync_playwright is None:
        pytest.fail("Playwright for Python is missing: pip install -r requirements.txt (never `playwright install`)")
    found = CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")
    if not found:
        pytest.fail(f"No Chromium at {CHROMIUM}: the browser tests need Debian's package. Install it with: "
                    f"{INSTALL_HINT}")
    return found


@pytest.fixture(scope="module")
def site(cloud) -> Iterator[str]:
    """The chat deployed with steps 00-07; yields the web page's URL."""
    with target(cloud):
        run_steps_through("07")
        yield lookup.deployed_website_url(setup())


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser, site):
    """Open the chat page in a new browser context (its own cookies and connection), like another person."""
    contexts = []

    def opener(query: str = "") -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.goto(site + query)
        return page

    yield opener
    for context in contexts:
        context.close()


def members(page: Page):
    return page.get_by_role("list", name="Members").get_by_role("listitem")


def conversation(page: Page):
    return page.get_by_role("log")


def join(page: Page, name: str) -> None:
    expect(page.get_by_role("status")).to_contain_text("Connected")
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Join").click()


def say(page: Page, message: str, to: str | None = None) -> None:
    if to:
        page.get_by_label("To").select_option(label=to)
    page.get_by_label("Message").fill(message)
    page.get_by_role("button", name="Send").click()


def test_the_site_serves_the_page_with_its_labelled_controls(open_page):
    page = open_page()
    expect(page).to_have_title("Serverless chat")
    for label in ("Name", "Message"):
        expect(page.get_by_role("textbox", name=label)).to_be_visible()
    for button in ("Join", "Send", "Leave"):
        expect(page.get_by_role("button", name=button, exact=True)).to_be_visible()
    expect(page.get_by_role("list", name="Members")).to_be_attached()
    expect(conversation(page)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Connected")


def test_two_people_chat_through_the_deployed_site(open_page):
    alice = open_page()
    join(alice, "Alice")
    expect(members(alice)).to_have_text(["Alice"])
    expect(alice.get_by_role("status")).to_contain_text("You are Alice.")

    # Bob joins with ?name= in the page's address: he sees the members at once, without sending anything.
    bob = open_page("?name=Bob")
    expect(members(bob)).to_have_text(["Alice", "Bob"])
    expect(members(alice)).to_have_text(["Alice", "Bob"])
    expect(conversation(alice)).to_contain_text("Bob joined the chat")

    say(alice, "Hello from Alice")
    expect(conversation(bob)).to_contain_text("Alice: Hello from Alice")
    expect(conversation(alice)).to_contain_text("Alice: Hello from Alice")

    # Carol watches: a private message must not reach her.
    carol = open_page("?name=Carol")
    expect(members(carol)).to_have_text(["Alice", "Bob", "Carol"])
    expect(members(bob)).to_have_text(["Alice", "Bob", "Carol"])

    # Bob chooses Alice in the member list, and the next message goes to her alone.
    members(bob).filter(has_text="Alice").get_by_role("button").click()
    expect(bob.get_by_label("To")).to_have_value("member:Alice")
    say(bob, "psst, lunch later?")
    expect(conversation(alice)).to_contain_text("Bob (private): psst, lunch later?")
    expect(conversation(bob)).to_contain_text("You (private to Alice): psst, lunch later?")
    say(carol, "Carol is here")  # once this arrives everywhere, anything sent before has too
    for page in (alice, bob, carol):
        expect(conversation(page)).to_contain_text("Carol: Carol is here")
    expect(conversation(carol)).not_to_contain_text("psst")
    expect(conversation(bob).get_by_text("psst")).to_have_count(1)  # its own copy, no echo from the chat

    say(alice, "what is serverless?", to="Bot")
    expect(conversation(bob)).to_contain_text("Bot:")
    expect(conversation(alice)).to_contain_text("Alice: what is serverless?")

    # A refused request shows the chat's systemMessage to the sender alone.
    alice.get_by_label("Name").fill("bob")
    alice.get_by_role("button", name="Join").click()
    expect(conversation(alice)).to_contain_text("The name bob is taken")
    expect(members(alice)).to_have_text(["Alice", "Bob", "Carol"])
    if os.environ.get("WEB_PAGE_SCREENSHOT"):
        alice.screenshot(path=os.environ["WEB_PAGE_SCREENSHOT"])

    bob.get_by_role("button", name="Leave").click()
    expect(bob.get_by_role("status")).to_contain_text("You left the chat")
    expect(conversation(alice)).to_contain_text("Bob left the chat")
    expect(members(alice)).to_have_text(["Alice", "Carol"])
    expect(members(bob)).to_have_count(0)


def test_the_page_reconnects_when_the_connection_drops(open_page, cloud):
    dana = open_page("?name=Dana")
    expect(members(dana)).to_contain_text(["Dana"])
    with target(cloud):
        session = setup()
        table = session.client("dynamodb")
        items = table.scan(TableName=session.names.table)["Items"]
        [connection_id] = [item["connectionId"]["S"] for item in items if item.get("name", {}).get("S") == "Dana"]
        api = lookup.api(session)
        connections = session.boto_session.client(
            "apigatewaymanagementapi", endpoint_url=f"{session.endpoint_url}/{api['ApiId']}/{session.names.stage}")
        connections.delete_connection(ConnectionId=connection_id)  # what the 2-hour limit or a network drop does

    expect(dana.get_by_role("status")).to_contain_text("Connection lost")
    expect(dana.get_by_role("status")).to_contain_text("You are Dana.")  # back, under the same name
    expect(members(dana)).to_contain_text(["Dana"])
    say(dana, "still here")
    expect(conversation(dana)).to_contain_text("Dana: still here")


def test_without_a_websocket_url_the_page_says_how_to_give_one(browser, site):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.route("**/config.json", lambda route: route.fulfill(status=404, body="not here"))
        page.goto(site)
        expect(page.get_by_role("status")).to_contain_text("?ws=", timeout=WAIT_MS)
    finally:
        context.close()


def test_the_labels_switch_to_portuguese(open_page):
    page = open_page("?lang=pt-BR")
    for label in ("Nome", "Mensagem"):
        expect(page.get_by_role("textbox", name=label)).to_be_visible()
    for button in ("Entrar", "Enviar", "Sair"):
        expect(page.get_by_role("button", name=button, exact=True)).to_be_visible()
    expect(page.get_by_role("list", name="Membros")).to_be_attached()
    expect(page.locator("html")).to_have_attribute("lang", "pt-BR")
