"""``make deploy``, ``make destroy``, ``make down``.

With no environment named, deploy builds the whole stack on MiniStack, an AWS emulator this
command starts itself on 127.0.0.1:4566: with Terraform (the ``terraform/envs/local`` root)
where a ``terraform`` binary is installed, otherwise with the provisioning module, which
creates the same resources through the AWS APIs. It then seeds the catalogue and stock,
starts the local API gateway, places one smoke order through it, and prints the URL and a
curl to paste. ``ENV=dev`` or ``ENV=prod`` deploys to AWS with Terraform only; with
``--canary 0.1`` the live aliases keep what they serve and send that share of traffic to the
new versions (``devstack/release.py``), and a deploy without it moves live fully to them.
"""

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

from devstack import background, release
from devstack.console import console_url
from devstack.package import read_package
from devstack.paths import REPO_ROOT, SAMPLE_ORDERS_FILE
from devstack.stack import DEFAULT_REGION, Naming

ENVIRONMENTS = ("local", "dev", "prod")
TERRAFORM_DIR = REPO_ROOT / "terraform" / "envs"
STATE_FILE = background.LOCAL_DIR / "stack.json"
GATEWAY = background.BackgroundProcess("gateway", marker=b"devstack.local_gateway")
GATEWAY_PORT = 3000


class DeployError(Exception):
    pass


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def terraform_binary() -> str | None:
    return shutil.which("terraform")


