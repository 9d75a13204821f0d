"""make diagram: ASL documents drawn as Mermaid state diagrams (devstack/diagram.py).

Small hand-written documents pin each construct (Choice and Catch labels, Map and Parallel
nesting, ids); the real ASL files must each show every state; and the committed docs/ files and
README block must equal what the ASL draws now.
"""

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest

from devstack import asl, diagram
from devstack.paths import REPO_ROOT, STATEMACHINES_DIR

pytestmark = pytest.mark.unit

ASL_FILES = sorted(STATEMACHINES_DIR.glob("*.asl.json"))
DECLARATION = re.compile(r'^\s*state "(?P<label>[^"]*)" as (?P<id>\w+)', re.MULTILINE)


def task(resource: str = "arn:aws:states:::lambda:invoke", **fields: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": resource, **fields}


def machine(states: dict[str, Any], start: str | None = None) -> dict[str, Any]:
    return {"StartAt": start or next(iter(states)), "States": states}


def edges(source: str) -> list[str]:
    return [line.strip() for line in source.splitlines() if "-->" in line]


def declared(source: str) -> dict[str, str]:
    """Mermaid id -> label of every ``state "label" as id`` line."""
    return {match["id"]: match["label"] for match in DECLARATION.finditer(source)}


def every_state_name(document: dict[str, Any]) -> list[str]:
    names = []
    for name, state in document["States"].items():
        names.append(name)
        for child in [
            state.get("ItemProcessor"),
            state.get("Iterator"),
            *state.get("Branches", []),
        ]:
            if child:
                names.extend(every_state_name(child))
    return names


# --- Choice, Catch, End ------------------------------------------------------------------


def test_choice_edges_carry_their_condition_and_default() -> None:
    document = machine(
        {
            "NeedsApproval": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.total", "NumericGreaterThan": 20000, "Next": "Approve"},
                    {"Variable": "$.processor", "StringEquals": "stripe", "Next": "Charge"},
                    {"Not": {"Variable": "$.email", "IsPresent": True}, "Next": "Reject"},
                    {
                        "And": [
                            {"Variable": "$.count", "NumericGreaterThanEquals": 1},
                            {"Variable": "$.count", "NumericLessThanPath": "$.limit"},
                        ],
                        "Next": "Charge",
                    },
                ],
                "Default": "Ship",
            },
            "Approve": {"Type": "Succeed"},
            "Charge": {"Type": "Succeed"},
            "Reject": {"Type": "Succeed"},
            "Ship": {"Type": "Succeed"},
        }
    )

    lines = edges(diagram.mermaid(document))

    assert "NeedsApproval --> Approve : $.total > 20000" in lines
    # Rules to the same state share one edge; a repeated subject is said once.
    assert (
        'NeedsApproval --> Charge : $.processor == "stripe" or ($.count >= 1 and < $.limit)'
        in lines
    )
    assert "NeedsApproval --> Reject : $.email is not present" in lines
    assert "NeedsApproval --> Ship : default" in lines


def test_a_long_condition_is_cut_short_at_a_word() -> None:
    rules = [{"Variable": "$.json", "StringMatches": f"*{c}*"} for c in "abcdefghijklmnop"]
    document = machine(
        {
            "Check": {"Type": "Choice", "Choices": [{"Or": rules, "Next": "Bad"}], "Default": "Ok"},
            "Bad": {"Type": "Fail"},
            "Ok": {"Type": "Succeed"},
        }
    )

    (line,) = [line for line in edges(diagram.mermaid(document)) if "--> Bad" in line]
    label = line.split(" : ", 1)[1]

    assert label.startswith('$.json matches "*a*" or matches "*b*"')
    assert label.endswith(" …")
    assert len(label) <= diagram.MAX_LABEL


