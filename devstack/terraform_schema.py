"""The AWS provider's configuration schema, read offline from a published PyPI wheel.

There is no ``terraform`` binary (and no provider download) where the offline checks run, so
the schema comes from ``cdktn-provider-aws``: its jsii manifest documents every resource, data
source and the provider itself, generated from the provider's own schema. Each configurable
property links to the registry page of its argument (``...docs/resources/dynamodb_table#
billing_mode``), which gives the snake_case name; optional properties are optional; nested
blocks are their own struct types. Computed-only attributes have no setter, so they are not
in the config structs and never count as arguments.

The wheel (70 MB) is downloaded once into ``.cache/terraform-schema/`` (gitignored) with
``pip download``; the compact schema built from it is cached next to it as JSON.
"""

import io
import json
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from devstack.paths import REPO_ROOT

PROVIDER_VERSION = "6.69.1"
WHEEL_PACKAGE = "cdktn-provider-aws"
WHEEL_VERSION = "25.8.1"
CACHE_DIR = REPO_ROOT / ".cache" / "terraform-schema"

_JSII_MEMBER = f"cdktn_provider_aws/_jsii/provider-aws@{WHEEL_VERSION}.jsii.tgz"
_REGISTRY = f"https://registry.terraform.io/providers/hashicorp/aws/{PROVIDER_VERSION}/docs"
_LINK = re.compile(r"\{@link (https://registry\.terraform\.io/\S+)")
_KIND_OF_BASE = {"cdktn.TerraformResource", "cdktn.TerraformDataSource"}


class ArgumentSchema(TypedDict):
    required: bool


class BlockSchema(TypedDict):
    """One resource, data source, provider or nested block: its arguments and blocks."""

    arguments: dict[str, ArgumentSchema]
    blocks: dict[str, "BlockSchema"]
    required: NotRequired[bool]  # nested blocks only: at least one must be written


class _Struct(TypedDict):
    """A config struct as cached: nested blocks name other structs, so shared ones are stored
    once (the fully expanded tree of a few resources, e.g. WAFv2, runs to gigabytes)."""

    arguments: dict[str, ArgumentSchema]
    blocks: dict[str, tuple[str, bool]]  # block name -> (struct id, required)


class _Cache(TypedDict):
    provider_version: str
    structs: dict[str, _Struct]
    provider: str
    resource: dict[str, str]
    data: dict[str, str]


class ProviderSchema:
    """The AWS provider's arguments and blocks for the provider, resources and data sources."""

    def __init__(self, cache: _Cache) -> None:
        self.cache = cache  # as written to the JSON cache
        self._expanded: dict[str, BlockSchema] = {}
        self.version = cache["provider_version"]

    def _expand(self, struct_id: str) -> BlockSchema:
        if struct_id not in self._expanded:
            struct = self.cache["structs"][struct_id]
            self._expanded[struct_id] = {
                "arguments": struct["arguments"],
                "blocks": {
                    name: {**self._expand(child), "required": required}
                    for name, (child, required) in struct["blocks"].items()
                },
            }
        return self._expanded[struct_id]

    def types(self, kind: str) -> set[str]:
        """Every ``resource`` or ``data`` type name."""
        return set(self.cache["resource" if kind == "resource" else "data"])

    def block(self, kind: str, type_name: str | None = None) -> BlockSchema | None:
        """The schema of ``kind`` (``resource``, ``data`` or ``provider``), or None if unknown."""
        if kind == "provider":
            return self._expand(self.cache["provider"])
        table = self.cache["resource"] if kind == "resource" else self.cache["data"]
        struct_id = table.get(type_name or "")
        return None if struct_id is None else self._expand(struct_id)


class SchemaUnavailable(RuntimeError):
    """The wheel is not cached and could not be downloaded (offline, or PyPI unreachable)."""


def wheel_path(cache_dir: Path = CACHE_DIR) -> Path:
    return cache_dir / f"{WHEEL_PACKAGE.replace('-', '_')}-{WHEEL_VERSION}-py3-none-any.whl"


def download_wheel(cache_dir: Path = CACHE_DIR) -> Path:
    """The cached wheel, downloaded with ``pip download`` on first use."""
    wheel = wheel_path(cache_dir)
    if wheel.is_file():
        return wheel
    cache_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--disable-pip-version-check",
        f"{WHEEL_PACKAGE}=={WHEEL_VERSION}",
        "-d",
        str(cache_dir),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not wheel.is_file():
        raise SchemaUnavailable(
            f"could not download {WHEEL_PACKAGE}=={WHEEL_VERSION} (the AWS provider "
            f"{PROVIDER_VERSION} schema) into {cache_dir}: PyPI must be reachable once; after "
            f"that the checks run offline. pip said:\n{result.stderr.strip()[-2000:]}"
        )
    return wheel


