"""The apps' layers (docs/architecture.md): the contract in pyproject.toml holds, fails on a reversed import, and no
project module is imported inside a function to dodge a circle."""

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
PACKAGES = CONTRACT["root_packages"]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_layer_contract_is_kept():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_lower_app_importing_a_higher_one_breaks_the_contract(tmp_path):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    selectors = tmp_path / "selfcheck" / "selectors.py"
    selectors.write_text("from sharing.selectors import share_for_sheet  # noqa\n" + selectors.read_text())

    result = _lint_imports(tmp_path)

    assert result.returncode == 1
    assert "selfcheck is not allowed to import sharing" in result.stdout
    assert "selfcheck.selectors -> sharing.selectors (l.1)" in result.stdout


def _function_level_project_imports() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts:
                continue
            tree = ast.parse(path.read_text(), str(path))
            for function in ast.walk(tree):
                if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                if path.name == "apps.py":
                    continue  # apps.py is imported before models can be: its functions import them when run
                for node in ast.walk(function):
                    if isinstance(node, ast.ImportFrom):
                        names = [("." * node.level) + (node.module or "")]
                    elif isinstance(node, ast.Import):
                        names = [alias.name for alias in node.names]
                    else:
                        continue
                    for name in names:
                        if name.startswith(".") or name.split(".")[0] in PACKAGES:
                            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {function.name}: {name}")
    return found


def test_no_project_module_is_imported_inside_a_function():
    """Outside apps.py, a project import inside a function only hides a circle: move it to the top, or let
    the lower app offer a hook (core/hooks.py). Third-party imports kept lazy for their weight are not listed."""
    assert _function_level_project_imports() == []
