"""Helpers shared by several test files that are not fixtures (those are in conftest.py).

A test file imports from here or from conftest, never from another test file.
"""
import os
from urllib.parse import urlsplit

import pytest

from bench.servers import nginx_binary, with_database


def deploy_database(url, suffix):
    """espace_test…_deploy_<suffix>: the pass's server, a database of this file's own."""
    return with_database(url, urlsplit(url).path.lstrip("/") + "_deploy_" + suffix)


def require_nginx():
    if not os.path.exists(nginx_binary()):
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is missing: .ci/run installs it, the deploy tests must run in CI")
        pytest.skip("nginx is missing (apt-get install nginx)")
