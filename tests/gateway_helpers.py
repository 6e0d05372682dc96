"""Moved to tests/helpers/gateway.py; kept only for tests/conftest.py (branch fasttests owns it): delete once it imports from there."""

from tests.helpers.gateway import close_opened

__all__ = ["close_opened"]
