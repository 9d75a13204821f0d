"""ASL files drawn as Mermaid state diagrams: ``make diagram`` and its staleness check.

``mermaid(definition)`` turns one ASL document (JSONPath, as in ``statemachines/``) into a
``stateDiagram-v2``: a box per state with its name, its type, for a Task the integration
(``lambda:invoke``, ``sqs:sendMessage.waitForTaskToken``) and a line naming what it retries;
edges for Next, Choice rules (labelled with the condition), Default (``default``) and Catch
(``catch <errors>``); End, Succeed and Fail lead to ``[*]``. Map and Parallel states are
composite states holding their iterator or their branches (separated by ``--``). Only
constructs documented for stateDiagram-v2 are used, and ``tests/infra/test_mermaid_syntax.py``
parses the output with Mermaid itself. The output depends only on the document, so the same
file always draws the same bytes, and ``--check`` can tell when ``docs/`` or the README is
behind the ASL.

Mermaid ids: a top-level state's id is its name with anything but ``[A-Za-z0-9_]`` turned into
``_``; a state inside a Map or Parallel is qualified by its parent's id (``Load__LoadChunk``),
so equal names in different Maps stay apart. An id that Mermaid's lexer would read as a keyword
(``State``, ``Note``, ``Default``, ...) or that does not start with a letter gets an ``s_``
prefix, and a repeat gets ``_2``, ``_3`` in document order. For tools that colour states (the
console): ``state_ids`` maps each state's path of names (``("Load", "LoadChunk")``) to its id,
``ids_by_name`` each name, as execution history gives it, for definitions whose names are unique
(Step Functions accepts no other).

    python -m devstack.diagram          # write docs/diagrams/*.mmd, docs/workflows.md, README block
    python -m devstack.diagram --check  # exit 1 naming what is out of date; writes nothing
"""

import argparse
import json
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from devstack import asl
from devstack.paths import REPO_ROOT
from devstack.stack import STATE_MACHINES

INDENT = "    "
MAX_LABEL = 64  # characters of a Choice condition on an edge; the ASL has the rest

# Words Mermaid's stateDiagram lexer takes as keywords at the start of a statement, whatever
# their case (its rules are case-insensitive): such a name cannot be an id as it is.
_RESERVED = frozenset(
    {
        "accdescr",
        "acctitle",
        "as",
        "class",
        "classdef",
        "click",
        "default",
        "direction",
        "end",
        "hide",
        "href",
        "note",
        "scale",
        "state",
        "statediagram",
        "style",
    }
)
_UNSAFE = re.compile(r"[^A-Za-z0-9_]")
_OPTIMISED = re.compile(r"^arn:[^:]+:states:::(?P<integration>.+)$")

_COMPARISONS = {
    "Equals": "==",
    "LessThan": "<",
    "GreaterThan": ">",
    "LessThanEquals": "<=",
    "GreaterThanEquals": ">=",
    "Matches": "matches",
}
_TYPE_TESTS = {
    "IsPresent": "present",
    "IsNull": "null",
    "IsNumeric": "numeric",
    "IsString": "string",
    "IsBoolean": "boolean",
    "IsTimestamp": "timestamp",
}
_OPERATOR = re.compile(
    r"^(?:String|Numeric|Boolean|Timestamp)"
    r"(?P<op>Equals|LessThanEquals|GreaterThanEquals|LessThan|GreaterThan|Matches)"
    r"(?P<path>Path)?$"
)


# --- ids ---------------------------------------------------------------------------------