def terraform_init_local() -> bool:
    """``terraform init`` the local root; False (with the reason shown) where it cannot."""
    binary = terraform_binary()
    if binary is None:
        return False
    root = TERRAFORM_DIR / "local"
    step("terraform init (terraform/envs/local)")
    result = subprocess.run(
        [binary, f"-chdir={root}", "init", "-input=false", "-no-color"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        return True
    reason = [line for line in result.stderr.splitlines() if line.strip()][-3:]
    print("    terraform init failed (offline, or providers unavailable):", flush=True)
    for line in reason:
        print(f"      {line.strip()}")
    return False


def require_terraform(environment: str) -> str:
    binary = terraform_binary()
    if binary is None:
        raise DeployError(
            f"ENV={environment} deploys with Terraform, and no `terraform` is on PATH. "
            "Install Terraform >= 1.10 (https://developer.hashicorp.com/terraform/install)."
        )
    return binary


def terraform(environment: str, *arguments: str) -> None:
    binary = require_terraform(environment)
    root = TERRAFORM_DIR / environment
    command = [binary, f"-chdir={root}", *arguments]
    step(" ".join(["terraform", *arguments]))
    if subprocess.run(command, check=False).returncode != 0:
        raise DeployError(f"terraform {arguments[0]} failed in {root.relative_to(REPO_ROOT)}")


def smoke_order() -> dict[str, Any]:
    samples = json.loads(SAMPLE_ORDERS_FILE.read_text(encoding="utf-8"))
    order: dict[str, Any] = samples[0]["order"]
    return {**order, "orderId": f"smoke-{int(time.time() * 1000)}"}


def post_order(url: str, api_key: str, order: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        f"{url}/orders",
        data=json.dumps(order).encode(),
        headers={"Content-Type": "application/json", "x-api-key": api_key},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def wait_for_gateway(url: str, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/orders/health-probe", timeout=1)
        except urllib.error.HTTPError:
            return  # it answered (403 without a key): it is up
        except OSError:
            time.sleep(0.2)
    raise DeployError(f"the local gateway did not start:\n{GATEWAY.log_tail()}")


def curl_example(url: str, api_key: str) -> str:
    order = json.dumps(smoke_order() | {"orderId": "my-first-order"})
    return (
        f"curl -s -X POST {url}/orders -H 'x-api-key: {api_key}' "
        f"-H 'Content-Type: application/json' -d '{order}'"
    )


def apply_local_root(local_stack: Any, port: int, state_file: str | None = None) -> None:
    """Apply terraform/envs/local on the MiniStack at ``port`` and seed it; DeployError if not.

    ``state_file`` keeps a second stack's state apart (the integration tests' own emulator)
    from the root's default ``terraform.tfstate``.
    """
    step("Applying terraform/envs/local")
    inputs = local_stack.prepare_terraform_inputs(function_package=read_package)
    arguments = [
        f"-var=package_dir={local_stack.TERRAFORM_INPUTS_DIR}",
        f"-var=local_layer_zip={inputs['local_layer_zip']}",
        f"-var=endpoint=http://127.0.0.1:{port}",
    ]
    if state_file is not None:
        arguments.append(f"-state={state_file}")  # the local backend's own option
    terraform("local", "apply", "-auto-approve", "-input=false", *arguments)
    step("Seeding the catalogue and stock")
    local_stack.seed(port)


def up_local() -> None:
    from devstack import local_stack, ministack  # noqa: PLC0415 - local target only

    started = time.monotonic()
    stop_local(quiet=True)
    step("Starting MiniStack on 127.0.0.1:4566 (log: .local/ministack.log)")
    ministack.start()
    path = None
    if terraform_init_local():
        try:
            apply_local_root(local_stack, ministack.DEFAULT_PORT)
            path = "Terraform (terraform/envs/local)"
        except DeployError as error:
            print(f"    {error}; falling back to the provisioning module", flush=True)
    if path is None:
        step("Creating the same resources with the provisioning module (devstack/provision.py)")
        local_stack.deploy_local(  # starts from an empty emulator, even after a failed apply
            progress=lambda message: print(f"    + {message}", flush=True),
            function_package=read_package,
        )
        path = "the provisioning module (devstack/provision.py), as Terraform could not run"
    naming = Naming()
    state = {
        "apiKey": secrets.token_urlsafe(24),
        "orderStateMachineArn": local_stack.state_machine_arn(naming.name("order_processing")),
        "ordersTableName": naming.name("orders"),
        "region": DEFAULT_REGION,
    }
    STATE_FILE.write_text(json.dumps(state, indent=2))
    step(f"Starting the local API gateway on 127.0.0.1:{GATEWAY_PORT} (log: .local/gateway.log)")
    GATEWAY.start(
        [sys.executable, "-m", "devstack.local_gateway", "--state", str(STATE_FILE),
         "--port", str(GATEWAY_PORT)],
        background.scrubbed_environment(),
        cwd=REPO_ROOT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{GATEWAY_PORT}"
    wait_for_gateway(url)
    step("Placing a smoke order through the API")
    status, body = post_order(url, state["apiKey"], smoke_order())
    if status != 200:
        raise DeployError(f"the smoke order got {status}: {json.dumps(body)}")
    print(f"    200 {body['status']} {body['orderId']} total {body['total']}")
    print(
        f"\nDeployed to the local emulator in {time.monotonic() - started:.0f} s with {path}.\n"
        f"API:      {url}/orders  (GET {url}/orders/<orderId>)\n"
        f"API key:  {state['apiKey']}\n\n"
        f"Try it:\n  {curl_example(url, state['apiKey'])}\n\n"
        f"Console:  {console_url()}  (start it with `make console`)\n\n"
        "Stop it with `make down`."
    )


def stop_local(quiet: bool = False) -> None:
    from devstack import ministack  # noqa: PLC0415 - local target only

    gateway = GATEWAY.stop()
    emulator = ministack.stop()
    STATE_FILE.unlink(missing_ok=True)
    if not quiet:
        stopped = [name for name, was in (("gateway", gateway), ("MiniStack", emulator)) if was]
        print(f"Stopped: {', '.join(stopped)}." if stopped else "Nothing was running.")


def terraform_init_remote(environment: str) -> None:
    """Init a dev/prod root against its S3 state bucket, named by ``TF_STATE_BUCKET``."""
    require_terraform(environment)
    bucket = os.environ.get("TF_STATE_BUCKET")
    if not bucket:
        raise DeployError(
            f"ENV={environment} keeps its Terraform state in S3: set TF_STATE_BUCKET to your "
            "state bucket (terraform/README.md, 'Deploying dev and prod')."
        )
    terraform(environment, "init", "-input=false", f"-backend-config=bucket={bucket}")


def up(environment: str, canary: float | None = None, auto_approve: bool = False) -> None:
    if environment == "local":
        if canary is not None:
            raise DeployError("CANARY applies to ENV=dev|prod: the emulator splits no traffic.")
        up_local()
        return
    terraform_init_remote(environment)
    canary_variables = [] if canary is None else release.canary_variables(environment, canary)
    # The pipeline approves through its GitHub environment (prod: required reviewers), not here;
    # it waits for a lock a plan may hold (make plan) rather than failing.
    unattended = ["-auto-approve", "-lock-timeout=5m"] if auto_approve else []
    terraform(
        environment,
        "apply",
        "-input=false",
        *unattended,
        f"-var-file={environment}.tfvars",
        *canary_variables,
    )


def destroy(environment: str) -> None:
    if environment == "prod":
        raise DeployError("make destroy refuses ENV=prod: production data is not destroyed here.")
    if environment == "local":
        stop_local()
        return
    terraform_init_remote(environment)
    terraform(environment, "destroy", "-input=false", f"-var-file={environment}.tfvars")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("up", "destroy", "down"))
    parser.add_argument("--env", default="local", choices=ENVIRONMENTS)
    parser.add_argument(
        "--canary",
        type=release.canary_weight,
        help="share of traffic (above 0, below 1) the new versions get; the rest stays live",
    )
    parser.add_argument(
        "--auto-approve",
        action="store_true",
        help="ENV=dev|prod: apply without asking (the pipeline, approved by its environment)",
    )
    args = parser.parse_args(argv)
    try:
        if args.action == "up":
            up(args.env, args.canary, args.auto_approve)
        elif args.action == "destroy":
            destroy(args.env)
        else:
            stop_local()
    except (DeployError, release.ReleaseError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
