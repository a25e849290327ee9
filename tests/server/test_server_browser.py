"""End to end in headless Chromium: the demo page, the widget, citations, phone width, XSS."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from server_testkit import live_server

from server.app import create_app

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SEED_QUESTION = "全国地方公安机关共设置了多少个公安派出所？"
ANSWER_TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (skips only when either is not installed)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install it with `apt-get install chromium`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed: pip install -e .[test]")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def seed_url(seed_pipeline: Any) -> Iterator[str]:
    """A live server over the seed corpus index."""
    app = create_app(seed_pipeline.settings.with_overrides(rate_limit_per_minute=0), seed_pipeline)
    with live_server(app) as url:
        yield url


class PageWatch:
    """Collects page errors, console errors and dialogs of one page."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


def test_ask_and_open_the_cited_passage(browser: Any, seed_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    watch = PageWatch(page)

    def slow_chat(route: Any) -> None:  # long enough to see the typing indicator
        time.sleep(0.4)
        route.continue_()

    page.route("**/api/chat", slow_chat)
    page.goto(seed_url + "/")
    launcher = page.get_by_role("button", name="打开问答助手")
    launcher.click()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    box = page.locator("textarea.wd-input")
    expect(box).to_be_focused()

    # Shift+Enter is a newline, not a send.
    box.type("第一行")
    box.press("Shift+Enter")
    box.type("第二行")
    expect(box).to_have_value("第一行\n第二行")
    expect(page.locator(".wd-user")).to_have_count(0)
    box.fill(SEED_QUESTION)
    box.press("Enter")

    expect(page.locator(".wd-typing")).to_be_visible()
    answer = page.locator(".wd-answer").last
    expect(answer).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(page.locator(".wd-typing")).to_have_count(0)
    expect(page.locator(".wd-user .wd-bubble")).to_have_text(SEED_QUESTION)
    assert answer.inner_text().strip()
    highlight = answer.locator(".wd-quote .wd-hl")
    expect(highlight).to_have_count(1)
    span = highlight.inner_text()
    assert span.strip() and span in answer.locator(".wd-quote").inner_text()
    assert answer.locator(".wd-short strong").inner_text() == span
    cites = answer.locator(".wd-cite")
    assert cites.count() >= 1
    assert cites.first.locator(".wd-cite-title").inner_text().strip()
    page.screenshot(path=str(tmp_path / "widget-desktop.png"))

    cites.first.click()
    viewer = page.locator(".wd-viewer")
    expect(viewer).to_be_visible()
    source_hl = viewer.locator(".wd-src-hl")
    expect(source_hl).to_have_text(span, timeout=5_000)
    expect(source_hl).to_be_in_viewport()
    expect(page.locator(".wd-back")).to_be_focused()
    assert viewer.locator(".wd-viewer-title").inner_text().strip()
    page.screenshot(path=str(tmp_path / "widget-source.png"))

    # Escape: closes the passage (focus back on the citation), then the panel (focus on the launcher).
    page.keyboard.press("Escape")
    expect(viewer).to_be_hidden()
    expect(cites.first).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator(".wd-panel")).to_be_hidden()
    expect(launcher).to_be_focused()

    # History survives a reload of the page (sessionStorage).
    page.reload()
    page.get_by_role("button", name="打开问答助手").click()
    expect(page.locator(".wd-answer")).to_have_count(1)
    expect(page.locator(".wd-user .wd-bubble")).to_have_text(SEED_QUESTION)

    assert watch.errors == [] and watch.dialogs == []
    page.close()


def test_phone_width_goes_full_screen(browser: Any, seed_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 375, "height": 700}, is_mobile=True, has_touch=True)
    watch = PageWatch(page)
    page.goto(seed_url + "/")
    page.locator("[data-wenda-ask]").first.click()  # the demo page's example questions
    panel = page.locator(".wd-panel")
    expect(panel).to_be_visible()
    expect(page.locator(".wd-answer, .wd-abstain").last).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    box = panel.bounding_box()
    assert box is not None and (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 375, 700)
    expect(page.get_by_role("button", name="打开问答助手")).to_be_hidden()
    page.screenshot(path=str(tmp_path / "widget-phone.png"))

    # An abstention is shown as such.
    box = page.locator("textarea.wd-input")
    box.fill("火星上的大气压是多少帕斯卡？")
    box.press("Enter")
    abstain = page.locator(".wd-msg").last.locator(".wd-abstain")
    expect(abstain).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(abstain.locator(".wd-abstain-title")).to_have_text("资料中没有找到答案")
    expect(abstain.locator(".wd-hl")).to_have_count(0)
    page.get_by_role("button", name="关闭").click()
    expect(panel).to_be_hidden()
    assert watch.errors == [] and watch.dialogs == []
    page.close()


def blog_app(api_url: str) -> FastAPI:
    """A third-party page (its own origin) that embeds the widget with one script tag and hostile CSS."""
    page = (
        "<!doctype html><html><head><meta charset=utf-8><link rel=icon href='data:,'>"
        "<style>button { background: red } * { font-size: 40px }</style></head><body>"
        "<h1>Someone's blog</h1>"
        f'<script src="{api_url}/widget.js" data-endpoint="{api_url}" data-title="测试问答" defer></script>'
        "</body></html>"
    )
    app = FastAPI()
    app.add_api_route("/post.html", lambda: HTMLResponse(page))
    return app


