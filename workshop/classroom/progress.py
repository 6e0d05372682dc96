"""`class status`: which steps' checks pass for every learner of the class."""

from __future__ import annotations

from ..checks import check
from ..i18n import _
from ..session import WorkshopSession
from .roster import Learner, as_learner, learners_or_explain

# The steps that build something a check can see (00 is the learner's own machine; 08 and 09 are lessons).
CHECKED_STEPS = ("01", "02", "03", "04", "05", "06", "07")


def progress(session: WorkshopSession, learner: Learner, steps: tuple[str, ...] = CHECKED_STEPS) -> dict[str, bool]:
    """step -> whether its check passes for this learner (checked quietly, as the instructor)."""
    theirs = as_learner(session, learner.prefix)
    return {step: check(step, theirs, quiet=True, raise_on_failure=False).ok for step in steps}


def table(session: WorkshopSession, steps: tuple[str, ...] = CHECKED_STEPS) -> tuple[str, int]:
    """The class's progress as text (one line per learner) and how many learners were found."""
    found = learners_or_explain(session)
    if not found:
        return _("No learner has anything of the workshop here (nothing tagged workshop=serverless-chat)."), 0
    width = max(len(_("learner")), *(len(learner.prefix) for learner in found))
    lines = [f"{_('learner'):{width}}  " + " ".join(steps) + f"  {_('next')}  {_('owner')}"]
    for learner in found:
        passed = progress(session, learner, steps)
        marks = " ".join("✅" if passed[step] else "❌" for step in steps)  # an emoji is 2 columns, like "01"
        stuck = next((step for step in steps if not passed[step]), "—")
        lines.append(f"{learner.prefix:{width}}  {marks}  {stuck:4}  {learner.owner}")
    lines.append(_("✅ the step's check passes · ❌ it does not yet; next = the first step to help with "
                   "(details: WORKSHOP_PREFIX=PREFIX python -m workshop check)"))
    return "\n".join(lines), len(found)
