"""Property: whatever YAML (or bytes) an incident file holds, loading ends in clean errors."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statuspage.inputs.config import parse_config
from statuspage.inputs.diagnostics import Problems, Severity
from statuspage.inputs.load import INCIDENT_KEYS, UPDATE_KEYS, parse_incident
from statuspage.inputs.model import Config, Incident

CORPUS = Path(__file__).parent / "corpus"


def corpus_config() -> Config:
    config = parse_config("statuspage.yaml", (CORPUS / "statuspage.yaml").read_bytes(), Problems())
    assert config is not None
    return config


CONFIG = corpus_config()

# Scalars YAML reads in many ways, including the YAML 1.1 traps.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(
        [
            "no",
            "yes",
            "2026-11-20",
            "2026-11-20T14:02:00+01:00",
            "2026-03-29T02:30:00",
            "10:30",
            "investigating",
            "resolved",
            "scheduled",
            "major_outage",
            "checkout",
            "30m",
            "~",
        ]
    ),
)
keys = st.one_of(
    st.sampled_from(INCIDENT_KEYS + UPDATE_KEYS + ("checkout", "start", "end")), st.text(max_size=8)
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=6),
    ),
    max_leaves=25,
)


def check(data: bytes) -> None:
    problems = Problems()
    incident = parse_incident("incidents/x.yaml", "x", data, CONFIG, problems)
    if incident is None:
        assert problems.errors, "a file that does not load must say why"
    else:
        assert isinstance(incident, Incident)
        assert not problems.errors
    for diagnostic in problems.items:
        assert diagnostic.path == "incidents/x.yaml"
        assert diagnostic.line >= 1 and diagnostic.column >= 1
        assert diagnostic.message
        assert diagnostic.severity in (Severity.ERROR, Severity.WARNING)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_any_yaml_document_gives_clean_errors(document: object) -> None:
    check(yaml.safe_dump(document, allow_unicode=True).encode("utf-8"))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_give_clean_errors(data: bytes) -> None:
    check(data)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="{}[]:-&*!|>'\"#%@`,? \n\tabc01", max_size=80))
def test_yaml_punctuation_soup_gives_clean_errors(text: str) -> None:
    check(text.encode("utf-8"))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(("at", "status", "message", "next_update", "components")), scalars
    ),
    st.sampled_from(("incident", "maintenance")),
)
def test_near_valid_updates_give_clean_errors(update: dict[str, object], kind: str) -> None:
    document = {
        "title": "Near valid",
        "type": kind,
        "impact": "minor",
        "window": {"start": "2026-12-03T23:00:00+01:00", "end": "2026-12-04T01:00:00+01:00"},
        "updates": [update],
    }
    check(yaml.safe_dump(document).encode("utf-8"))
