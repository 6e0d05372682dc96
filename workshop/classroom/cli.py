"""`python -m workshop class policy|status|sweep`: the instructor's commands for a class in one shared account."""

from __future__ import annotations

import argparse
import json
import os
import sys

from ..i18n import _


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m workshop class", formatter_class=argparse.RawDescriptionHelpFormatter,
        description=_("The instructor's kit for a class in one shared AWS account (learners told apart by their "
                      "prefix: the `learner` tag).\nTarget: as for every command (WORKSHOP_TARGET=aws for AWS)."),
        epilog=_("Examples:\n"
                 "  python -m workshop class policy --prefix ana [--account ID] [--region R] [--explain] > ana.json\n"
                 "  python -m workshop class status\n"
                 "  python -m workshop class sweep [--dry-run] [--yes]"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    policy = sub.add_parser("policy", help=_("print the IAM policy (JSON) that lets one learner do the workshop, and "
                                             "nothing outside their prefix"))
    policy.add_argument("--prefix", required=True, help=_("the learner's prefix, e.g. ana"))
    policy.add_argument("--account", help=_("the AWS account id (default: the account of your credentials)"))
    policy.add_argument("--region", help=_("the class's region (default: AWS_REGION, else us-east-1)"))
    policy.add_argument("--explain", action="store_true", help=_("also say, on stderr, what each statement is for"))
    sub.add_parser("status", help=_("every learner's progress: which steps' checks pass"))
    sweep = sub.add_parser("sweep", help=_("delete every learner's leftovers (found by tag), after listing them"))
    sweep.add_argument("--dry-run", action="store_true", help=_("only list what would be deleted"))
    sweep.add_argument("--yes", action="store_true", help=_("do not ask before deleting"))
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    return {"policy": cmd_policy, "status": cmd_status, "sweep": cmd_sweep}[args.command](args)


def cmd_policy(args: argparse.Namespace) -> int:
    from ..naming import normalize_prefix
    from ..session import DEFAULT_REGION
    from .policy import MANAGED_POLICY_LIMIT, explain, learner_policy, policy_size

    prefix = normalize_prefix(args.prefix)
    region = args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    account = args.account or _own_account()
    if account is None:
        print(_("Cannot tell the account id from your credentials: pass it with --account 123456789012."),
              file=sys.stderr)
        return 1
    document = learner_policy(prefix, account, region)
    if args.explain:
        print(explain(document, prefix, account, region), file=sys.stderr)
    if policy_size(document) > MANAGED_POLICY_LIMIT:
        print(_("The policy is longer than AWS's {limit} characters for a managed policy: attach it inline "
                "(put_user_policy) instead.").format(limit=MANAGED_POLICY_LIMIT), file=sys.stderr)
    print(json.dumps(document, indent=2))
    return 0


def _own_account() -> str | None:
    """The account of the current credentials (AWS_ENDPOINT_URL respected); the policy needs no target set up."""
    import boto3
    import botocore.exceptions

    try:
        return boto3.client("sts").get_caller_identity()["Account"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
        return None


def cmd_status(args: argparse.Namespace) -> int:
    from ..session import setup
    from .progress import table

    session = setup()
    print(session.describe())
    text, _count = table(session)
    print(text)
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from ..session import _interactive, setup
    from .sweep import leftovers, listing, sweep

    session = setup()
    print(session.describe())
    found = leftovers(session)
    print(listing(found))
    if not found or args.dry_run:
        if found:
            print(_("Dry run: nothing was deleted. Run it again without --dry-run to delete all of the above."))
        return 0
    if not args.yes:
        if not _interactive():
            print(_("Nothing was deleted: confirm with --yes (or run it in a terminal, which asks)."), file=sys.stderr)
            return 1
        answer = input(_("Delete all of the above, for {count} learners? Type yes: ").format(count=len(found)))
        if answer.strip().lower() != "yes":
            print(_("Nothing was deleted."))
            return 1
    problems = sweep(session, list(found))
    for prefix in found:
        if prefix in problems:
            print(f"❌ {prefix}: {problems[prefix]}")
        else:
            print(_("✅ {prefix}: nothing left").format(prefix=prefix))
    return 1 if problems else 0
