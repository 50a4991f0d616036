"""``runbook train SCENARIO`` as a trainee uses it, on steps that run on this machine."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from .terminal import PROMPT, demo_args, finish, flat, phrase, shown, spawn

GREETING = 'printf %s "$greeting" > "$workdir/greeting"'


def typed(child, *lines: str) -> None:
    child.sendline("t")
    child.expect(phrase("a line with only a dot ends them"))
    for line in lines:
        child.sendline(line)
    child.sendline(".")


def test_a_trainee_checks_hints_types_runs_quits_and_resumes(tmp_path) -> None:
    workdir, state = tmp_path / "work", tmp_path / "state"
    child = spawn(demo_args(workdir, state))
    child.expect(r"Step 1/3: Write a greeting \(demo/1\)")
    child.expect(PROMPT)
    # Nothing done yet in their own shell: the check says so.
    child.sendline("c")
    child.expect(phrase("did not pass"))
    child.expect(PROMPT)
    child.sendline("h")
    child.expect(phrase("Hint 1:"))
    child.expect(phrase('`test -s "$workdir/greeting"` must exit with status 0 (one try)'))
    child.expect(PROMPT)
    child.sendline("h")
    child.expect(phrase("Hint 2:"))
    child.expect(phrase("the check that proves they worked did not pass"))
    child.expect(PROMPT)
    # A mistyped file name: the difference is shown before anything runs.
    typed(child, 'mkdir -p "$workdir"', 'printf %s "$greeting" > "$workdir/greetin"')
    child.expect(r"How yours differ from the guide's \(- guide, \+ yours\):")
    child.expect(r"Run yours on localhost\? \[y/N\] ")
    assert re.search(r"- printf %s \"\$greeting\" > \"\$workdir/greeting\"\n", shown(child))
    assert '+ printf %s "$greeting" > "$workdir/greetin"\n' in shown(child)
    child.sendline("n")
    child.expect(phrase("Not run."))
    child.expect(PROMPT)
    assert not workdir.exists()
    typed(child, 'mkdir -p "$workdir"', 'printf %s "$greeting" > "$workdir/greetin"')
    child.expect(r"\[y/N\] ")
    child.sendline("y")
    child.expect(phrase("Not yet"))
    child.expect(PROMPT)
    assert (workdir / "greetin").exists()
    # The guide's own commands, typed with other spacing: nothing differs that matters.
    typed(child, 'mkdir  -p "$workdir"', GREETING, 'echo "logged in with $password"')
    child.expect(phrase("Same commands as the guide's."))
    child.expect(r"\[y/N\] ")
    child.sendline("y")
    child.expect(r"Passed: demo/1 Write a greeting")
    child.expect(r"Step 2/3: Count the runs")
    child.expect(PROMPT)
    child.sendline("r")
    child.expect(phrase("Passed: demo/2"))
    child.expect(PROMPT)
    child.sendline("q")
    child.expect(phrase("your progress is saved"))
    assert finish(child) == 130
    assert (workdir / "runs").read_text() == "x\n"
    assert re.search(r"demo/1 +typed by hand +2 +2 +\d", shown(child))
    assert "2 of 3 steps passed" in flat(child)

    # Own shell: the trainee makes the check true by hand, then asks for the check.
    child = spawn(demo_args(workdir, state, "--resume"))
    child.expect(r"Step 3/3: Fail unless allowed \(demo/3\)")
    child.expect(PROMPT)
    assert "Step 1/3" not in shown(child)
    # The second hint is the guide's troubleshooting text for the step.
    child.sendline("h")
    child.expect(phrase("Hint 1:"))
    child.expect(PROMPT)
    child.sendline("h")
    child.expect(phrase("Hint 2:"))
    child.expect(phrase("If it fails, the guide says:"))
    child.expect(phrase("unless the file `$workdir/allowed` exists: create it in your own shell"))
    child.expect(PROMPT)
    child.sendline("c")
    child.expect(phrase("Not yet"))
    child.expect(PROMPT)
    (workdir / "verified").touch()
    child.sendline("c")
    child.expect(phrase("Passed: demo/3"))
    child.expect(phrase("Summary for alice"))
    assert finish(child) == 0
    out = shown(child)
    assert re.search(r"demo/2 +run by the tool +0 +0", out)
    assert re.search(r"demo/3 +done in own shell +2 +1", out)
    assert "3 of 3 steps passed: 2 by hand, 0 solved; 4 hints, 3 retries" in flat(child)
    transcript = next((state / "training").glob("*/alice.log"))
    assert f"Transcript: {transcript}" in out.replace("\n", "")
    text = transcript.read_text(encoding="utf-8")
    assert "> type\n" in text and '| printf %s "$greeting" > "$workdir/greetin"\n' in text
    assert "=== demo/1 passed: typed, 2 hints, 2 retries" in text
    assert "resumed (alice)" in text and "=== demo/3 passed: checked" in text

    child = spawn(demo_args(workdir, state, "--resume"))
    child.expect(phrase("alice has passed every step of demo already"))
    assert finish(child) == 0


def test_solving_runs_the_guides_commands_and_is_counted(tmp_path) -> None:
    workdir = tmp_path / "work"
    child = spawn(demo_args(workdir, tmp_path / "state", "--from", "3"))
    child.expect(PROMPT)
    child.sendline("s")
    child.expect(phrase("The commands stopped on localhost with exit status 1"))
    child.expect(PROMPT)
    (workdir / "allowed").parent.mkdir(parents=True)
    (workdir / "allowed").touch()
    child.sendline("s")
    child.expect(phrase("Solved: demo/3"))
    assert finish(child) == 0
    assert re.search(r"demo/3 +solved +0 +1", shown(child))
    progress = json.loads(next((tmp_path / "state" / "training").glob("*/alice.json")).read_text())
    assert progress["steps"]["demo/3"]["how"] == "solved"
    assert progress["steps"]["demo/3"]["retries"] == 1


def test_secrets_are_masked_on_screen_and_in_the_transcript(tmp_path) -> None:
    child = spawn(demo_args(tmp_path / "work", tmp_path / "state"))
    child.expect(PROMPT)
    typed(child, 'mkdir -p "$workdir"', GREETING, "echo demo-password-value")
    child.expect(r"\[y/N\] ")
    child.sendline("y")
    child.expect(phrase("Passed: demo/1"))
    child.expect(PROMPT)
    child.sendline("q")
    assert finish(child) == 130
    out = shown(child)
    # The trainee's own echo of the typed line is all that shows it, as in any shell.
    assert out.count("demo-password-value") == 1
    assert "out| ********" in out
    state = tmp_path / "state" / "training"
    for path in state.rglob("*"):
        if path.is_file():
            assert "demo-password-value" not in path.read_text(), path
            assert path.stat().st_mode & 0o077 == 0, path
    log = next(state.glob("*/alice.log")).read_text()
    assert "| mkdir" in log and "| echo ********" in log


def test_a_dumb_terminal_gets_plain_text_within_80_columns(tmp_path) -> None:
    child = spawn(demo_args(tmp_path / "work", tmp_path / "state"))
    child.expect(PROMPT)
    child.sendline("?")
    child.expect(phrase("solve: run the guide's commands"))
    child.expect(PROMPT)
    child.sendline("x")
    child.expect(phrase("a hint: first what the verification checks"))
    child.expect(PROMPT)
    child.sendline("q")
    assert finish(child) == 130
    out = shown(child)
    assert "\x1b" not in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_a_colour_terminal_gets_colours_unless_no_color(tmp_path) -> None:
    child = spawn(demo_args(tmp_path / "work", tmp_path / "state"), term="xterm-256color")
    child.expect(PROMPT)
    child.sendline("q")
    assert finish(child) == 130
    assert re.search(r"\x1b\[[0-9;]*3[0-9]m", shown(child))  # a foreground colour

    child = spawn(
        demo_args(tmp_path / "work", tmp_path / "state"), term="xterm-256color", no_color=True
    )
    child.expect(PROMPT)
    child.sendline("q")
    assert finish(child) == 130
    assert not re.search(r"\x1b\[[0-9;]*3[0-9]m", shown(child))


def test_ctrl_d_or_ctrl_c_at_the_prompt_quits_and_keeps_the_progress(tmp_path) -> None:
    child = spawn(demo_args(tmp_path / "work", tmp_path / "state"))
    child.expect(PROMPT)
    child.sendline("r")
    child.expect(phrase("Passed: demo/1"))
    child.expect(PROMPT)
    child.sendeof()
    child.expect(phrase("your progress is saved"))
    assert finish(child) == 130
    child = spawn(demo_args(tmp_path / "work", tmp_path / "state", "--resume"))
    child.expect(r"Step 2/3")
    child.expect(PROMPT)
    child.sendintr()  # Ctrl-C at the prompt: the same
    child.expect(phrase("your progress is saved"))
    assert finish(child) == 130
    assert "Traceback" not in shown(child)


def test_bad_input_is_a_clear_error_without_a_traceback(tmp_path) -> None:
    cases = [
        (["--trainee", "../etc"], 2, "trainee name '../etc'"),
        (["--from", "2", "--resume"], 2, "--resume continues where you stopped"),
        (["--from", "9"], 2, "scenario demo has no step '9'"),
    ]
    for extra, status, message in cases:
        child = spawn([*demo_args(tmp_path / "work", tmp_path / "state"), *extra])
        assert finish(child) == status, extra
        assert message in flat(child) and "Traceback" not in shown(child)
    progress = tmp_path / "state" / "training"
    child = spawn(demo_args(tmp_path / "work", tmp_path / "state"))
    child.expect(PROMPT)
    child.sendline("q")
    finish(child)
    path = next(progress.glob("*/alice.json"))
    path.write_text("{not json")
    child = spawn(demo_args(tmp_path / "work", tmp_path / "state", "--resume"))
    assert finish(child) == 3
    assert f"{path}: cannot read the training progress" in shown(child).replace("\n", "")
    child = spawn(demo_args(tmp_path / "work", tmp_path / "state"))
    child.expect(phrase("Starting over: alice's earlier progress on demo here is replaced"))
    child.expect(PROMPT)
    child.sendline("q")
    assert finish(child) == 130
    child = spawn(["train"])
    assert finish(child) == 2
    assert "name a SCENARIO to train on, or a drill with --drill NAME" in flat(child)


def test_typed_bytes_that_are_not_utf8_are_replaced_not_a_traceback(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "runbook.cli.main", *demo_args(tmp_path / "w", tmp_path / "s")],
        input=b"t\necho caf\xe9\n.\ny\nq\n",
        capture_output=True,
        env={**os.environ, "LANG": "C.UTF-8", "TERM": "dumb"},
        timeout=60,
    )
    assert result.returncode == 130, result.stderr
    assert b"Traceback" not in result.stderr
    assert "out| caf\ufffd" in result.stdout.decode()
