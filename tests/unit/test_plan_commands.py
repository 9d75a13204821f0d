"""make plan (devstack/plan.py) and the pipeline's apply, against a stand-in ``terraform``.

The stand-in is a small script first on PATH: it records each call, writes the plan file that
``plan -out`` names, and prints a canned plan for ``show``, so no Terraform, provider or AWS
account is needed.
"""

import json
import os
import sys
from pathlib import Path

import pytest

from devstack import deploy, plan

pytestmark = pytest.mark.unit

PLAN_TEXT = """\
Terraform will perform the following actions:

  # module.orders.aws_sqs_queue.this["review"] will be created
  + resource "aws_sqs_queue" "this" {
      + name = "orders-dev-review"
    }

Plan: 1 to add, 0 to change, 0 to destroy.
"""

FAKE_TERRAFORM = """\
#!{python}
import json, os, sys
arguments = sys.argv[1:]
with open(os.environ["FAKE_TERRAFORM_LOG"], "a") as log:
    log.write(json.dumps(arguments) + "\\n")
command = next(a for a in arguments if not a.startswith("-"))
if command == os.environ.get("FAKE_TERRAFORM_FAILS"):
    print("Error: something went wrong", file=sys.stderr)
    sys.exit(1)
if command == "plan":
    out = next(a for a in arguments if a.startswith("-out="))[len("-out="):]
    with open(out, "w") as plan_file:
        plan_file.write("a saved plan")
if command == "show":
    with open(os.environ["FAKE_TERRAFORM_SHOW"]) as text:
        sys.stdout.write(text.read())
"""


