"""End-to-end tests in Chromium (a package, so that its conftest does not shadow tests/conftest.py)."""
