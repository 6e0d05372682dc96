"""Read a website endpoint over plain HTTP, anonymously, as a browser does (step 07, its check, the CLI)."""

from __future__ import annotations

import http.client
import urllib.parse
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    status: int
    content_type: str
    body: bytes


def fetch(url: str, timeout: float = 10.0) -> Page:
    """GET `url` without credentials. Raises OSError when nothing answers.

    Browsers send every `*.localhost` name to this machine by themselves; Python asks the operating
    system, which often does not know them. So for those hosts we connect to 127.0.0.1 and send the
    name in the Host header, which is all a browser does differently.
    """
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    address = "127.0.0.1" if host == "localhost" or host.endswith(".localhost") else host
    connection = http.client.HTTPConnection(address, parts.port or 80, timeout=timeout)
    try:
        connection.request("GET", parts.path or "/", headers={"Host": parts.netloc})
        response = connection.getresponse()
        return Page(response.status, response.headers.get("Content-Type", ""), response.read())
    finally:
        connection.close()
