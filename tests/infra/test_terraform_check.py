"""The offline Terraform checker: terraform/ is clean, and the checker catches real mistakes."""

import re
from pathlib import Path

import pytest

from devstack import terraform_check
from devstack.terraform_check import Finding, check_tree, parse, tf_files
from tests.infra.terraform_support import TERRAFORM_DIR, provider_schema

pytestmark = pytest.mark.infra

TF_FILES = tf_files(TERRAFORM_DIR)


def test_the_tree_has_the_modules_and_roots() -> None:
    relative = {p.relative_to(TERRAFORM_DIR).as_posix() for p in TF_FILES}
    modules = ("kms", "tables", "messaging", "bucket", "queue", "function", "state_machine")
    for module in (*modules, "api", "orders"):
        for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf"):
            assert f"modules/{module}/{name}" in relative
        assert (TERRAFORM_DIR / "modules" / module / "README.md").is_file()
    for env in ("local", "dev", "prod"):
        for name in ("terraform.tf", "providers.tf", "backend.tf", "main.tf", "variables.tf"):
            assert f"envs/{env}/{name}" in relative
        assert (TERRAFORM_DIR / "envs" / env / f"{env}.tfvars").is_file()


@pytest.mark.parametrize("path", TF_FILES, ids=lambda p: p.relative_to(TERRAFORM_DIR).as_posix())
def test_every_tf_file_parses(path: Path) -> None:
    document = parse(path)
    assert document, f"{path} parsed to nothing"


def test_terraform_tree_has_no_findings() -> None:
    findings = check_tree(TERRAFORM_DIR, provider_schema())
    assert [str(f) for f in findings] == []


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _findings(tree: Path) -> set[tuple[str, str, str, str]]:
    return {
        (Path(f.file).relative_to(tree).as_posix(), f.block, f.name, f.message)
        for f in check_tree(tree, provider_schema())
    }


def test_a_misspelt_argument_is_reported(tree_copy: Path) -> None:
    _edit(tree_copy / "modules/tables/main.tf", "billing_mode ", "biling_mode  ")
    assert _findings(tree_copy) == {
        (
            "modules/tables/main.tf",
            "resource.aws_dynamodb_table.this",
            "biling_mode",
            "unknown argument",
        )
    }


def test_a_misspelt_nested_argument_and_block_are_reported(tree_copy: Path) -> None:
    path = tree_copy / "modules/state_machine/main.tf"
    _edit(path, "include_execution_data", "include_execution_date")
    _edit(path, "tracing_configuration {", "tracing_config {")
    assert _findings(tree_copy) == {
        (
            "modules/state_machine/main.tf",
            "resource.aws_sfn_state_machine.this",
            "logging_configuration.include_execution_date",
            "unknown argument",
        ),
        (
            "modules/state_machine/main.tf",
            "resource.aws_sfn_state_machine.this",
            "tracing_config",
            "unknown block",
        ),
    }


def test_a_missing_required_argument_is_reported(tree_copy: Path) -> None:
    path = tree_copy / "modules/function/main.tf"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"\n  role +=[^\n]*", "", text, count=1), encoding="utf-8")
    assert _findings(tree_copy) == {
        (
            "modules/function/main.tf",
            "resource.aws_lambda_function.this",
            "role",
            "required argument missing",
        )
    }


def test_a_required_argument_of_a_dynamic_block_is_checked(tree_copy: Path) -> None:
    _edit(tree_copy / "modules/tables/main.tf", "attribute_name = ttl.value", "attr = ttl.value")
    found = _findings(tree_copy)
    assert (
        "modules/tables/main.tf",
        "resource.aws_dynamodb_table.this",
        "ttl.attr",
        "unknown argument",
    ) in found


def test_a_misspelt_provider_endpoint_is_reported(tree_copy: Path) -> None:
    _edit(tree_copy / "envs/local/providers.tf", "    sfn ", "    sfnx")
    assert _findings(tree_copy) == {
        ("envs/local/providers.tf", "provider.aws", "endpoints.sfnx", "unknown argument")
    }


def test_module_calls_are_checked_against_the_variables(tree_copy: Path) -> None:
    path = tree_copy / "modules/orders/main.tf"
    _edit(path, "  topics         =", "  topic          =")
    assert _findings(tree_copy) == {
        (
            "modules/orders/main.tf",
            "module.messaging",
            "topic",
            "not a variable of ../messaging",
        ),
        (
            "modules/orders/main.tf",
            "module.messaging",
            "topics",
            "required variable of ../messaging not passed",
        ),
    }


def test_an_unknown_resource_type_is_reported(tree_copy: Path) -> None:
    _edit(
        tree_copy / "modules/messaging/main.tf", '"aws_sns_topic" "this"', '"aws_sns_topc" "this"'
    )
    assert _findings(tree_copy) == {
        (
            "modules/messaging/main.tf",
            "resource.aws_sns_topc.this",
            "aws_sns_topc",
            "unknown resource type",
        )
    }


def test_findings_name_file_block_and_name() -> None:
    finding = Finding("a.tf", "resource.aws_x.y", "arg", "unknown argument")
    assert str(finding) == "a.tf: resource.aws_x.y: arg: unknown argument"


def test_the_command_line_reports_and_fails_on_findings(
    tree_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert terraform_check.main([str(tree_copy)]) == 0
    _edit(tree_copy / "modules/tables/main.tf", "billing_mode ", "biling_mode  ")
    assert terraform_check.main([str(tree_copy)]) == 1
    assert "biling_mode: unknown argument" in capsys.readouterr().out
