"""Step 07 on a fresh local cloud: the page on an S3 website, `python -m workshop url`, and its cleanup."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workshop import check, lookup, setup
from workshop.cleanup import find_leftovers
from workshop.steps import run_step
from workshop.testing import run_steps_through, target
from workshop.website import fetch

ROOT = Path(__file__).resolve().parent.parent


def workshop(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "workshop", *args], cwd=ROOT, env={**os.environ, **env},
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def runs(cloud):
    with target(cloud):
        yield run_steps_through("07")


def test_the_check_passes_and_the_page_is_served(runs):
    assert check("07", setup(), quiet=True, raise_on_failure=False).ok
    output = runs[-1].output
    for line in ("uploaded index.html   text/html; charset=utf-8", "uploaded chat.js      text/javascript"):
        assert line in output
    assert "200 text/html; charset=utf-8" in output


def test_config_json_tells_the_page_the_chat_url(runs):
    session = setup()
    url = lookup.deployed_website_url(session)
    page = fetch(url + "config.json")
    assert page.status == 200 and page.content_type == "application/json"
    assert json.loads(page.body)["websocketUrl"] == lookup.websocket_url(session)
    assert json.loads(page.body)["language"] == "en"  # conftest makes the tests' language English


def test_config_json_carries_the_learners_language(runs):
    """The page shows Portuguese labels when the learner's language is pt-BR (WORKSHOP_LANG or the edition)."""
    run_step("07", quiet=True, env={"WORKSHOP_LANG": "pt-BR"})
    try:
        url = lookup.deployed_website_url(setup())
        assert json.loads(fetch(url + "config.json").body)["language"] == "pt-BR"
    finally:
        run_step("07", quiet=True)


def test_the_bucket_is_tagged_and_named_with_the_prefix(runs):
    session = setup()
    bucket = lookup.website_bucket(session)
    assert bucket == f"chat-web-{session.account_id}-{session.region}"
    tags = {t["Key"]: t["Value"] for t in session.client("s3").get_bucket_tagging(Bucket=bucket)["TagSet"]}
    assert tags["workshop"] == "serverless-chat" and tags["learner"] == "chat"


def test_rerunning_the_step_is_fine(runs):
    again = run_step("07", quiet=True)
    assert "Check 07" in again.output and "❌" not in again.output


def test_the_check_says_what_to_fix_when_the_policy_is_missing(runs):
    session = setup()
    s3 = session.client("s3")
    bucket = lookup.website_bucket(session)
    s3.delete_bucket_policy(Bucket=bucket)
    try:
        result = check("07", session, quiet=True, raise_on_failure=False)
        failed = {item.what for item in result.failures}
        assert "the bucket policy lets anyone read the objects (s3:GetObject) and do nothing else" in failed
        assert any("anyone can open the page" in what for what in failed)  # the website answers 403 now
    finally:
        run_step("07", quiet=True)


def test_url_prints_one_line_each(runs, cloud):
    env = {**cloud.environ, "WORKSHOP_PREFIX": "chat"}
    chat = workshop("url", env=env)
    web = workshop("url", "--web", env=env)
    assert chat.returncode == 0 and web.returncode == 0, chat.stderr + web.stderr
    session = setup()
    assert chat.stdout == lookup.websocket_url(session) + "\n"
    assert web.stdout == lookup.deployed_website_url(session) + "\n"


def test_status_shows_the_web_page(runs, cloud):
    status = workshop("status", env={**cloud.environ, "WORKSHOP_PREFIX": "chat"})
    assert f"Web page: {lookup.deployed_website_url(setup())}" in status.stdout
    assert "bucket    chat-web-" in status.stdout


def test_url_says_what_to_run_when_nothing_is_deployed(runs, cloud):
    env = {**cloud.environ, "WORKSHOP_PREFIX": "nobody"}
    for args, hint in ((["url"], "python -m workshop deploy"), (["url", "--web"], "notebook 07")):
        result = workshop(*args, env=env)
        assert result.returncode == 1 and result.stdout == ""
        assert "not deployed" in result.stderr and hint in result.stderr


def test_cleanup_deletes_the_bucket_with_its_objects(runs):
    session = setup()
    assert ("bucket", lookup.website_bucket(session)) in [(kind, name) for kind, name, _ in find_leftovers(session)]
    run_step("10", quiet=True)
    assert lookup.website_bucket(session) is None
    assert find_leftovers(session) == []
