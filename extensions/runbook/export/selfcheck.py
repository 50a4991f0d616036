"""The exporters check their own output, so a broken export fails `runbook export`, not a run.

Each generated file is read back by the tool that will run it: ``bash -n`` for scripts,
``compile()`` for the Fabric modules, a YAML load for playbooks (``!unsafe`` understood),
``json.loads`` for plans and, when ansible-core is installed, ``ansible-playbook
--syntax-check`` over ``site.yml``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml


class UnsafeText(str):
    """A string the playbook marks ``!unsafe``: Ansible takes it as data, never a template."""

    __slots__ = ()


class PlaybookLoader(yaml.SafeLoader):
    """Safe YAML that reads Ansible's ``!unsafe`` tag as :class:`UnsafeText`."""


def _construct_unsafe(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> UnsafeText:
    return UnsafeText(loader.construct_scalar(node))


PlaybookLoader.add_constructor("!unsafe", _construct_unsafe)


def load_playbook(text: str) -> Any:
    """A playbook's data, with its ``!unsafe`` strings as :class:`UnsafeText`."""
    return yaml.load(text, Loader=PlaybookLoader)


def bash_problem(text: str) -> str | None:
    """What ``bash -n`` says about ``text``, or None when it parses."""
    result = subprocess.run(
        ["bash", "-n", "/dev/stdin"],
        input=text.encode("utf-8"),
        capture_output=True,
        check=False,
    )
    if result.returncode == 0:
        return None
    return result.stderr.decode("utf-8", "replace").strip() or "bash -n failed"


def file_problem(name: str, text: str) -> str | None:
    """Why the generated file ``name`` would not load in its own tool, or None."""
    try:
        if name.endswith(".sh"):
            return bash_problem(text)
        if name.endswith(".py"):
            compile(text, name, "exec")
        elif name.endswith(".yml"):
            load_playbook(text)
        elif name.endswith(".json"):
            json.loads(text)
    except (SyntaxError, ValueError, yaml.YAMLError) as error:
        return " ".join(str(error).split())
    return None


def ansible_program() -> str | None:
    """``ansible-playbook`` beside this Python (the project's venv), else on PATH."""
    beside = Path(sys.executable).parent / "ansible-playbook"
    if beside.is_file():
        return str(beside)
    return shutil.which("ansible-playbook")


def ansible_problem(files: Mapping[str, str]) -> str | None:
    """``ansible-playbook --syntax-check`` of ``site.yml`` over a scratch copy of ``files``."""
    if "site.yml" not in files or ansible_program() is None:
        return None
    from runbook.check.guide import ansible_syntax

    with tempfile.TemporaryDirectory(prefix="runbook-export-check-") as directory:
        for name, text in files.items():
            if name.endswith(".yml"):
                (Path(directory) / name).write_text(text, encoding="utf-8")
        output = ansible_syntax(Path(directory))
    if output is None:
        return None
    return " ".join(output.replace(directory + "/", "").split())


def problems(files: Mapping[str, str], *, ansible: bool = False) -> list[str]:
    """``name: problem`` for every generated file its own tool would reject."""
    found = []
    for name, text in files.items():
        problem = file_problem(name, text)
        if problem is not None:
            found.append(f"{name}: the export is broken (a bug of runbook export): {problem}")
    if ansible and not found:
        problem = ansible_problem(files)
        if problem is not None:
            found.append(f"site.yml: ansible-playbook --syntax-check rejects the export: {problem}")
    return found
