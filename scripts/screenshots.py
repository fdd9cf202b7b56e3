"""Take the README's screenshots from a running demo server.

    scripts/demo --port 8123 &          # in another terminal
    .venv/bin/python scripts/screenshots.py --base http://127.0.0.1:8123

Writes PNGs into docs/screenshots/. Uses Debian's Chromium (never downloads
a browser).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PASSWORD = "GreenLoop-2026!"  # noqa: S105  (the demo password)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        page.goto(f"{args.base}/accounts/login/")
        page.screenshot(path=str(out / "login.png"), full_page=True)
        page.fill("#id_username", "county")
        page.fill("#id_password", PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#who")
        page.screenshot(path=str(out / "home-county.png"), full_page=True)
        page.goto(f"{args.base}/org/regions/")
        page.click("#region-roots a >> nth=0")
        page.wait_for_selector("#children")
        page.screenshot(path=str(out / "region.png"), full_page=False)
        page.click("#units a >> nth=0")
        page.wait_for_selector("#duties")
        page.screenshot(path=str(out / "unit.png"), full_page=False)
        page.goto(f"{args.base}/org/grids/map/")
        page.wait_for_function("document.getElementById('grid-map').dataset.loaded !== undefined")
        page.select_option("#grid-level", "3")
        page.wait_for_timeout(800)  # let Leaflet finish drawing before the picture
        page.screenshot(path=str(out / "grid-map.png"), full_page=False)
        page.goto(f"{args.base}/cases/")
        page.screenshot(path=str(out / "cases.png"), full_page=False)
        page.goto(f"{args.base}/quality/air/")
        page.wait_for_function("document.getElementById('aqi-map').dataset.markers !== undefined")
        page.locator("path.aqi-marker").last.dispatch_event("click")
        page.wait_for_selector("#station-chart svg")
        page.wait_for_timeout(500)
        page.screenshot(path=str(out / "air-map.png"), full_page=False)
        page.goto(f"{args.base}/quality/air/calendar/")
        page.screenshot(path=str(out / "air-calendar.png"), full_page=False)
        page.click("form[action$='/logout/'] button")
        page.fill("#id_username", "dispatcher")
        page.fill("#id_password", PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_selector("#who")
        page.screenshot(path=str(out / "home-dispatcher.png"), full_page=False)
        page.goto(f"{args.base}/complaints/")
        page.locator("#petition-queue a >> nth=0").click()
        page.screenshot(path=str(out / "petition.png"), full_page=False)
        page.goto(f"{args.base}/monitoring/")
        page.locator("table a[href*='/sites/'] >> nth=0").click()
        page.screenshot(path=str(out / "monitoring-site.png"), full_page=False)
        phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
        phone.goto(f"{args.base}/public/report/")
        phone.screenshot(path=str(out / "public-report-phone.png"), full_page=False)
        browser.close()


if __name__ == "__main__":
    main()
