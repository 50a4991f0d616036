"""Hostile variable values reach a remote ``printf %s`` byte for byte, or are refused
before anything connects; none is ever run as code, on a node or on the control host."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from runbook.cli.main import main

pytestmark = pytest.mark.testbed

CANARY = f"/tmp/runbook-canary-{os.getpid()}"

#: Values that must arrive unchanged; each would do harm if a shell ever parsed it.
HOSTILE = {
    "single_quotes": "it's 'quoted' ''",
    "double_quotes": 'say "hi" "',
    "command_substitution": f"$(touch {CANARY})",
    "backticks": f"`touch {CANARY}`",
    "semicolons": f"x; touch {CANARY}; y",
    "newlines": f"line 1\nline 2\n'; touch {CANARY}; '\n",
    "expansions": "$HOME ${PATH} $RB_HOST $((1+1)) !! ~",
    "backslashes": "\\ \\\\ \\n \\' \\\"",
    "printf_formats": "%s %d %n %% \\x41",
    "globs": "* ? [a-z] /etc/*",
    "leading_dashes": "-n -e -- --help",
    "control_characters": "\t\r\x1b[2J\x07\x7f",
    "unicode": "é 漢字 🙂 \u202eevil",
    "heredoc_end": "EOF\n}\n} </dev/null\nexit 0",
    "very_long": "A" * 100_000 + f"$(touch {CANARY})",
    "empty": "",
}


def scenario_text(remote: str, names: list[str]) -> str:
    declarations = "".join(f".. variable:: {name}\n\n   A hostile value.\n\n" for name in names)
    writes = "".join(f'   printf %s "${name}" > {remote}/{name}\n' for name in names)
    return f".. scenario:: hostile\n\n{declarations}.. step:: Write every value\n\n{writes}"


@pytest.mark.proves(
    "bad input",
    "Hostile variable values (quotes, `$(...)`, backticks, `;`, newlines, expansions, "
    "control characters, a 100 kB value, empty), from a variables file and from `-e NAME=VALUE`",
    "Each reaches a remote `printf %s` byte for byte (they travel single-quoted on the "
    "shell's standard input); nothing in them ever runs, on a node or on the control host.",
)
def test_hostile_values_arrive_intact_and_never_run(bed, remote, state_dir, tmp_path) -> None:
    names = list(HOSTILE)
    variables = tmp_path / "vars.yml"
    variables.write_text(yaml.safe_dump(HOSTILE, allow_unicode=True, width=1 << 20))
    assert yaml.safe_load(variables.read_text()) == HOSTILE
    on_command_line = {"cli_" + name: HOSTILE[name] for name in ("newlines", "semicolons")}
    scenario = tmp_path / "hostile.rst"
    scenario.write_text(scenario_text(remote, [*names, *on_command_line]))
    pairs = [arg for name, value in on_command_line.items() for arg in ("-e", f"{name}={value}")]
    status = main(
        ["run", str(scenario), "-i", str(bed.inventory_path), "-e", str(variables), *pairs]
    )
    assert status == 0
    expected = {**HOSTILE, **on_command_line}
    for node in bed.nodes:
        for name, value in expected.items():
            got = bed.ssh(node, f"base64 -w0 {remote}/{name}")
            assert base64.b64decode(got.stdout) == value.encode(), (node, name)
        assert bed.ssh(node, f"test -e {CANARY}").returncode == 1, node
    assert not Path(CANARY).exists()


REFUSED = {
    "nul_escape": (b'payload: "a\\0b"\n', "the value of payload contains a NUL byte"),
    "nul_byte": (b"payload: a\0b\n", "vars.yml:1: the file contains a NUL byte"),
    "invalid_utf8": (
        b"payload: ok\nother: a\xffb\n",
        "vars.yml:2: not UTF-8 text",
    ),
    "too_long": (
        b"payload: " + b"A" * 140_000 + b"\n",
        "the value of variable payload is 140008 bytes",
    ),
}


@pytest.mark.proves(
    "bad input",
    "Values no shell can carry: a NUL (as a YAML escape or a raw byte), bytes that are not "
    "UTF-8 (in a variables file or on the command line), a value over the kernel's 128 KiB "
    "limit for one environment variable",
    "Refused before connecting (exit 3) with the variable's name, or the file and line; "
    "never the value. Nothing runs and no journal is written.",
)
@pytest.mark.parametrize("case", [*REFUSED, "invalid_utf8_argument"])
def test_values_no_shell_can_carry_are_refused_before_connecting(
    bed, remote, state_dir, tmp_path, nothing_ran, case
) -> None:
    scenario = tmp_path / "refused.rst"
    scenario.write_text(scenario_text(remote, ["payload"]))
    command = [sys.executable, "-m", "runbook.cli.main", "run", str(scenario)]
    command += ["-i", str(bed.inventory_path)]
    if case == "invalid_utf8_argument":
        command += ["-e", os.fsdecode(b"payload=a\xffb")]
        expected = "the value of variable payload is not valid UTF-8 text"
    else:
        content, expected = REFUSED[case]
        (tmp_path / "vars.yml").write_bytes(content)
        command += ["-e", str(tmp_path / "vars.yml")]
    result = subprocess.run(command, capture_output=True, timeout=120)
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 3, err
    assert expected in err
    assert "Traceback" not in err and "AAAAAAAAAA" not in err
    nothing_ran()