def test_catch_edges_name_the_errors_and_terminal_states_lead_to_the_end() -> None:
    document = machine(
        {
            "Charge": task(
                Catch=[
                    {"ErrorEquals": ["PaymentDeclined"], "Next": "Declined"},
                    {"ErrorEquals": ["States.Timeout", "States.TaskFailed"], "Next": "Failed"},
                ],
                Next="Done",
            ),
            "Declined": {"Type": "Pass", "End": True},
            "Failed": {"Type": "Fail", "Error": "PaymentFailed"},
            "Done": {"Type": "Succeed"},
        }
    )

    source = diagram.mermaid(document)
    lines = edges(source)

    assert lines[0] == "[*] --> Charge"
    assert "Charge --> Done" in lines
    assert "Charge --> Declined : catch PaymentDeclined" in lines
    assert "Charge --> Failed : catch States.Timeout, States.TaskFailed" in lines
    assert {"Declined --> [*]", "Failed --> [*]", "Done --> [*]"} <= set(lines)
    assert "Failed : Fail · PaymentFailed" in source


# --- what a box says ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "shown"),
    [
        ("arn:aws:states:::lambda:invoke", "lambda:invoke"),
        ("arn:aws:states:::dynamodb:updateItem", "dynamodb:updateItem"),
        ("arn:aws:states:::sqs:sendMessage.waitForTaskToken", "sqs:sendMessage.waitForTaskToken"),
        ("arn:aws:states:::states:startExecution.sync:2", "states:startExecution.sync:2"),
        ("arn:aws:lambda:eu-west-2:123456789012:function:charge", "lambda"),
    ],
)
def test_a_task_box_shows_its_integration(resource: str, shown: str) -> None:
    source = diagram.mermaid(machine({"Work": task(resource, End=True)}))

    assert f"Work : Task · {shown}\n" in source


def test_retries_are_summarised_by_service_and_exceptions_named() -> None:
    state = task(
        Retry=[
            {"ErrorEquals": ["ValidationError"], "MaxAttempts": 0},
            {
                "ErrorEquals": [
                    "Lambda.ServiceException",
                    "Lambda.TooManyRequestsException",
                    "CarrierUnavailable",
                    "SNS.ThrottledException",
                    "States.Timeout",
                ]
            },
        ],
        End=True,
    )

    assert diagram.retries(state) == (
        "retry 2 Lambda errors, CarrierUnavailable, SNS.ThrottledException, States.Timeout "
        "except ValidationError"
    )
    assert "Work : retry 2 Lambda errors" in diagram.mermaid(machine({"Work": state}))
    assert diagram.retries(task(End=True)) == ""


def test_a_composite_state_shows_its_retries_in_its_title() -> None:
    document = machine(
        {
            "Load": {
                "Type": "Map",
                "ItemProcessor": machine({"LoadChunk": task(End=True)}),
                "Retry": [{"ErrorEquals": ["States.TaskFailed"]}],
                "End": True,
            }
        }
    )

    assert declared(diagram.mermaid(document))["Load"] == "Load · Map · retry States.TaskFailed"


# --- Map and Parallel --------------------------------------------------------------------


def test_map_and_parallel_are_composite_states_holding_their_states() -> None:
    document = machine(
        {
            "Reserve": {
                "Type": "Map",
                "ItemProcessor": machine(
                    {"ReserveItem": task("arn:aws:states:::dynamodb:updateItem", End=True)}
                ),
                "Next": "Notify",
            },
            "Notify": {
                "Type": "Parallel",
                "Branches": [
                    machine({"Email": task("arn:aws:states:::sns:publish", End=True)}),
                    machine({"Emit": task("arn:aws:states:::events:putEvents", End=True)}),
                ],
                "End": True,
            },
        }
    )

    source = diagram.mermaid(document)

    assert (
        '    state "Reserve · Map" as Reserve {\n'
        '        state "ReserveItem" as Reserve__ReserveItem\n'
        "        Reserve__ReserveItem : Task · dynamodb:updateItem\n"
        "        [*] --> Reserve__ReserveItem\n"
        "        Reserve__ReserveItem --> [*]\n"
        "    }\n"
    ) in source
    assert (
        '    state "Notify · Parallel" as Notify {\n'
        '        state "Email" as Notify__Email\n'
        "        Notify__Email : Task · sns:publish\n"
        "        [*] --> Notify__Email\n"
        "        Notify__Email --> [*]\n"
        "        --\n"
        '        state "Emit" as Notify__Emit\n'
        "        Notify__Emit : Task · events:putEvents\n"
        "        [*] --> Notify__Emit\n"
        "        Notify__Emit --> [*]\n"
        "    }\n"
    ) in source
    assert "    Reserve --> Notify\n" in source


