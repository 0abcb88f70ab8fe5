"""The package's layers: each sub-package imports only from the layers below it, so
that the file tree is the architecture (see the README's Layout)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "mlp"

# Lowest first. A module may import from its own package and from any lower layer,
# never from a higher one; the foundation imports nothing of mlp.
LAYERS = [
    ("mlp.errors", "mlp.validation", "mlp.version", "mlp.atomic_file"),  # foundation
    ("mlp.engine",),     # the only importer of PyTensor, Theano and JAX
    ("mlp.graph",),      # layers, activations, initialisers, cost terms, updates, graphs
    ("mlp.runtime",),    # compiled programs, their cache, the backend and its arrays
    ("mlp.training",),   # the training loop, its settings, data, history and stopping rules
    ("mlp.io",),         # the model file, the network's and estimators' contents, ONNX
    ("mlp.network",),    # the seed's front end
    ("mlp.sklearn",),    # the scikit-learn estimators
    ("mlp.tabular",),    # the estimators for tables: preprocessing and tabular defaults
    ("mlp.saving", "mlp.export", "mlp.precompile"),  # mlp.save / mlp.load; mlp.to_onnx; both
                                                     # lists of programs compiled ahead
    ("mlp",),            # the public names
]


def _layer_of(module):
    best = None
    for rank, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and (
                    best is None or len(name) > len(best[1])):
                best = (rank, name)
    return best


def _module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path):
    """Every mlp module ``path`` imports, at the top or inside a function."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module != "mlp":
                found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "mlp" or name.startswith("mlp.")}


def _upward_imports():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        rank, own = _layer_of(module)
        for imported in _imports(path):
            layer = _layer_of(imported)
            if layer is None:
                continue
            imported_rank, imported_package = layer
            if imported_package == own:
                continue
            if imported_rank >= rank:
                upward.append(f"{module} imports {imported}")
    return upward


def test_every_module_belongs_to_a_layer():
    unplaced = [_module_name(path) for path in PACKAGE.rglob("*.py")
                if _layer_of(_module_name(path)) is None]
    assert unplaced == []


def test_no_module_imports_a_higher_layer():
    assert _upward_imports() == []


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    # A graph module importing the runtime would be caught.
    fake = PACKAGE / "graph" / "layers.py"
    original = Path.read_text

    def read_text(self, *arguments, **keywords):
        text = original(self, *arguments, **keywords)
        return text + "\nfrom mlp.runtime.backend import NetworkBackend\n" if self == fake else text

    monkeypatch.setattr(Path, "read_text", read_text)
    assert "mlp.graph.layers imports mlp.runtime.backend" in _upward_imports()
