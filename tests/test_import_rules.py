"""scripts/check_imports.py: the project passes it, and each rule catches what it names."""

import importlib.util
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def checker():
    spec = importlib.util.spec_from_file_location(
        "check_imports", ROOT / "scripts" / "check_imports.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_project_keeps_its_import_rules(checker, capsys):
    assert checker.main() == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "no cycles, no layer breached, no private names imported" in out


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


@pytest.fixture
def fake(checker, tmp_path, monkeypatch):
    """A tree of two apps, ``low`` below ``high``, checked instead of the project."""
    monkeypatch.setattr(checker, "ROOT", tmp_path)
    monkeypatch.setattr(checker, "LAYERS", [("low",), ("high",)])
    monkeypatch.setattr(checker, "PACKAGES", ["low", "high"])
    write(tmp_path, {"low/__init__.py": "", "high/__init__.py": ""})

    return tmp_path


def run(checker, capsys) -> tuple[int, list[str]]:
    code = checker.main()
    out = capsys.readouterr().out.splitlines()
    return code, [line for line in out if line.startswith("FAIL")]


def test_a_cycle_is_caught(checker, fake, capsys):
    write(fake, {"low/a.py": "from low import b\n", "low/b.py": "from low import a\n"})
    code, fails = run(checker, capsys)
    assert code == 1
    assert fails == ["FAIL import cycle: low.a ↔ low.b"]


def test_a_cycle_through_a_type_checking_import_is_not_one(checker, fake, capsys):
    write(
        fake,
        {
            "low/a.py": "from low import b\n",
            "low/b.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from low import a\n"
            ),
        },
    )
    assert run(checker, capsys) == (0, [])


def test_a_lower_app_importing_a_higher_one_is_caught(checker, fake, capsys):
    write(fake, {"high/models.py": "X = 1\n", "low/a.py": "from high.models import X\n"})
    code, fails = run(checker, capsys)
    assert code == 1
    assert "low.a (low) imports high.models, an app above it" in fails[0]


def test_a_private_name_across_modules_is_caught(checker, fake, capsys):
    write(fake, {"low/a.py": "_hidden = 1\n", "low/b.py": "from low.a import _hidden\n"})
    code, fails = run(checker, capsys)
    assert code == 1
    assert "imports private _hidden from low.a" in fails[0]


def test_an_import_in_a_function_needs_its_reason(checker, fake, capsys):
    write(
        fake,
        {
            "low/a.py": "X = 1\n",
            "low/b.py": "def f():\n    from low.a import X\n    return X\n",
            "low/c.py": (
                "def f():\n"
                "    # the registry loads the models after this module\n"
                "    from low.a import X\n"
                "    return X\n"
            ),
        },
    )
    code, fails = run(checker, capsys)
    assert code == 1
    assert len(fails) == 1 and "low/b.py:2: import of low.a inside a function" in fails[0]