def test_markup_from_articles_never_runs_on_a_third_party_page(
    browser: Any, tiny_settings: Any, tiny_pipeline: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    app = create_app(tiny_settings, tiny_pipeline)
    with live_server(app) as url, live_server(blog_app(url)) as blog_url:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        watch = PageWatch(page)
        page.goto(blog_url + "/post.html")  # another origin than the API's: CORS is exercised
        page.get_by_role("button", name="打开问答助手").click()
        expect(page.locator(".wd-title")).to_have_text("测试问答")
        box = page.locator("textarea.wd-input")
        box.fill("测试站共有文章多少篇？")
        box.press("Enter")
        reply = page.locator(".wd-answer, .wd-abstain").last
        expect(reply).to_be_visible(timeout=ANSWER_TIMEOUT_MS)

        # Open the article (via the citation, or the related passage when the reader abstained).
        page.locator(".wd-cite").first.click()
        doc = page.locator(".wd-doc")
        expect(doc).to_contain_text("<script>alert(1)</script>", timeout=5_000)
        expect(doc).to_contain_text("<img src=x onerror=window.__wendaXss=1>")
        expect(page.locator(".wd-viewer-title")).to_have_text("网页<b>安全</b>测试站")
        expect(page.locator(".wd-viewer-meta a")).to_have_count(0)  # javascript: URL is not linked
        page.wait_for_timeout(300)

        injected = page.evaluate(
            "() => document.getElementById('wenda-widget').shadowRoot.querySelectorAll('script, img, b').length"
        )
        assert injected == 0
        assert page.evaluate("() => window.__wendaXss") is None
        assert watch.dialogs == [] and watch.errors == []
        page.screenshot(path=str(tmp_path / "widget-xss.png"))
        page.close()


def test_openapi_docs_render_offline(browser: Any, tiny_settings: Any, tiny_pipeline: Any, tmp_path: Path) -> None:
    """/docs (Swagger UI) renders the OpenAPI 3.1 document from local files only."""
    from playwright.sync_api import expect

    app = create_app(tiny_settings, tiny_pipeline)
    with live_server(app) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        watch = PageWatch(page)
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(url + "/docs")
        operations = page.locator(".opblock-summary-path")
        expect(operations.first).to_be_visible(timeout=15_000)
        paths = {t.strip().replace("\u200b", "") for t in operations.all_inner_texts()}
        assert {"/api/ask", "/api/chat", "/api/chat/{session_id}", "/api/documents", "/healthz"} <= paths, paths
        assert "Unable to render" not in page.content()
        page.screenshot(path=str(tmp_path / "docs.png"), full_page=True)
        outside = [r for r in requested if not r.startswith((url, "data:", "blob:"))]
        assert outside == [], outside
        assert watch.errors == [] and watch.dialogs == []
        page.close()


def test_follow_ups_show_how_they_were_understood_across_a_reload_and_clear_empties_the_context(
    browser: Any, seed_url: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    watch = PageWatch(page)
    page.goto(seed_url + "/")
    page.get_by_role("button", name="打开问答助手").click()
    box = page.locator("textarea.wd-input")

    def ask(question: str, replies: int) -> None:
        box.fill(question)
        box.press("Enter")
        expect(page.locator(".wd-bot:not(.wd-typing)")).to_have_count(replies + 1, timeout=ANSWER_TIMEOUT_MS)  # + welcome
        expect(page.locator(".wd-typing")).to_have_count(0, timeout=ANSWER_TIMEOUT_MS)

    ask("莲前派出所辖区有多少人口？", 1)
    ask("那它的面积呢？", 2)
    users = page.locator(".wd-user")
    expect(users.nth(0).locator(".wd-understood")).to_have_count(0)
    understood = users.nth(1).locator(".wd-understood")
    expect(understood).to_contain_text("理解为：莲前派出所")
    rewrite = understood.inner_text()
    page.screenshot(path=str(tmp_path / "widget-follow-up.png"))

    # The conversation survives a reload: the rewrite is still shown, and the next follow-up has its context.
    page.reload()
    expect(page.locator(".wd-panel")).to_be_visible()  # it was open: it opens again
    expect(page.locator(".wd-user").nth(1).locator(".wd-understood")).to_have_text(rewrite)
    ask("所长是谁？", 3)
    expect(page.locator(".wd-user").nth(2).locator(".wd-understood")).to_contain_text("莲前派出所")

    # 清空 forgets the server's session: a question with no subject of its own is no longer a follow-up.
    page.get_by_role("button", name="清空对话记录").click()
    expect(page.locator(".wd-user")).to_have_count(0)
    ask("那它的面积呢？", 1)
    expect(page.locator(".wd-user .wd-understood")).to_have_count(0)
    expect(page.locator(".wd-abstain")).to_have_count(1)
    assert watch.errors == [] and watch.dialogs == []
    page.close()
