from opsmith.parse.shell import commands, has_pipe, sets_pipefail


def test_quotes_hide_operators() -> None:
    cmds = commands('grep -E "a|b" f && echo \'x && y\'; sed "s|a|b|" g')
    assert cmds is not None
    assert [c.program for c in cmds] == ["grep", "echo", "sed"]
    assert not has_pipe(cmds)


def test_pipes_newlines_and_continuations() -> None:
    cmds = commands("curl -fsSL https://x/a#frag |\n  sh\napt-get install \\\n  -y curl")
    assert cmds is not None
    assert [c.words for c in cmds] == [
        ("curl", "-fsSL", "https://x/a#frag"),
        ("sh",),
        ("apt-get", "install", "-y", "curl"),
    ]
    assert has_pipe(cmds)


def test_assignments_wrappers_and_pipefail() -> None:
    cmds = commands("set -euo pipefail\nFOO=1 BAR=2 sudo -E apt-get update")
    assert cmds is not None and sets_pipefail(cmds)
    assert cmds[1].program == "sudo" and cmds[1].unwrapped().program == "apt-get"
    assert not sets_pipefail(commands("set -e") or [])


def test_broken_quoting_is_none() -> None:
    assert commands('echo "unterminated') is None


def test_comment_lines_are_ignored() -> None:
    cmds = commands("# cd somewhere | nowhere\necho ok")
    assert cmds is not None and [c.program for c in cmds] == ["echo"]


def test_unwrapped_keeps_the_flags_of_the_command_it_runs() -> None:
    def inner(script: str) -> tuple[str, ...]:
        (cmd,) = commands(script) or []
        return cmd.unwrapped().words

    assert inner("sudo -E kubectl apply -f k8s/") == ("kubectl", "apply", "-f", "k8s/")
    wrapped = inner("sudo -u deploy -H env -u HOME FOO=1 npm ci --omit=dev")
    assert wrapped == ("FOO=1", "npm", "ci", "--omit=dev")
    assert inner("nice -n 10 time -f %e make -j4") == ("make", "-j4")
    assert inner("xargs -n 1 -I {} rm -rf {}") == ("rm", "-rf", "{}")
    assert inner("exec -- gunicorn -w 4 app:app") == ("gunicorn", "-w", "4", "app:app")