# --- ids -----------------------------------------------------------------------------------


def test_equal_names_in_different_maps_get_different_ids() -> None:
    def mapping(next_state: dict[str, Any]) -> dict[str, Any]:
        return {"Type": "Map", "ItemProcessor": machine({"Step": task(End=True)}), **next_state}

    document = machine({"First": mapping({"Next": "Second"}), "Second": mapping({"End": True})})

    ids = diagram.state_ids(document)

    assert ids[("First", "Step")] == "First__Step"
    assert ids[("Second", "Step")] == "Second__Step"
    assert declared(diagram.mermaid(document))["Second__Step"] == "Step"
    with pytest.raises(ValueError, match="'Step' is used more than once"):
        diagram.ids_by_name(document)


def test_ids_are_safe_for_mermaid_and_unique() -> None:
    names = ["Charge card!", "Charge_card_", "State", "note", "1st", "Done"]
    states: dict[str, Any] = {
        name: {"Type": "Pass", "Next": after} for name, after in itertools.pairwise(names)
    }
    states["Done"] = {"Type": "Succeed"}
    document = machine(states)

    ids = diagram.ids_by_name(document)

    assert ids == {
        "Charge card!": "Charge_card_",
        "Charge_card_": "Charge_card__2",
        "State": "s_State",
        "note": "s_note",
        "1st": "s_1st",
        "Done": "Done",
    }
    source = diagram.mermaid(document)
    assert declared(source)["s_State"] == "State"
    assert "Charge_card_ --> Charge_card__2" in edges(source)


def test_labels_lose_what_mermaid_would_misread() -> None:
    document = machine({'Say "hi"; then::go': {"Type": "Pass", "End": True}})

    source = diagram.mermaid(document)

    assert declared(source) == {"Say__hi___then__go": "Say 'hi', then: :go"}


def test_the_same_document_draws_the_same_bytes() -> None:
    path = STATEMACHINES_DIR / "order_processing.asl.json"

    first = diagram.mermaid(asl.load(path))
    second = diagram.mermaid(json.loads(path.read_text(encoding="utf-8")))

    assert first == second
    assert first.startswith("stateDiagram-v2\n")
    assert first.endswith("\n")


# --- the real files ----------------------------------------------------------------------


def test_there_are_asl_files() -> None:
    assert len(ASL_FILES) >= 4


@pytest.mark.parametrize("path", ASL_FILES, ids=lambda path: path.name)
def test_every_state_of_an_asl_file_is_in_its_diagram(path: Path) -> None:
    document = asl.load(path)
    names = every_state_name(document)

    boxes = declared(diagram.mermaid(document))

    labels = sorted(label.split(" · ")[0] for label in boxes.values())
    assert labels == sorted(names)
    assert len(boxes) == len(names)  # one id per state, none shared


def test_the_committed_diagrams_match_the_asl() -> None:
    stale = diagram.stale(REPO_ROOT)

    assert not stale, f"out of date: {', '.join(map(str, stale))}: run make diagram"


def test_check_names_stale_files_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "README.md").write_text(
        f"# Title\n\n{diagram.README_START}\n{diagram.README_END}\n", encoding="utf-8"
    )
    leftover = tmp_path / "docs" / "diagrams" / "retired.mmd"
    leftover.parent.mkdir(parents=True)
    leftover.write_text("stateDiagram-v2\n", encoding="utf-8")
    readme_before = (tmp_path / "README.md").read_text(encoding="utf-8")

    assert diagram.main(["--check"], root=tmp_path) == 1

    err = capsys.readouterr().err
    assert "out of date: docs/workflows.md" in err
    assert "out of date: README.md" in err
    assert "out of date: docs/diagrams/retired.mmd" in err
    assert "run make diagram" in err
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == readme_before
    assert sorted(p.name for p in (tmp_path / "docs").rglob("*")) == ["diagrams", "retired.mmd"]

    assert diagram.main([], root=tmp_path) == 0
    assert diagram.main(["--check"], root=tmp_path) == 0
    assert not leftover.exists()
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# Title\n\n<!-- diagrams:start")
    assert readme.count("```mermaid\nstateDiagram-v2\n") == len(ASL_FILES)
