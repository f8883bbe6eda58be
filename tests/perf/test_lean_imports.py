"""Powertools' event handler without its packages' `__init__`s (operations_api/coldstart.py, `lean_imports`).

A handler's cold start loads only the Powertools submodules its request uses, each from Powertools' own
installed, unmodified file; it answers as before; a later ordinary import of the packages still gives
everything they export; and a Powertools whose packages' `__init__`s stop being plain re-exports fails here
rather than the handlers silently (docs/design.md, "Powertools' packages without their `__init__`").
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import importlib.metadata
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from operations_api import coldstart
from tests.perf.probe import run_probe

# After the import (tests/perf/probe.py): the event's answer, a route no handler has, what was loaded and
# from where, then an ordinary import of the deferred packages and one more request.
REQUESTS_THEN_ORDINARY_IMPORTS = """
answers = {"event": app.lambda_handler(event, Context())}
nowhere = json.loads(json.dumps(event))
nowhere["rawPath"] = nowhere["requestContext"]["http"]["path"] = "/v1/x"
answers["no_route"] = app.lambda_handler(nowhere, Context())
import aws_lambda_powertools.event_handler
facts["init_ran"] = "AppSyncResolver" in vars(aws_lambda_powertools.event_handler)
facts["top_init_ran"] = any(name in vars(aws_lambda_powertools) for name in ("Tracer", "PACKAGE_PATH"))
import logging, os, botocore
from aws_lambda_powertools.shared import user_agent
package_logger = logging.getLogger("aws_lambda_powertools")
facts["top_init_effects"] = {
    "package_logger": [type(handler).__name__ for handler in package_logger.handlers],
    "propagates": package_logger.propagate,
    "user_agent_initializers": botocore._INITIALIZERS.count(user_agent._initializer_botocore_session),
}
facts["loaded"] = {name: getattr(module, "__file__", None) for name, module in list(sys.modules.items())
    if name.startswith("aws_lambda_powertools")}
from aws_lambda_powertools.event_handler import *
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, AppSyncResolver, api_gateway
from aws_lambda_powertools.utilities import data_classes
from aws_lambda_powertools.utilities.data_classes import SQSEvent
from aws_lambda_powertools import Metrics, Tracer, __version__, PACKAGE_PATH
from aws_lambda_powertools.metrics import Metrics as metrics_Metrics
facts["later"] = {
    "top": [Tracer.__module__, Metrics is metrics_Metrics, __version__ == aws_lambda_powertools.__version__,
        str(PACKAGE_PATH) == os.path.dirname(aws_lambda_powertools.__file__)],
    "user_agent_initializers": botocore._INITIALIZERS.count(user_agent._initializer_botocore_session),
    "every_name_exported": all(name in globals() for name in aws_lambda_powertools.event_handler.__all__),
    "every_event_class": all(hasattr(data_classes, name) for name in data_classes.__all__),
    "same_resolver": APIGatewayHttpResolver is api_gateway.APIGatewayHttpResolver,
    "appsync": AppSyncResolver.__module__, "sqs": SQSEvent.__module__,
}
answers["after_ordinary_imports"] = app.lambda_handler(event, Context())
real.write(json.dumps({"answers": answers, **facts}))
"""


@pytest.fixture(scope="module")
def put_probe() -> dict[str, Any]:
    """A PUT's cold start on an invalid record: answered by the handler itself (400), no store needed."""
    return run_probe("put_operation", "put_operation_invalid", REQUESTS_THEN_ORDINARY_IMPORTS)


def test_the_handler_answers_as_before_and_after_an_ordinary_import(put_probe: dict[str, Any]) -> None:
    answers = put_probe["answers"]
    for answer in (answers["event"], answers["after_ordinary_imports"]):
        assert answer["statusCode"] == 400
        assert json.loads(answer["body"])["code"] == "VALIDATION_ERROR"
    assert answers["after_ordinary_imports"]["body"] == answers["event"]["body"]
    assert answers["no_route"]["statusCode"] == 404, "Powertools' own not-found answer still routes"


def test_the_packages_init_is_not_run_at_cold_start_and_an_ordinary_import_gets_everything(
    put_probe: dict[str, Any],
) -> None:
    assert not put_probe["init_ran"], "event_handler's __init__ (every resolver) stays out of the cold start"
    assert not put_probe["top_init_ran"], "nor the top package's (Metrics, Tracer)"
    assert put_probe["later"] == {
        "top": ["aws_lambda_powertools.tracing.tracer", True, True, True],
        "user_agent_initializers": 1,
        "every_name_exported": True,
        "every_event_class": True,
        "same_resolver": True,
        "appsync": "aws_lambda_powertools.event_handler.appsync",
        "sqs": "aws_lambda_powertools.utilities.data_classes.sqs_event",
    }


def test_the_top_packages_init_effects_happen_once_as_the_init_would_make_them(
    put_probe: dict[str, Any],
) -> None:
    """Powertools' own logger discards its records unless POWERTOOLS_DEBUG is set, and every botocore
    session gets Powertools' User-Agent feature: as the top package's `__init__` does, once."""
    assert put_probe["top_init_effects"] == {
        "package_logger": ["NullHandler"],
        "propagates": False,
        "user_agent_initializers": 1,
    }


