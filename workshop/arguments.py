"""argparse in the learner's language: its own texts (usage, options, errors) go through the workshop's catalog."""

from __future__ import annotations

import argparse

from .i18n import N_, _, ngettext

# argparse (Python 3.10–3.13) looks these up with gettext at the moment it shows them; listed here so that
# `make translations` extracts them into the workshop's catalog.
ARGPARSE_TEXTS = [
    N_("usage: "),
    N_("options"),
    N_("optional arguments"),
    N_("positional arguments"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("one of the arguments %s is required"),
]


def use_learner_language() -> None:
    """argparse calls the module-level gettext functions it imported; point them at the workshop's catalog,
    which falls back to argparse's English for any text it does not know."""
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]
