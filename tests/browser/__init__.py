"""Helpers for tests/test_browser.py: the report as its readers see it, in Debian's Chromium.

* :mod:`browser.chromium` finds Chromium, writes the fontconfig the browser runs with and says
  clearly what to install when something is missing.
* :mod:`browser.checks` holds the in-page checks (JavaScript run through Playwright) and the
  recorder of requests, console errors and dialogs.
* :mod:`browser.pdf` reads a printed PDF page by page (text, text positions, images).
"""