def _read_manifest(wheel: Path) -> dict[str, Any]:
    with zipfile.ZipFile(wheel) as archive:
        tgz = archive.read(_JSII_MEMBER)
    with tarfile.open(fileobj=io.BytesIO(tgz)) as tar:
        member = tar.extractfile("package/.jsii")
        if member is None:
            raise SchemaUnavailable(f"{wheel}: no package/.jsii in {_JSII_MEMBER}")
        manifest: dict[str, Any] = json.load(member)
    return manifest


def _link(docs: dict[str, str]) -> str | None:
    for text in (docs.get("remarks", ""), docs.get("summary", "")):
        match = _LINK.search(text)
        if match:
            return match.group(1)
    return None


def _struct_fqn(type_ref: dict[str, Any], types: dict[str, Any]) -> str | None:
    """The struct a property holds (a nested block), directly, in a list, or in a union."""
    if "fqn" in type_ref:
        target = types.get(type_ref["fqn"])
        return type_ref["fqn"] if target and target.get("datatype") else None
    if "collection" in type_ref and type_ref["collection"]["kind"] == "array":
        return _struct_fqn(type_ref["collection"]["elementtype"], types)
    if "union" in type_ref:
        for member in type_ref["union"]["types"]:
            found = _struct_fqn(member, types)
            if found:
                return found
    return None


def _struct(fqn: str, types: dict[str, Any], structs: dict[str, _Struct]) -> str:
    """Add the struct ``fqn`` (and the structs of its blocks) to ``structs``; its id."""
    struct_id = fqn.removeprefix("@cdktn/provider-aws.")
    if struct_id in structs:
        return struct_id
    struct: _Struct = {"arguments": {}, "blocks": {}}
    structs[struct_id] = struct  # registered before the children: a cycle ends here
    for prop in types[fqn].get("properties", []):
        link = _link(prop.get("docs", {}))
        if link is None or "#" not in link:
            continue
        name = link.rsplit("#", 1)[1]
        required = not prop.get("optional", False)
        nested = _struct_fqn(prop["type"], types)
        if nested is None:
            struct["arguments"][name] = {"required": required}
        else:
            struct["blocks"][name] = (_struct(nested, types, structs), required)
    return struct_id


def build_schema(wheel: Path) -> ProviderSchema:
    types: dict[str, Any] = _read_manifest(wheel)["types"]
    cache: _Cache = {
        "provider_version": PROVIDER_VERSION,
        "structs": {},
        "provider": "",
        "resource": {},
        "data": {},
    }
    for definition in types.values():
        if definition.get("kind") != "class":
            continue
        base = definition.get("base")
        parameters = definition.get("initializer", {}).get("parameters", [])
        config = next((p["type"]["fqn"] for p in parameters if p["name"] == "config"), None)
        if config is None:
            continue
        if base == "cdktn.TerraformProvider":
            cache["provider"] = _struct(config, types, cache["structs"])
        elif base in _KIND_OF_BASE:
            link = _link(definition.get("docs", {})) or ""
            match = re.fullmatch(rf"{_REGISTRY}/(resources|data-sources)/(\w+)", link)
            if match is not None:
                table = cache["resource"] if base == "cdktn.TerraformResource" else cache["data"]
                table[f"aws_{match.group(2)}"] = _struct(config, types, cache["structs"])
    if not cache["provider"] or not cache["resource"]:
        raise SchemaUnavailable(f"{wheel}: no provider or resources found in the jsii manifest")
    return ProviderSchema(cache)


def schema_path(cache_dir: Path = CACHE_DIR) -> Path:
    return cache_dir / f"aws-{PROVIDER_VERSION}-from-{WHEEL_PACKAGE}-{WHEEL_VERSION}.json"


def load_schema(cache_dir: Path = CACHE_DIR) -> ProviderSchema:
    """The schema: from the JSON cache, else built from the (downloaded) wheel and cached."""
    cached = schema_path(cache_dir)
    if cached.is_file():
        cache: _Cache = json.loads(cached.read_text(encoding="utf-8"))
        return ProviderSchema(cache)
    schema = build_schema(download_wheel(cache_dir))
    cached.write_text(json.dumps(schema.cache, sort_keys=True), encoding="utf-8")
    return schema
