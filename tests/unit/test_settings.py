"""shared.settings: settings dataclasses filled from environment variables."""

from dataclasses import dataclass

import pytest

from shared.errors import ConfigurationError
from shared.settings import load_settings, required_variables

pytestmark = pytest.mark.unit


@dataclass(frozen=True)
class SampleSettings:
    orders_table_name: str
    event_bus_name: str


FULL_ENVIRON = {"ORDERS_TABLE_NAME": "orders", "EVENT_BUS_NAME": "bus"}


def test_values_are_filled_from_an_explicit_environ_mapping(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ORDERS_TABLE_NAME", "from-the-process")

    settings = load_settings(SampleSettings, FULL_ENVIRON)

    assert settings == SampleSettings(orders_table_name="orders", event_bus_name="bus")


def test_values_are_read_from_the_process_environment_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in FULL_ENVIRON.items():
        monkeypatch.setenv(name, value)

    assert load_settings(SampleSettings) == SampleSettings("orders", "bus")


@pytest.mark.parametrize(
    "environ, missing",
    [
        ({}, ["ORDERS_TABLE_NAME", "EVENT_BUS_NAME"]),
        ({"EVENT_BUS_NAME": "bus"}, ["ORDERS_TABLE_NAME"]),
        ({"ORDERS_TABLE_NAME": "", "EVENT_BUS_NAME": "bus"}, ["ORDERS_TABLE_NAME"]),
        ({"orders_table_name": "orders", "EVENT_BUS_NAME": "bus"}, ["ORDERS_TABLE_NAME"]),
    ],
    ids=["none-set", "one-unset", "one-empty", "lower-case-name"],
)
def test_missing_variables_are_all_named_in_one_configuration_error(
    environ: dict[str, str], missing: list[str]
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(SampleSettings, environ)

    message = str(caught.value)
    assert message == f"missing environment variable(s): {', '.join(missing)}"


def test_a_class_that_is_not_a_dataclass_raises_type_error() -> None:
    class NotADataclass:
        table_name: str

    with pytest.raises(TypeError, match="NotADataclass must be a dataclass"):
        load_settings(NotADataclass, FULL_ENVIRON)


def test_required_variables_are_the_upper_cased_field_names_in_order() -> None:
    assert required_variables(SampleSettings) == ["ORDERS_TABLE_NAME", "EVENT_BUS_NAME"]
