"""The suite passes every time: no test reads a page a click is still opening, and no test
sleeps for a fixed time without saying why it is safe (read from the syntax tree).

``make test`` runs ``pytest -n 2`` on two cores: an action that only starts a navigation, or
a pause sized for an idle machine, loses the race now and then, and one lost race refuses a
whole submission in CI.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
#: The one place that clicks and submits, and waits for the page that opens.
NAVIGATION_HELPER = TESTS / "support" / "chromium.py"
#: Actions that may start a navigation in a browser test (Selenium's WebElement).
NAVIGATING = ("click", "submit")


def _sources() -> list[tuple[Path, str]]:
    return [(path, path.read_text(encoding="utf-8")) for path in sorted(TESTS.rglob("*.py"))]


def _commented(lines: list[str], node: ast.AST, mark: str) -> bool:
    """``mark`` on the node's line or in a comment line right above it."""
    line = getattr(node, "lineno", 1) - 1
    return mark in lines[line] or (line > 0 and lines[line - 1].strip().startswith(f"# {mark}"))


def unsafe_navigation(source: str) -> list[int]:
    """Lines that call ``.click()`` / ``.submit()`` without a ``# no navigation`` comment."""
    lines = source.splitlines()
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in NAVIGATING
        and not node.args
        and not node.keywords
        and not _commented(lines, node, "no navigation")
    ]


def _in_loop(parents: dict[ast.AST, ast.AST], node: ast.AST) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.For | ast.While):
            return True
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return False
    return False


def unexplained_sleeps(source: str) -> list[int]:
    """Lines of ``time.sleep`` outside a polling loop without a ``# waits …`` comment."""
    tree, lines = ast.parse(source), source.splitlines()
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "sleep"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "time"
        and not _in_loop(parents, node)
        and not _commented(lines, node, "waits")
    ]


def test_navigation_goes_through_the_helper() -> None:
    """``element.click()`` / ``.submit()`` only in tests/support/chromium.py, except where a
    comment says the action opens no page (a script acts in place)."""
    unsafe = [
        f"{path.relative_to(TESTS)}:{line}"
        for path, source in _sources()
        if path != NAVIGATION_HELPER
        for line in unsafe_navigation(source)
    ]
    assert unsafe == [], "use tests.support.chromium.follow() / submit(): " + ", ".join(unsafe)


def test_a_fixed_pause_says_why_it_is_safe() -> None:
    """``time.sleep`` outside a polling loop says what it waits for, and why a slower
    machine cannot break the test (a lower bound, a negative check, a simulated delay)."""
    unexplained = [
        f"{path.relative_to(TESTS)}:{line}"
        for path, source in _sources()
        for line in unexplained_sleeps(source)
    ]
    assert unexplained == [], "say what the pause waits for (# waits …): " + ", ".join(unexplained)


SAMPLE = """
def test_search(driver, box, link):
    box.submit()
    link.click()  # no navigation: a script opens a panel
    time.sleep(1)
    time.sleep(1)  # waits past the TTL
    while True:
        time.sleep(0.1)
"""


def test_the_checks_find_what_they_look_for() -> None:
    assert unsafe_navigation(SAMPLE) == [3]
    assert unexplained_sleeps(SAMPLE) == [5]
