"""The command-line contracts of make deploy / destroy / invoke that need no running stack."""

import pytest

from devstack import deploy, invoke

pytestmark = pytest.mark.unit


def test_destroy_refuses_production() -> None:
    with pytest.raises(deploy.DeployError, match="refuses ENV=prod"):
        deploy.destroy("prod")


def test_remote_environment_without_terraform_is_refused_with_how_to_install(monkeypatch) -> None:
    monkeypatch.setattr(deploy, "terraform_binary", lambda: None)

    with pytest.raises(deploy.DeployError, match="Install Terraform"):
        deploy.up("dev")


def test_remote_environment_without_a_state_bucket_says_which_variable_to_set(monkeypatch) -> None:
    monkeypatch.setattr(deploy, "terraform_binary", lambda: "/usr/bin/terraform")
    monkeypatch.delenv("TF_STATE_BUCKET", raising=False)

    with pytest.raises(deploy.DeployError, match="TF_STATE_BUCKET"):
        deploy.up("dev")


def test_unknown_environment_is_a_usage_error() -> None:
    with pytest.raises(SystemExit):
        deploy.main(["up", "--env", "staging"])


@pytest.mark.parametrize("name", ["process_payment", "process-payment", "ProcessPaymentFunction"])
def test_invoke_finds_a_function_by_any_of_its_names(name: str) -> None:
    assert invoke.find_function(name).key == "process_payment"


def test_invoke_lists_the_choices_for_an_unknown_function_or_event() -> None:
    with pytest.raises(invoke.UsageError, match="validate_order"):
        invoke.find_function("nope")
    with pytest.raises(invoke.UsageError, match=r"stepfunctions_process_payment_declined\.json"):
        invoke.find_event("nope")


def test_invoke_finds_an_event_by_its_short_name() -> None:
    assert invoke.find_event("stepfunctions_validate_order_valid").name == (
        "stepfunctions_validate_order_valid.json"
    )
