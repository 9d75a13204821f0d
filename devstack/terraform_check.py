"""An offline check of Terraform files against the AWS provider schema and the module interfaces.

Without a ``terraform`` binary, ``terraform validate`` cannot run here; this catches the same
class of mistakes it would: a misspelt argument or block, a missing required argument, a module
called with an argument it does not declare or without one it requires. It parses every ``.tf``
file with python-hcl2 and checks:

- every ``resource``, ``data`` and ``provider "aws"`` block: each argument and nested block
  name exists in the provider schema (``devstack.terraform_schema``), meta-arguments aside, and
  each required argument and required block is written (a ``dynamic`` block counts, by label);
- every ``module`` call with a local source: each argument is a variable of that module, and
  every variable without a default is passed.

Expressions are not evaluated: values are not type-checked.

Run ``python -m devstack.terraform_check [directory]`` for a report.
"""

import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2

from devstack.paths import REPO_ROOT
from devstack.terraform_schema import BlockSchema, ProviderSchema, load_schema

TERRAFORM_DIR = REPO_ROOT / "terraform"

_IS_BLOCK = "__is_block__"
_PARSER_KEYS = {_IS_BLOCK, "__comments__", "__inline_comments__", "__start_line__", "__end_line__"}
_META_ARGUMENTS = {"count", "for_each", "provider", "depends_on"}
_META_BLOCKS = {"lifecycle", "provisioner", "connection"}
_MODULE_META = {"source", "version", "count", "for_each", "providers", "depends_on"}


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    block: str  # e.g. resource.aws_dynamodb_table.this, module.tables
    name: str  # the argument or block at fault, dotted inside nested blocks
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.block}: {self.name}: {self.message}"


class ParseError(ValueError):
    pass


def _label(raw: str) -> str:
    return raw.strip('"')