def _children(state: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The sub-documents of a Map (its iterator) or a Parallel (its branches)."""
    for key in ("ItemProcessor", "Iterator"):
        if key in state:
            return [state[key]]
    return list(state.get("Branches", []))


def _walk(document: Mapping[str, Any], parent: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every state's path of names from the top level, in document order, parents first."""
    for name, state in document.get("States", {}).items():
        path = (*parent, name)
        yield path
        for child in _children(state):
            yield from _walk(child, path)


def _safe(name: str) -> str:
    candidate = _UNSAFE.sub("_", name)
    if not candidate[:1].isalpha() or candidate.lower() in _RESERVED:
        candidate = f"s_{candidate}"
    return candidate


def state_ids(definition: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
    """The Mermaid id of every state, nested ones included, by its path of names.

    ``("Load",)`` is a top-level state, ``("Load", "LoadChunk")`` a state in Load's iterator
    (or in one of its branches, for a Parallel). Ids are unique within the diagram.
    """
    ids: dict[tuple[str, ...], str] = {}
    taken: set[str] = set()
    for path in _walk(definition):
        if path in ids:
            raise ValueError(f"state {path[-1]!r} appears twice in the branches of {path[-2]!r}")
        parent = ids.get(path[:-1], "")
        candidate = f"{parent}__{_UNSAFE.sub('_', path[-1])}" if parent else _safe(path[-1])
        unique, counter = candidate, 1
        while unique in taken:
            counter += 1
            unique = f"{candidate}_{counter}"
        ids[path] = unique
        taken.add(unique)
    return ids


def ids_by_name(definition: Mapping[str, Any]) -> dict[str, str]:
    """Mermaid id by state name, the way execution history names states.

    Step Functions requires names to be unique across a definition, nested states included;
    a name that is not is an error here too (``state_ids`` still draws such a document).
    """
    by_name: dict[str, str] = {}
    for path, state_id in state_ids(definition).items():
        if path[-1] in by_name:
            raise ValueError(f"state name {path[-1]!r} is used more than once")
        by_name[path[-1]] = state_id
    return by_name


# --- labels ------------------------------------------------------------------------------


def _text(text: str) -> str:
    """Label text Mermaid's lexer reads whole: no line breaks, ``;`` or ``::``, no ``"``."""
    text = " ".join(text.split()).replace(";", ",").replace('"', "'")
    while "::" in text:
        text = text.replace("::", ": :")
    return text.rstrip(":")


def _edge_text(text: str) -> str:
    """Like ``_text`` but keeps ``"`` (a Choice compares with quoted strings)."""
    return _text(text.replace('"', "\x00")).replace("\x00", '"')


def _shorten(text: str, limit: int = MAX_LABEL) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + " …"


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def condition(rule: Mapping[str, Any]) -> str:
    """A Choice rule as a short expression: ``$.total > 20000``, ``$.id is not present``."""
    if "Condition" in rule:  # JSONata
        return str(rule["Condition"]).removeprefix("{%").removesuffix("%}").strip()
    for combinator in ("And", "Or"):
        if combinator in rule:
            return _joined([condition(inner) for inner in rule[combinator]], combinator.lower())
    if "Not" in rule:
        inner = rule["Not"]
        flipped = _comparison(inner, negate=True)
        return flipped if flipped is not None else f"not ({condition(inner)})"
    found = _comparison(rule, negate=False)
    return found if found is not None else "?"


def _compound(text: str) -> bool:
    """Whether ``text`` has an ``and`` or ``or`` outside parentheses."""
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and text.startswith((" and ", " or "), index):
            return True
    return False


def _joined(parts: Sequence[str], word: str) -> str:
    """``a == 1``, ``a == 2`` -> ``a == 1 or == 2``: a repeated subject is said once."""
    if len(parts) > 1:
        parts = [f"({part})" if _compound(part) else part for part in parts]
    said: list[str] = []
    previous = ""
    for part in parts:
        subject, _, rest = part.partition(" ")
        said.append(rest if subject == previous and subject.startswith("$") and rest else part)
        previous = subject
    return f" {word} ".join(said)


def _comparison(rule: Mapping[str, Any], *, negate: bool) -> str | None:
    variable = rule.get("Variable")
    if variable is None:
        return None
    for key, value in rule.items():
        if key in _TYPE_TESTS:
            holds = bool(value) != negate
            return f"{variable} is {'' if holds else 'not '}{_TYPE_TESTS[key]}"
        match = _OPERATOR.match(key)
        if match:
            operator = _COMPARISONS[match["op"]]
            if negate:
                if operator != "==":
                    return None
                operator = "!="
            shown = str(value) if match["path"] else _value(value)
            return f"{variable} {operator} {shown}"
    return None


def integration(resource: str) -> str:
    """``arn:aws:states:::lambda:invoke`` -> ``lambda:invoke``; a function ARN -> ``lambda``."""
    match = _OPTIMISED.match(resource)
    if match:
        return match["integration"]
    if ":lambda:" in resource:
        return "lambda"
    if ":activity:" in resource:
        return "activity"
    return resource


def retries(state: Mapping[str, Any]) -> str:
    """The errors a state retries, compactly: ``retry 4 DynamoDB errors, States.Timeout``.

    A service's errors (``DynamoDB.ThrottlingException``, ...) are counted when there are
    several; the others are named. Retriers with ``MaxAttempts: 0`` are shown as exceptions.
    """
    retried: list[str] = []
    never: list[str] = []
    for retrier in state.get("Retry", []):
        into = never if retrier.get("MaxAttempts", 3) == 0 else retried
        into.extend(error for error in retrier["ErrorEquals"] if error not in into)
    if not retried:
        return ""
    namespaces: dict[str, int] = {}
    for error in retried:
        namespace, dot, _ = error.partition(".")
        if dot and namespace != "States":
            namespaces[namespace] = namespaces.get(namespace, 0) + 1
    shown: list[str] = []
    for error in retried:
        namespace = error.partition(".")[0]
        if namespaces.get(namespace, 0) > 1:
            summary = f"{namespaces[namespace]} {namespace} errors"
            if summary not in shown:
                shown.append(summary)
        else:
            shown.append(error)
    text = "retry " + ", ".join(shown)
    return f"{text} except {', '.join(never)}" if never else text


def describe(state: Mapping[str, Any]) -> list[str]:
    """The lines under a state's name: its type (with the integration) and its retries."""
    kind = str(state["Type"])
    if kind == "Task":
        kind = f"Task · {integration(str(state['Resource']))}"
    elif kind == "Wait" and "Seconds" in state:
        kind = f"Wait · {state['Seconds']} s"
    elif kind == "Fail" and "Error" in state:
        kind = f"Fail · {state['Error']}"
    lines = [kind]
    retry = retries(state)
    if retry:
        lines.append(retry)
    return lines


# --- the diagram -------------------------------------------------------------------------


def _edges(
    state: Mapping[str, Any], ids: Mapping[tuple[str, ...], str], scope: tuple[str, ...]
) -> Iterator[tuple[str, str]]:
    """(target id, label) of each edge leaving a state; ``[*]`` for the end of its scope."""

    def target(name: str) -> str:
        return ids[(*scope, name)]

    if state["Type"] == "Choice":
        labels: dict[str, list[str]] = {}
        for rule in state.get("Choices", []):
            labels.setdefault(rule["Next"], []).append(condition(rule))
        for name, conditions in labels.items():
            yield target(name), _shorten(_joined(conditions, "or"))
        if "Default" in state:
            yield target(state["Default"]), "default"
    if "Next" in state:
        yield target(state["Next"]), ""
    if state.get("End") or state["Type"] in ("Succeed", "Fail"):
        yield "[*]", ""
    for catcher in state.get("Catch", []):
        yield target(catcher["Next"]), "catch " + ", ".join(catcher["ErrorEquals"])


def _scope(
    document: Mapping[str, Any],
    ids: Mapping[tuple[str, ...], str],
    scope: tuple[str, ...],
    depth: int,
) -> list[str]:
    pad = INDENT * depth
    lines: list[str] = []
    states: Mapping[str, Mapping[str, Any]] = document.get("States", {})
    for name, state in states.items():
        state_id = ids[(*scope, name)]
        children = _children(state)
        if children:  # a composite state shows its name, type and retries in its title
            title = " · ".join([name, state["Type"], *filter(None, [retries(state)])])
            lines.append(f'{pad}state "{_text(title)}" as {state_id} {{')
            for index, child in enumerate(children):
                if index:
                    lines.append(f"{pad}{INDENT}--")
                lines.extend(_scope(child, ids, (*scope, name), depth + 1))
            lines.append(f"{pad}}}")
        else:
            lines.append(f'{pad}state "{_text(name)}" as {state_id}')
            lines.extend(f"{pad}{state_id} : {_text(line)}" for line in describe(state))
    lines.append(f"{pad}[*] --> {ids[(*scope, document['StartAt'])]}")
    for name, state in states.items():
        state_id = ids[(*scope, name)]
        for target, label in _edges(state, ids, scope):
            suffix = f" : {_edge_text(label)}" if label else ""
            lines.append(f"{pad}{state_id} --> {target}{suffix}")
    return lines


def mermaid(definition: Mapping[str, Any]) -> str:
    """The ``stateDiagram-v2`` source for an ASL document, ending with a newline."""
    lines = ["stateDiagram-v2", *_scope(definition, state_ids(definition), (), 1)]
    return "\n".join(lines) + "\n"


# --- the files make diagram writes -------------------------------------------------------

DIAGRAMS_DIR = Path("docs") / "diagrams"
WORKFLOWS_DOC = Path("docs") / "workflows.md"
README = Path("README.md")
README_START = "<!-- diagrams:start (make diagram writes this block) -->"
README_END = "<!-- diagrams:end -->"
_TYPES = {"EXPRESS": "Express", "STANDARD": "Standard"}


def _fenced(source: str) -> str:
    return f"```mermaid\n{source}```\n"


def _workflows() -> list[tuple[str, str, dict[str, Any]]]:
    """(key, Express or Standard, ASL document) of each state machine, in the stack's order."""
    return [
        (machine.key, _TYPES[machine.type], asl.load(Path(machine.definition_file)))
        for machine in STATE_MACHINES
    ]


def _workflows_doc(workflows: Sequence[tuple[str, str, dict[str, Any]]]) -> str:
    parts = [
        "# The workflows\n\n"
        "Generated by `make diagram` from `statemachines/*.asl.json`: edit the ASL, not this\n"
        "file (`tests/unit/test_diagram.py` fails while it is out of date). Each box is a state:\n"
        "its name, its type and, for a Task, the service integration and the errors it retries.\n"
        "Edges carry the Choice conditions (`default` for the Default) and `catch <errors>` for\n"
        "a Catch. Map and Parallel states hold their iterator or branches.\n"
    ]
    for key, kind, document in workflows:
        comment = str(document.get("Comment", "")).replace("&", "&amp;").replace("<", "&lt;")
        parts.append(
            f"\n## {key} ({kind})\n\n{comment}\n\n"
            f"Source: [`statemachines/{key}.asl.json`](../statemachines/{key}.asl.json), "
            f"raw Mermaid: [`diagrams/{key}.mmd`](diagrams/{key}.mmd).\n\n"
            f"{_fenced(mermaid(document))}"
        )
    return "".join(parts)


def _readme_block(workflows: Sequence[tuple[str, str, dict[str, Any]]]) -> str:
    sections = [
        f"### {key} ({kind})\n\n{_fenced(mermaid(document))}" for key, kind, document in workflows
    ]
    return f"{README_START}\n\n" + "\n".join(sections) + f"\n{README_END}"


def _with_block(readme: str, block: str) -> str:
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        raise ValueError(f"README.md has no {README_START} ... {README_END} markers")
    return readme[:start] + block + readme[end + len(README_END) :]


def expected(root: Path = REPO_ROOT) -> dict[Path, str]:
    """What each generated file under ``root`` should hold, by relative path.

    The ASL always comes from ``statemachines/`` (``STATE_MACHINES``); ``root`` only says where
    the generated files and the README are (the tests point it at a temporary directory).
    """
    workflows = _workflows()
    files = {DIAGRAMS_DIR / f"{key}.mmd": mermaid(document) for key, _, document in workflows}
    files[WORKFLOWS_DOC] = _workflows_doc(workflows)
    files[README] = _with_block(
        (root / README).read_text(encoding="utf-8"), _readme_block(workflows)
    )
    return files


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


def stale(root: Path = REPO_ROOT) -> list[Path]:
    """Generated files that differ from what the ASL draws now, and diagrams of no workflow."""
    wanted = expected(root)
    outdated = [path for path, text in wanted.items() if _read(root / path) != text]
    leftovers = sorted(
        path.relative_to(root)
        for path in (root / DIAGRAMS_DIR).glob("*.mmd")
        if path.relative_to(root) not in wanted
    )
    return outdated + leftovers


def write(root: Path = REPO_ROOT) -> list[Path]:
    """Bring the generated files up to date; returns the ones that changed."""
    changed = stale(root)
    wanted = expected(root)
    for path in changed:
        if path in wanted:
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(wanted[path], encoding="utf-8")
        else:
            (root / path).unlink()
    return changed


def main(argv: Sequence[str] | None = None, root: Path = REPO_ROOT) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if a generated file is out of date"
    )
    args = parser.parse_args(argv)
    if args.check:
        outdated = stale(root)
        for path in outdated:
            print(f"out of date: {path}", file=sys.stderr)
        if outdated:
            print("run make diagram", file=sys.stderr)
            return 1
        print("diagrams: up to date")
        return 0
    changed = write(root)
    for path in changed:
        print(f"wrote {path}")
    if not changed:
        print("diagrams: up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
