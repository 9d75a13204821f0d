"""``make plan ENV=dev|prod``: the Terraform plan of an AWS environment, shown readably.

The same steps locally and in the pipeline (``.github/workflows/deploy.yml`` runs this target
and nothing else): ``terraform init`` against the S3 state named by ``TF_STATE_BUCKET`` (as
``make deploy`` does), ``terraform plan -out`` into ``.local/plans/<env>.tfplan``, then
``terraform show -no-color`` of that file into ``.local/plans/<env>.txt``. ``terraform apply
.local/plans/<env>.tfplan`` (from ``terraform/envs/<env>``) applies exactly what was shown.

Where ``GITHUB_STEP_SUMMARY`` names a file (a GitHub Actions step), the plan also goes into the
job summary: its headline (``Plan: 2 to add, 1 to change, 0 to destroy.``) and the whole text in
a collapsed block, cut at a line to stay under the summary's 1 MiB limit (the job log has all
of it, as ``terraform plan`` prints it there).
"""

import argparse
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from devstack import background
from devstack.deploy import (
    TERRAFORM_DIR,
    DeployError,
    require_terraform,
    step,
    terraform,
    terraform_init_remote,
)

ENVIRONMENTS = ("dev", "prod")  # the roots with S3 state; the local stack has no plan to review
PLANS_DIR = background.LOCAL_DIR / "plans"
# GitHub rejects a step summary over 1 MiB; this leaves room for what a step may add.
SUMMARY_LIMIT_BYTES = 1_000_000
LOCK_TIMEOUT = "5m"  # a plan waits this long for an apply (or another plan) holding the lock
_HEADLINE = re.compile(r"^(Plan: .*|No changes\..*|Changes to Outputs:)$", re.MULTILINE)


@dataclass(frozen=True)
class Plan:
    environment: str
    text: str  # terraform show -no-color of the saved plan
    plan_file: Path
    text_file: Path

    @property
    def headline(self) -> str:
        return headline(self.text)


def headline(text: str) -> str:
    """The line that says what the plan does, or a pointer to the text if it has none."""
    found: list[str] = _HEADLINE.findall(text)
    if not found:
        return "See the plan below."
    plans = [line for line in found if line.startswith(("Plan:", "No changes."))]
    return plans[-1] if plans else found[-1]


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in ``text``, so nothing in it closes it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _cut(text: str, budget: int) -> tuple[str, int]:
    """``text`` cut at a line to at most ``budget`` UTF-8 bytes; and how many lines it left out."""
    if len(text.encode()) <= budget:
        return text, 0
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    size = 0
    for line in lines:
        size += len(line.encode())
        if size > budget:
            break
        kept.append(line)
    return "".join(kept), len(lines) - len(kept)


def render_summary(environment: str, text: str, limit: int = SUMMARY_LIMIT_BYTES) -> str:
    """Markdown for the job summary: the headline, then the plan in a collapsed block.

    The result is at most ``limit`` bytes: a plan too long for it is cut at a line, and the
    summary says how many lines were left out and where the whole plan is.
    """
    lines = len(text.splitlines())

    def page(body: str, omitted: int) -> str:
        fence = _fence(body)
        note = (
            f"\n_{omitted} more lines are not shown here (a job summary holds 1 MiB): the whole "
            "plan is in this job's log._\n"
            if omitted
            else ""
        )
        return (
            f"### Terraform plan: {environment}\n\n"
            f"**{headline(text)}**\n\n"
            f"<details><summary>The plan ({lines} lines)</summary>\n\n"
            f"{fence}text\n{body.rstrip(chr(10))}\n{fence}\n{note}\n</details>\n"
        )

    summary = page(text, 0)
    if len(summary.encode()) <= limit:
        return summary
    # The frame around the body: the longest fence it can need and the note, at their largest.
    frame = len(page("", lines).encode()) + 2 * len(_fence(text))
    body, omitted = _cut(text, max(0, limit - frame))
    summary = page(body, omitted)
    assert len(summary.encode()) <= limit, "the summary frame was underestimated"
    return summary


def failure_summary(environment: str, error: str) -> str:
    return (
        f"### Terraform plan: {environment}\n\n**The plan failed:** {error}\n\n"
        "Terraform's own message is in this job's log.\n"
    )


def show(environment: str, plan_file: Path) -> str:
    """``terraform show -no-color`` of a saved plan, as text."""
    binary = require_terraform(environment)
    root = TERRAFORM_DIR / environment
    result = subprocess.run(
        [binary, f"-chdir={root}", "show", "-no-color", str(plan_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise DeployError(f"terraform show of {plan_file} failed: {result.stderr.strip()[-500:]}")
    return result.stdout


def plan(environment: str, plans_dir: Path | None = None) -> Plan:
    """Init against the S3 state, plan into ``plans_dir``, and read the plan back as text."""
    terraform_init_remote(environment)
    plans_dir = plans_dir or PLANS_DIR
    plans_dir.mkdir(parents=True, exist_ok=True)
    plan_file = (plans_dir / f"{environment}.tfplan").resolve()
    terraform(
        environment,
        "plan",
        "-input=false",
        f"-lock-timeout={LOCK_TIMEOUT}",
        f"-var-file={environment}.tfvars",
        f"-out={plan_file}",
    )
    text = show(environment, plan_file)
    text_file = plan_file.with_suffix(".txt")
    text_file.write_text(text, encoding="utf-8")
    return Plan(environment, text, plan_file, text_file)


def write_summary(markdown: str) -> Path | None:
    """Append to the job summary where GitHub Actions names one; None elsewhere."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    path = Path(target)
    with path.open("a", encoding="utf-8") as summary:
        summary.write(markdown)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True, choices=ENVIRONMENTS)
    args = parser.parse_args(argv)
    try:
        result = plan(args.env)
    except DeployError as error:
        write_summary(failure_summary(args.env, str(error)))
        print(f"error: {error}", file=sys.stderr)
        return 1
    summary = write_summary(render_summary(args.env, result.text))
    step(result.headline)
    print(f"    the plan as text: {result.text_file}")
    print(
        "    to apply exactly this plan: "
        f"terraform -chdir=terraform/envs/{args.env} apply {result.plan_file}"
    )
    if summary is not None:
        print(f"    written to the job summary ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
