"""Accessibility audit with axe-core (axe-playwright-python bundles axe.min.js: no network)."""

from axe_playwright_python.sync_playwright import Axe

BLOCKING_IMPACTS = ("serious", "critical")
_axe = Axe()


def audit(page, *, context=None, tags=("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")) -> list[dict]:
    """Run axe-core on the current page; return the violations (dicts from axe-core)."""
    options = {"resultTypes": ["violations"], "runOnly": {"type": "tag", "values": list(tags)}}
    return _axe.run(page, context=context, options=options).response["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({targets}) {v['helpUrl']}")
    return "\n".join(lines)


def assert_no_serious_violations(page, *, context=None, impacts=BLOCKING_IMPACTS) -> list[dict]:
    """Fail when axe-core finds a violation of the given impacts on the current page;
    return the minor/moderate ones so a test may look at them."""
    violations = audit(page, context=context)
    blocking = [v for v in violations if v["impact"] in impacts]
    assert not blocking, f"{page.url}: accessibility violations\n{describe(blocking)}"
    return [v for v in violations if v["impact"] not in impacts]
