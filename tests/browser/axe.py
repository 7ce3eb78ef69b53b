"""axe-core in the browser tests: run the vendored audit on a page and fail on what matters.

`assert_accessible(page, name)` runs axe over the whole document with the WCAG 2.0/2.1 A and
AA rules plus axe's best practices, writes the full report to test-output/axe/NAME.json, and
fails listing every serious or critical violation (rule, impact, each element's selector, the
rule's help page), counting the few "needs review" results that a rendered page decides
(DECIDED_WHEN_INCOMPLETE). Minor and moderate findings, and the other results axe could not
decide (text on a gradient, SVG tick labels), stay in the report for a person to read.

axe is injected from tests/browser/vendor (never a CDN). Playwright's `add_script_tag(path=…)`
adds the file's text as an inline script, which the app's Content-Security-Policy
(`script-src 'self'`) refuses; so the pages audited here come from a context made with
`bypass_csp=True` (`audit_context`). That switch is only for the audit tool, which is not part
of the page: every other browser test keeps the policy on, and the policy itself is tested in
tests/web.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

AXE_VERSION = "4.14.1"
AXE_JS = Path(__file__).resolve().parent / "vendor" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
REPORTS = Path(__file__).resolve().parents[2] / "test-output" / "axe"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING_IMPACTS = ("serious", "critical")
# axe files these under "needs review" (incomplete) because an element could still appear
# later, but on a rendered page they are facts: a reference to an id that is not there, one id
# used twice, an aria-label where the role forbids it. They fail like violations.
DECIDED_WHEN_INCOMPLETE = ("aria-valid-attr-value", "duplicate-id-aria", "aria-prohibited-attr")

RUN = """async ([tags, exclude]) => {
  const context = exclude.length ? {exclude: exclude.map((s) => [s])} : document;
  const results = await axe.run(context, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations", "incomplete"],
  });
  return {
    url: results.url,
    testEngine: results.testEngine,
    violations: results.violations,
    incomplete: results.incomplete,
  };
}"""


def audit(page: Any, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """axe's results for the page as it is now, leaving out the elements matching `exclude`
    (CSS selectors); axe is injected once per document."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    version = page.evaluate("window.axe.version")
    assert version == AXE_VERSION, f"axe {version} injected, {AXE_VERSION} expected"
    return page.evaluate(RUN, [TAGS, list(exclude)])  # type: ignore[no-any-return]


def describe(violation: dict[str, Any]) -> str:
    targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
    lines = [
        f"- {violation['id']} ({violation['impact']}): {violation['help']}",
        f"  {violation['helpUrl']}",
    ]
    for node, target in zip(violation["nodes"], targets, strict=True):
        summary = (node.get("failureSummary") or "").replace("\n", " ")
        lines.append(f"  · {target}  — {summary[:300]}")
    return "\n".join(lines)


def serious(results: dict[str, Any]) -> list[dict[str, Any]]:
    decided = [v for v in results["incomplete"] if v["id"] in DECIDED_WHEN_INCOMPLETE]
    return [v for v in results["violations"] + decided if v["impact"] in FAILING_IMPACTS]


def assert_accessible(
    page: Any, name: str, *, exclude: tuple[str, ...] = (), report: bool = True
) -> dict[str, Any]:
    """Fail when axe finds a serious or critical violation on the page (less `exclude`, CSS
    selectors of parts audited on their own); the results otherwise."""
    results = audit(page, exclude)
    if report:
        REPORTS.mkdir(parents=True, exist_ok=True)
        (REPORTS / f"{name}.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    found = serious(results)
    if found:
        pytest.fail(
            f"{name} ({page.url}): {len(found)} serious/critical axe violation(s)\n"
            + "\n".join(describe(v) for v in found),
            pytrace=False,
        )
    return results


@contextmanager
def audit_context(browser: Any, base_url: str, **options: Any) -> Iterator[Any]:
    """A page in a context whose CSP is bypassed so that axe can be injected (see above)."""
    context = browser.new_context(base_url=base_url, bypass_csp=True, **options)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.console_errors = errors
    try:
        yield page
    finally:
        context.close()
