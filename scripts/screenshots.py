"""Screenshots of the demo for docs/screenshots/ (run against `make run`).

    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8000

Uses Playwright for Python with Debian's Chromium (/usr/bin/chromium); downloads nothing.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"

PAGES = {
    "agent@example.com": (
        "demo-agent-pass",
        [
            ("agent-home", "/agent/"),
            ("agent-contacts", "/agent/contacts/"),
            ("agent-listings", "/agent/listings/"),
            ("agent-profile", "/agent/settings/profile/"),
            ("agent-listing", "/agent/listings/1/"),
            ("agent-contact", "/agent/contacts/1/"),
            ("agent-notifications", "/agent/notifications/"),
        ],
    ),
    "client@example.com": (
        "demo-client-pass",
        [
            ("portal-dashboard", "/portal/"),
            ("portal-search", "/portal/search/"),
            ("portal-listing", "/portal/listings/1/"),
            ("portal-messages", "/portal/messages/"),
        ],
    ),
}


def main(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        anonymous = browser.new_page(viewport={"width": 1280, "height": 900})
        anonymous.goto(f"{base}/accounts/login/")
        anonymous.screenshot(path=str(OUT / "login.png"))
        for email, (password, pages) in PAGES.items():
            for width, suffix in [(1280, ""), (390, "-phone")]:
                context = browser.new_context(viewport={"width": width, "height": 900})
                page = context.new_page()
                page.goto(f"{base}/accounts/login/")
                page.get_by_label("Email").fill(email)
                page.get_by_label("Password").fill(password)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_load_state()
                for name, path in pages:
                    if suffix and not name.startswith("portal"):
                        continue
                    page.goto(f"{base}{path}")
                    page.screenshot(path=str(OUT / f"{name}{suffix}.png"))
                    print("saved", OUT / f"{name}{suffix}.png")
                context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8000")
