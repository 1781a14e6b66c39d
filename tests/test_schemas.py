"""The editor schemas (statuspage/schemas/): they accept every good file, reject what their
rules can express, and never reject what `validate` accepts. `validate` stays the authority."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from statuspage.cli import cli
from statuspage.inputs import config, load, model
from tests.sites import REPO_ROOT
from tests.test_corpus import CONFIG_CASES, EXPECTED, GOOD_CONFIG

CORPUS = Path(__file__).parent / "corpus"
SCHEMAS = resources.files("statuspage") / "schemas"


class Yaml12Loader(yaml.SafeLoader):
    """Reads as editors do (YAML 1.2's core schema): dates stay text; only true and false
    are booleans, `yes` and `no` are text."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


CONFIG = validator("statuspage")
INCIDENT = validator("incident")


def errors(schema: Draft202012Validator, text: str) -> list[str]:
    try:
        document = yaml.load(text, Loader=Yaml12Loader)
    except yaml.constructor.ConstructorError as exc:  # such as !!python/object: not YAML 1.2
        pytest.skip(f"an editor's YAML parser reports it: {exc.problem}")
    return [error.message for error in schema.iter_errors(document)]


# What an editor's schema can say, by the message `validate` prints for it. Everything else
# (YAML syntax, time zones, dates in order or in the future, component ids that exist, file
# names, git history) is `validate`'s alone, and the schema must accept the file.
SCHEMA_CATCHES = re.compile(
    "|".join(
        (
            r"unknown key",
            r"is not one of",
            r"required key is missing",
            r"list at least one",
            r"must not be empty",
            r"is not a valid (component )?id",
            r"expected true or false",
            r"is not a duration",
            r"is not a date and time",
            r"expected a mapping \(key: value\)",
            r"is (an incident|a maintenance) status",
            r"only maintenances have a window",
            r"is read by YAML as a number",  # YAML 1.2 too; `no` and dates are text there
            r"is not an absolute http",
        )
    )
)
# Files an editor's YAML parser reports itself, before any schema.
YAML_LEVEL = re.compile(
    r"YAML syntax|YAML aliases|duplicate key|not valid UTF-8|the file is empty|control character"
    r"|nested more than \d+ deep"
)


def test_schemas_know_every_key_and_value_of_the_validator() -> None:
    """A key or value added to the validator must be added to the schema (and back)."""
    top = CONFIG.schema["properties"]
    assert set(top) == set(config.CONFIG_KEYS)
    assert set(top["contact"]["properties"]) == set(config.CONTACT_KEYS)
    assert set(top["components"]["items"]["properties"]) == set(config.COMPONENT_KEYS)
    assert set(top["notify"]["properties"]) == set(config.NOTIFY_KEYS)
    assert set(top["subscriptions"]["properties"]) == set(config.SUBSCRIPTIONS_KEYS)
    assert top["language"]["enum"] == list(config.LANGUAGES)

    defs = INCIDENT.schema["$defs"]
    assert set(INCIDENT.schema["properties"]) == set(load.INCIDENT_KEYS)
    assert set(defs["update"]["properties"]) == set(load.UPDATE_KEYS)
    assert set(defs["window"]["properties"]) == set(load.WINDOW_KEYS)
    assert set(defs["text"]["anyOf"][1]["properties"]) == set(config.LANGUAGES)
    assert defs["states"]["additionalProperties"]["enum"] == [
        s.value for s in model.ComponentStatus
    ]
    assert INCIDENT.schema["properties"]["impact"]["enum"] == [i.value for i in model.Impact]
    statuses = [s.value for s in (*model.INCIDENT_STATUSES, *model.MAINTENANCE_STATUSES)]
    assert defs["update"]["properties"]["status"]["enum"] == statuses


def test_the_demo_and_the_corpus_config_are_valid() -> None:
    for path in (REPO_ROOT / "statuspage.yaml", CORPUS / "statuspage.yaml"):
        assert errors(CONFIG, path.read_text(encoding="utf-8")) == [], path
    demo = sorted((REPO_ROOT / "incidents").glob("*.yaml"))
    assert len(demo) >= 5
    for path in demo:
        assert errors(INCIDENT, path.read_text(encoding="utf-8")) == [], path


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_error_class(name: str) -> None:
    """Each broken file of tests/corpus: rejected if its error is of a class the schema can
    express, accepted otherwise (the schema is never stricter than `validate`)."""
    message = EXPECTED[name]
    if YAML_LEVEL.search(message):
        pytest.skip("a YAML-level error: the editor's parser reports it")
    text = (CORPUS / "incidents" / name).read_text(encoding="utf-8")
    found = errors(INCIDENT, text)
    if SCHEMA_CATCHES.search(message) and not message.split("error: ")[1].startswith("file name"):
        assert found, f"{name}: the schema misses {message!r}"
    else:
        assert found == [], f"{name}: the schema rejects what validate accepts but for {message!r}"


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_config_case_error_class(case: str) -> None:
    extra, message = CONFIG_CASES[case]
    text = GOOD_CONFIG + extra
    if not extra.startswith("base_url"):
        text += "base_url: https://status.shop.example\n"
    if case == "unknown key":
        text = text.replace("title: Shop\n", "")
    found = errors(CONFIG, text)
    assert bool(found) == bool(SCHEMA_CATCHES.search(message)), (case, found)


def _modeline(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match, f"{path}: no modeline on the first line: {first!r}"
    return match.group(1)


def test_files_init_and_new_write_name_their_schema(tmp_path: Path) -> None:
    """A modeline on the first line points at the schema copied into the site, and every
    file written validates against it."""
    root = tmp_path / "status"
    made = CliRunner().invoke(cli, ["init", str(root), "--install", "statuspage-git==1.0"])
    assert made.exit_code == 0, made.output
    new = CliRunner().invoke(
        cli,
        ["new", "incident", "Checkout errors", "-c", "website=major_outage", "--root", str(root)],
    )
    assert new.exit_code == 0, new.output
    maintenance = CliRunner().invoke(
        cli,
        ["new", "maintenance", "Database upgrade", "--root", str(root),
         "--start", "2030-12-02T22:00", "--end", "2030-12-03T00:00", "-c", "api"],
    )  # fmt: skip
    assert maintenance.exit_code == 0, maintenance.output
    for name in ("statuspage", "incident"):
        shipped = (SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8")
        assert (root / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8") == shipped

    config_path = root / "statuspage.yaml"
    assert (config_path.parent / _modeline(config_path)).resolve() == (
        root / "schemas" / "statuspage.schema.json"
    )
    assert errors(CONFIG, config_path.read_text(encoding="utf-8")) == []
    incidents = sorted((root / "incidents").glob("*.yaml"))
    assert len(incidents) == 3
    for path in incidents:
        assert (path.parent / _modeline(path)).resolve() == (
            root / "schemas" / "incident.schema.json"
        )
        assert errors(INCIDENT, path.read_text(encoding="utf-8")) == [], path
    checked = CliRunner().invoke(cli, ["validate", "--root", str(root)])
    assert checked.exit_code == 0, checked.output
