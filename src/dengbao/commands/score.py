"""`dengbao score`: score a JSON of checklist results with the same core function the web uses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

import click

from .common import echo_json


class ScoreInputError(click.ClickException):
    """Bad input ends the command with a message and exit status 2, never a traceback."""

    exit_code = 2


def _scheme_option(value: str | None) -> Any:
    """A built-in scheme's name, or an agency's scheme as a YAML/JSON file (base + parameters)."""
    if value is None or not value.lower().endswith((".yaml", ".yml", ".json")):
        return value
    import yaml

    path = Path(value)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ScoreInputError(f"--scheme {value}: cannot read the scheme file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1}" if mark else ""
        raise ScoreInputError(
            f"--scheme {value}{at}: not valid YAML ({getattr(exc, 'problem', exc)})"
        ) from None


@click.command(name="score")
@click.option(
    "--json",
    "source",
    required=True,
    type=click.File("rb"),
    help='results JSON ("-": stdin): {"scheme", "level", "results": [{unit, object, result}], "major_risks"}',
)
@click.option("--scheme", default=None, help="override the file's scheme: 2025, 2021, or a scheme YAML file")
def command(source: IO[bytes], scheme: str | None) -> None:
    """测评打分与结论：符合率、控制点、层面、对象得分 (prints JSON)."""
    from dengbao.core import catalogue, scoring

    name = getattr(source, "name", "-")
    try:
        doc = json.loads(source.read().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ScoreInputError(f"{name}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ScoreInputError(
            f"{name} line {exc.lineno} column {exc.colno}: not valid JSON ({exc.msg})"
        ) from None
    try:
        result = scoring.score_document(doc, scheme=_scheme_option(scheme), catalogue=catalogue.default())
    except scoring.ScoringError as exc:
        raise ScoreInputError(f"{name}: {exc}") from None
    echo_json(result.as_dict())