def test_every_powertools_module_loaded_is_an_installed_unmodified_file(put_probe: dict[str, Any]) -> None:
    """Each file matches the hash the installed distribution's RECORD gives it: no copy, no edit."""
    distribution = importlib.metadata.distribution("aws-lambda-powertools")
    recorded = {
        Path(str(distribution.locate_file(file))).resolve(): file.hash.value
        for file in distribution.files or []
        if file.hash is not None
    }
    loaded = put_probe["loaded"]
    assert len(loaded) > 30
    for name, file in loaded.items():
        assert file is not None, f"{name} has no file"
        path = Path(file).resolve()
        assert path in recorded, f"{name} is loaded from {path}, not from the installed distribution"
        digest = base64.urlsafe_b64encode(hashlib.sha256(path.read_bytes()).digest()).rstrip(b"=").decode()
        assert digest == recorded[path], f"{path} differs from the installed distribution's"


# What each deferred `__init__` does besides re-exporting, on the locked Powertools: the functions it calls
# (called at once by the deferral) and the names it assigns (made when one is asked for).
INIT_CALLS = {"aws_lambda_powertools": ["set_package_logger_handler", "inject_user_agent"]}
INIT_ASSIGNS = {"aws_lambda_powertools": {"__version__", "__author__", "__all__", "PACKAGE_PATH"}}


@pytest.mark.parametrize("package", coldstart.DEFERRED_PACKAGES)
def test_each_deferred_init_only_does_what_is_known_and_its_names_are_the_packages_own(package: str) -> None:
    """On the locked Powertools: the `__init__` holds re-exports, and only the calls and assignments known
    here (a later version that adds anything else fails here), and each name read from it is the very
    object the package exports."""
    real = importlib.import_module(package)  # the ordinary import, `__init__` and all
    spec = real.__spec__
    assert spec is not None
    assert spec.loader is not None
    init = coldstart.read_init(package, spec.loader)
    assert init is not None, f"{package}'s __init__ does more than re-export, assign and call"
    assert init.calls == INIT_CALLS.get(package, [])
    assert init.assigned == INIT_ASSIGNS.get(package, {"__all__"})
    assert sorted(real.__all__) == sorted(set(real.__all__) & set(init.exports)), "every exported name mapped"
    for name, (module, original) in init.exports.items():
        assert getattr(importlib.import_module(module), original) is getattr(real, name), name


def write_package(root: Path, name: str, init: str) -> None:
    (root / name).mkdir()
    (root / name / "__init__.py").write_text(init)
    (root / name / "parts.py").write_text("class Part: ...\nclass Other: ...\n")


@pytest.fixture
def packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on sys.path for the test's packages; what they loaded leaves sys.modules after it."""
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]


def test_a_re_exporting_package_loads_only_the_submodule_a_name_needs(packages: Path) -> None:
    write_package(
        packages, "reexporting", '"""Doc."""\nfrom .parts import Part\nfrom .parts import Other as O\n'
    )
    package = coldstart.defer_package_init("reexporting")
    assert "reexporting.parts" not in sys.modules
    assert package.O is sys.modules["reexporting.parts"].Other
    from reexporting import Part  # type: ignore[import-not-found]

    assert Part is sys.modules["reexporting.parts"].Part
    with pytest.raises(ImportError, match="cannot import name 'Missing'"):
        from reexporting import Missing  # noqa: F401


def test_a_package_whose_init_does_more_runs_it_whole_on_the_first_name_asked(packages: Path) -> None:
    write_package(packages, "doing_more", "from .parts import Part\nif True:\n    STARTED = ['once']\n")
    package = coldstart.defer_package_init("doing_more")
    loader = package.__spec__.loader if package.__spec__ else None
    assert loader is not None
    assert coldstart.read_init("doing_more", loader) is None
    assert "STARTED" not in vars(package), "deferred until a name is asked for"
    assert package.Part is sys.modules["doing_more.parts"].Part
    assert package.STARTED == ["once"]
    assert package.Part is sys.modules["doing_more.parts"].Part


def test_an_absent_package_is_an_import_error() -> None:
    with pytest.raises(
        ImportError, match=r"aws_lambda_powertools\.no_such_package is not an installed package"
    ):
        coldstart.defer_package_init("aws_lambda_powertools.no_such_package")


@pytest.mark.parametrize(
    ("level", "module", "absolute"),
    [(0, "a.b", "a.b"), (1, "parts", "pkg.sub.parts"), (2, "other", "pkg.other"), (1, None, "pkg.sub")],
)
def test_a_relative_import_names_the_module_it_means(level: int, module: str | None, absolute: str) -> None:
    assert coldstart.absolute_module("pkg.sub", level, module) == absolute


def test_the_functions_an_init_calls_are_called_at_once_and_never_again(packages: Path) -> None:
    """The calls run when the package is deferred, in order; a name the `__init__` assigns runs the rest of
    it when first asked for, without calling them a second time."""
    (packages / "calling").mkdir()
    (packages / "calling" / "effects.py").write_text(
        "made = []\ndef first(): made.append('first')\ndef second(): made.append('second')\n"
    )
    (packages / "calling" / "__init__.py").write_text(
        "from .effects import first, second\nfirst()\nVALUE = 'assigned'\nsecond()\n"
    )
    package = coldstart.defer_package_init("calling")
    effects = sys.modules["calling.effects"]
    assert effects.made == ["first", "second"]
    assert "VALUE" not in vars(package)
    assert package.VALUE == "assigned"
    assert effects.made == ["first", "second"], "asking for VALUE made no call again"
    assert package.first is effects.first