class FakeTerraform:
    def __init__(self, directory: Path) -> None:
        self.log = directory / "calls.jsonl"
        self.show = directory / "show.txt"

    def calls(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def commands(self) -> list[str]:
        return [next(a for a in call if not a.startswith("-")) for call in self.calls()]


@pytest.fixture
def terraform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeTerraform:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "terraform"
    script.write_text(FAKE_TERRAFORM.format(python=sys.executable))
    script.chmod(0o755)
    fake = FakeTerraform(tmp_path)
    fake.show.write_text(PLAN_TEXT)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_TERRAFORM_LOG", str(fake.log))
    monkeypatch.setenv("FAKE_TERRAFORM_SHOW", str(fake.show))
    monkeypatch.setenv("TF_STATE_BUCKET", "orders-terraform-state-123456789012")
    monkeypatch.delenv("FAKE_TERRAFORM_FAILS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.setattr(plan, "PLANS_DIR", tmp_path / "plans")
    return fake


def test_plan_inits_on_the_state_bucket_plans_to_a_file_and_shows_it(
    terraform: FakeTerraform, tmp_path: Path
) -> None:
    assert plan.main(["--env", "dev"]) == 0

    init, planned, shown = terraform.calls()
    assert "-backend-config=bucket=orders-terraform-state-123456789012" in init
    plan_file = tmp_path / "plans" / "dev.tfplan"
    assert {"-var-file=dev.tfvars", f"-out={plan_file}", "-lock-timeout=5m"} <= set(planned)
    assert shown[-3:] == ["show", "-no-color", str(plan_file)]
    assert (tmp_path / "plans" / "dev.txt").read_text() == PLAN_TEXT


def test_in_the_pipeline_the_plan_goes_to_the_job_summary_collapsed_under_its_headline(
    terraform: FakeTerraform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier step output\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))

    assert plan.main(["--env", "prod"]) == 0

    written = summary.read_text()
    assert written.startswith("earlier step output\n### Terraform plan: prod\n")  # appended
    assert "**Plan: 1 to add, 0 to change, 0 to destroy.**" in written
    assert "<details><summary>The plan (8 lines)</summary>" in written
    assert f"```text\n{PLAN_TEXT}```\n" in written
    assert written.rstrip().endswith("</details>")


def test_outside_the_pipeline_nothing_is_written_but_the_plan_files(
    terraform: FakeTerraform, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert plan.main(["--env", "dev"]) == 0

    out = capsys.readouterr().out
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in out
    assert str(tmp_path / "plans" / "dev.txt") in out
    assert "job summary" not in out


def test_a_plan_too_long_for_the_summary_is_cut_at_a_line_and_says_where_the_rest_is() -> None:
    lines = [f'      + tag_{n:05d} = "{"x" * 40}"' for n in range(2000)]
    text = "\n".join([*lines, "", "Plan: 2000 to add, 0 to change, 0 to destroy."]) + "\n"

    summary = plan.render_summary("dev", text, limit=20_000)

    assert len(summary.encode()) <= 20_000
    assert "**Plan: 2000 to add, 0 to change, 0 to destroy.**" in summary  # the headline stays
    body = summary.split("```text\n", 1)[1].split("\n```", 1)[0].splitlines()
    assert body == lines[: len(body)]  # whole lines, from the top
    assert f"_{len(text.splitlines()) - len(body)} more lines are not shown here" in summary
    assert summary.rstrip().endswith("</details>")


def test_a_huge_plan_stays_under_githubs_one_mebibyte_summary_limit() -> None:
    text = "é" * 100 + "\n" + ("  + x = 1\n" * 300_000)  # 3 MB, with multi-byte characters

    summary = plan.render_summary("prod", text)

    assert len(summary.encode()) <= plan.SUMMARY_LIMIT_BYTES < 1024 * 1024


def test_backticks_in_the_plan_cannot_close_its_code_block() -> None:
    text = 'description = "````sh\\nrm -rf /\\n````"\nPlan: 0 to add, 1 to change, 0 to destroy.\n'

    summary = plan.render_summary("dev", text)

    assert "`````text\n" in summary and "\n`````\n" in summary


def test_a_plan_without_changes_says_so() -> None:
    text = "No changes. Your infrastructure matches the configuration.\n"

    assert "**No changes. Your infrastructure matches the configuration.**" in (
        plan.render_summary("dev", text)
    )


def test_without_terraform_the_error_says_how_to_install_it(
    terraform: FakeTerraform,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(deploy, "terraform_binary", lambda: None)

    assert plan.main(["--env", "dev"]) == 1

    error = capsys.readouterr().err
    assert "no `terraform` is on PATH" in error
    assert "Install Terraform" in error
    assert terraform.calls() == []


def test_without_a_state_bucket_the_error_names_the_variable_and_nothing_runs(
    terraform: FakeTerraform,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("TF_STATE_BUCKET")

    assert plan.main(["--env", "prod"]) == 1

    assert "set TF_STATE_BUCKET" in capsys.readouterr().err
    assert terraform.calls() == []


def test_a_failed_plan_fails_the_step_and_says_so_in_the_summary(
    terraform: FakeTerraform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "step_summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("FAKE_TERRAFORM_FAILS", "plan")

    assert plan.main(["--env", "dev"]) == 1

    assert terraform.commands() == ["init", "plan"]
    assert "**The plan failed:** terraform plan failed in terraform/envs/dev" in summary.read_text()


def test_the_local_stack_has_no_plan() -> None:
    with pytest.raises(SystemExit):
        plan.main(["--env", "local"])


def test_the_pipelines_apply_does_not_prompt_and_waits_for_the_lock(
    terraform: FakeTerraform,
) -> None:
    assert deploy.main(["up", "--env", "dev", "--auto-approve"]) == 0

    assert terraform.commands() == ["init", "apply"]
    apply = terraform.calls()[1]
    assert {"-auto-approve", "-lock-timeout=5m", "-var-file=dev.tfvars"} <= set(apply)


def test_a_deploy_from_a_terminal_still_asks_before_applying(terraform: FakeTerraform) -> None:
    assert deploy.main(["up", "--env", "dev"]) == 0

    assert "-auto-approve" not in terraform.calls()[1]
