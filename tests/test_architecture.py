"""The layers hold (docs/architecture.md), and no limit is typed again where the domain has it.

Imports are read from the source (ast), not by importing: module-level imports make the graph
(an import inside a function is a deliberate late binding and cannot make a cycle at import time).
"""
import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).parent.parent
PACKAGE = ROOT / "espace"


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path, module_level=True):
    """The modules a file imports (for `from x import y`, both x and x.y: y may be a module)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text())
    nodes = tree.body if module_level else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            found |= {target} | {f"{target}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def graph():
    files = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: {target for target in imports(path) if target in files and target != name}
            for name, path in files.items()}


def test_the_domain_imports_only_itself_and_the_models_and_never_flask():
    domain = sorted(PACKAGE.joinpath("domain").glob("*.py"))
    assert len(domain) > 20
    for path in domain:
        found = imports(path, module_level=False)
        outside = {t for t in found if t.startswith("espace") and not t.startswith(("espace.domain", "espace.models"))}
        assert not outside, f"{path.name} reaches up to {outside}"
        assert not {t for t in found if t.split(".")[0] in ("flask", "flask_wtf", "werkzeug", "jinja2")}, path.name


def test_module_imports_have_no_cycle():
    edges = graph()
    seen, cycles = {}, []

    def visit(node, path):
        seen[node] = "open"
        for target in sorted(edges[node]):
            if seen.get(target) == "open":
                cycles.append(path[path.index(target):] + [target])
            elif target not in seen:
                visit(target, path + [target])
        seen[node] = "done"

    for node in sorted(edges):
        if node not in seen:
            visit(node, [node])
    assert cycles == []


def test_only_create_app_imports_a_blueprint():
    edges = graph()
    blueprints = {name for name in edges if name.endswith(".routes")}
    assert len(blueprints) > 10
    for name, targets in edges.items():
        if name != "espace":
            assert not targets & blueprints, f"{name} imports {targets & blueprints}"


def test_views_read_and_change_the_database_through_the_domain():
    """A blueprint's routes import no model: each read or change is a domain function, tested there.

    The connection itself (`models.db`) is the health check's to open, and nothing else's."""
    for path in PACKAGE.rglob("routes.py"):
        found = imports(path, module_level=False) - {"espace.models", "espace.models.db"}
        assert not {t for t in found if t.startswith("espace.models.")}, f"{module_name(path)} imports a model"


def test_a_procedure_has_one_name_in_the_package_its_templates_and_its_tests():
    """espace/<name>/ renders templates/<name>/ only, and tests/test_<name>*.py exist (issue 16.6)."""
    for path in sorted(PACKAGE.glob("*/routes.py")):
        name = path.parent.name
        pages = set(re.findall(r"""["']([a-z_]+)/[a-z_/]+\.html["']""", path.read_text()))
        assert pages <= {name}, f"espace/{name}/ renders templates of {pages - {name}}"
        if pages:
            assert (ROOT / "templates" / name).is_dir()
            assert list((ROOT / "tests").glob(f"test_{name}*.py")), f"no tests/test_{name}*.py"


# A number of characters, digits, minutes… typed in a page or a script: it belongs in the domain's
# constants, passed through espace/limits.py.
RETYPED = re.compile(r"\b\d+\s?(caractères|chiffres|minutes|heures|h\b|mois|jours|essais|codes|lignes)")
PAGES = sorted(ROOT.joinpath("templates").rglob("*.html"))


@pytest.mark.parametrize("path", PAGES + [ROOT / "static" / "app.js"], ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_limit_is_typed_in_a_page_or_a_script(path):
    assert RETYPED.findall(path.read_text()) == []
