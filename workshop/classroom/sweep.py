"""`class sweep`: list every learner's leftovers (found by tag), then delete them with step 10, learner by learner."""

from __future__ import annotations

from ..cleanup import find_leftovers
from ..i18n import _
from ..session import WorkshopSession
from ..steps import run_step
from .roster import as_learner, learners_or_explain


def leftovers(session: WorkshopSession) -> dict[str, list[tuple[str, str, str]]]:
    """prefix -> (kind, name, id) of what step 10 would delete for that learner (learners found by tag)."""
    found = {}
    for learner in learners_or_explain(session):
        resources = find_leftovers(as_learner(session, learner.prefix))
        if resources:
            found[learner.prefix] = resources
    return found


def listing(found: dict[str, list[tuple[str, str, str]]]) -> str:
    if not found:
        return _("Nothing to sweep: no learner has anything of the workshop left here.")
    lines = []
    for prefix, resources in found.items():
        lines.append(_("learner {prefix}: {count} resources").format(prefix=prefix, count=len(resources)))
        lines += [f"  {kind:9} {name}" for kind, name, _id in resources]
    return "\n".join(lines)


def sweep(session: WorkshopSession, prefixes: list[str]) -> dict[str, str]:
    """Run step 10 (the clean-up notebook's code) for each prefix; return prefix -> what went wrong, if anything."""
    problems = {}
    for prefix in prefixes:
        try:
            # Step 10 builds its own session from the environment: the same target, this learner's prefix. The
            # instructor confirmed the target and the listing already, so it does not ask again.
            run_step("10", quiet=True, env={"WORKSHOP_PREFIX": prefix, "WORKSHOP_DRY_RUN": "0",
                                            "WORKSHOP_CONFIRM": "yes"})
        except Exception as error:  # noqa: BLE001 - one learner's failure must not stop the others' sweep
            problems[prefix] = f"{type(error).__name__}: {error}"
            continue
        left = find_leftovers(as_learner(session, prefix))
        if left:
            problems[prefix] = _("still there: {names}").format(names=", ".join(name for _k, name, _i in left))
    return problems
