"""The dispatch patch: moto's folder list and its handlers' method names are computed once, with the same answers."""

from __future__ import annotations

import inspect
import os

import moto
import moto.backends as backends
import moto.core.responses as core_responses
from moto.dynamodb.responses import DynamoHandler

from local_cloud import Settings, patches


def setup_module() -> None:
    patches.apply(Settings(port=0))


def test_moto_s_service_folders_are_listed_once_with_the_same_answer(monkeypatch):
    path = os.path.dirname(moto.__file__)
    expected = [name for name in sorted(os.listdir(path))
                if os.path.isdir(os.path.join(path, name)) and not name.startswith("__")]
    assert list(backends.list_of_moto_modules()) == expected
    listed = []
    monkeypatch.setattr(os, "listdir", lambda folder: listed.append(folder) or [])
    assert "dynamodb" in backends.list_of_moto_modules() and "__pycache__" not in backends.list_of_moto_modules()
    assert listed == []


def test_a_handler_s_method_names_are_looked_up_once_and_a_later_method_is_found(monkeypatch):
    names = core_responses.method_names_from_class(DynamoHandler)
    assert "get_item" in names and "scan" in names and "no_such_action" not in names
    assert sorted(names) == sorted(name for name, _ in inspect.getmembers(DynamoHandler, inspect.isfunction))
    looked_up = []
    original = inspect.getmembers
    monkeypatch.setattr(inspect, "getmembers", lambda *args, **kw: looked_up.append(args) or original(*args, **kw))
    assert "get_item" in core_responses.method_names_from_class(DynamoHandler)
    assert looked_up == []

    class Handler:
        def first(self) -> None: ...

    assert "first" in core_responses.method_names_from_class(Handler)
    Handler.second = lambda self: None  # a patch adding an action after the first request
    assert "second" in core_responses.method_names_from_class(Handler)