def parse(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as handle:
            document: dict[str, Any] = hcl2.load(handle)
    except Exception as error:  # lark raises several exception types
        raise ParseError(f"{path}: {error}") from error
    return document


def tf_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.tf") if ".terraform" not in p.parts)


def _is_block(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(item, dict) and item.get(_IS_BLOCK) for item in value
    )


def _body_items(body: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    for name, value in body.items():
        if name not in _PARSER_KEYS:
            yield name, value


def _dynamic_blocks(body: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, content body) of each ``dynamic "label" { content { ... } }``."""
    for entry in body.get("dynamic", []):
        for raw_label, dynamic in entry.items():
            if raw_label in _PARSER_KEYS:
                continue
            for content in dynamic.get("content", []):
                yield _label(raw_label), content


def _is_meta(name: str, value: Any, top_level: bool) -> bool:
    """Meta-arguments and meta-blocks of a resource or data block (not of nested blocks)."""
    if not top_level:
        return False
    return name in _META_ARGUMENTS or (name in _META_BLOCKS and _is_block(value))


def _check_written(
    name: str, value: Any, schema: BlockSchema, file: str, block: str, dotted: str
) -> list[Finding]:
    if not _is_block(value):
        known = name in schema["arguments"] or name in schema["blocks"]
        return [] if known else [Finding(file, block, dotted, "unknown argument")]
    if name in schema["blocks"]:
        findings: list[Finding] = []
        for item in value:
            findings += check_body(item, schema["blocks"][name], file, block, f"{dotted}.", False)
        return findings
    if name in schema["arguments"]:
        return [Finding(file, block, dotted, "is an argument, not a block")]
    return [Finding(file, block, dotted, "unknown block")]


def _check_missing(
    written: set[str], schema: BlockSchema, file: str, block: str, path: str
) -> list[Finding]:
    missing = [
        Finding(file, block, f"{path}{name}", "required argument missing")
        for name, argument in schema["arguments"].items()
        if argument["required"] and name not in written
    ]
    missing += [
        Finding(file, block, f"{path}{name}", "required block missing")
        for name, nested in schema["blocks"].items()
        if nested.get("required") and name not in written
    ]
    return missing


def check_body(
    body: Mapping[str, Any],
    schema: BlockSchema,
    file: str,
    block: str,
    path: str = "",
    top_level: bool = True,
) -> list[Finding]:
    """Findings for one block body against its schema (recursing into nested blocks)."""
    findings: list[Finding] = []
    written: set[str] = set()
    for name, value in _body_items(body):
        if name == "dynamic" or _is_meta(name, value, top_level):
            continue
        written.add(name)
        findings += _check_written(name, value, schema, file, block, f"{path}{name}")
    for name, content in _dynamic_blocks(body):
        dotted = f"{path}{name}"
        written.add(name)
        if name in schema["blocks"]:
            nested = schema["blocks"][name]
            findings += check_body(content, nested, file, block, f"{dotted}.", False)
        else:
            findings.append(Finding(file, block, dotted, "unknown block (in dynamic)"))
    return findings + _check_missing(written, schema, file, block, path)


@dataclass(frozen=True)
class ModuleInterface:
    variables: frozenset[str]
    required: frozenset[str]  # variables without a default


def module_interface(directory: Path) -> ModuleInterface:
    variables: set[str] = set()
    required: set[str] = set()
    for path in sorted(directory.glob("*.tf")):
        for entry in parse(path).get("variable", []):
            for raw_name, body in entry.items():
                if raw_name in _PARSER_KEYS:
                    continue
                name = _label(raw_name)
                variables.add(name)
                if "default" not in body:
                    required.add(name)
    return ModuleInterface(frozenset(variables), frozenset(required))


def _check_module_call(name: str, body: Mapping[str, Any], file: Path) -> list[Finding]:
    label = f"module.{name}"
    source = _label(str(body.get("source", "")))
    if not source.startswith(("./", "../")):
        return []  # registry or remote modules are not checked offline
    directory = (file.parent / source).resolve()
    if not directory.is_dir():
        return [Finding(str(file), label, "source", f"no module directory {source}")]
    interface = module_interface(directory)
    findings: list[Finding] = []
    passed = {key for key, _ in _body_items(body)} - _MODULE_META
    findings += [
        Finding(str(file), label, key, f"not a variable of {source}")
        for key in sorted(passed - interface.variables)
    ]
    findings += [
        Finding(str(file), label, key, f"required variable of {source} not passed")
        for key in sorted(interface.required - passed)
    ]
    return findings


def _check_typed_blocks(
    document: Mapping[str, Any], kind: str, schema: ProviderSchema, file: str
) -> list[Finding]:
    """``resource`` or ``data`` blocks: ``kind "type" "name" { ... }``."""
    findings: list[Finding] = []
    for entry in document.get(kind, []):
        for raw_type, named in entry.items():
            type_name = _label(raw_type)
            if not type_name.startswith("aws_"):
                continue  # other providers (none yet) are not in this schema
            block_schema = schema.block(kind, type_name)
            for raw_name, body in named.items():
                if raw_name in _PARSER_KEYS:
                    continue
                label = f"{kind}.{type_name}.{_label(raw_name)}"
                if block_schema is None:
                    findings.append(Finding(file, label, type_name, f"unknown {kind} type"))
                else:
                    findings += check_body(body, block_schema, file, label)
    return findings


def check_file(path: Path, schema: ProviderSchema) -> list[Finding]:
    document = parse(path)
    file = str(path)
    findings = _check_typed_blocks(document, "resource", schema, file)
    findings += _check_typed_blocks(document, "data", schema, file)
    provider_schema = schema.block("provider")
    for entry in document.get("provider", []):
        for raw_name, body in entry.items():
            if _label(raw_name) == "aws" and provider_schema is not None:
                findings += check_body(body, provider_schema, file, "provider.aws")
    for entry in document.get("module", []):
        for raw_name, body in entry.items():
            if raw_name not in _PARSER_KEYS:
                findings += _check_module_call(_label(raw_name), body, path)
    return findings


def check_tree(
    directory: Path = TERRAFORM_DIR, schema: ProviderSchema | None = None
) -> list[Finding]:
    """Every finding in every ``.tf`` file under ``directory``."""
    schema = schema or load_schema()
    findings: list[Finding] = []
    for path in tf_files(directory):
        findings += check_file(path, schema)
    return sorted(findings)


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else TERRAFORM_DIR
    findings = check_tree(directory)
    for finding in findings:
        print(finding)
    print(f"{len(findings)} finding(s) in {len(tf_files(directory))} file(s) under {directory}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
