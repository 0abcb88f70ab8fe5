"""``python -m mlp.precompile``: compile the default estimators' programs into mlp's
disk cache: two lists, the drop-ins' (``--programs dropins``,
:data:`mlp.sklearn.precompile.DEFAULT_SHAPES`) and the tabular estimators'
(``--programs tabular``, :data:`mlp.tabular.precompile.TABULAR_SHAPES`); both without
``--programs``.

:mod:`mlp.runtime.precompile` starts it with ``--background`` (lowest priority; it
marks the folder done for that list when it finishes): the drop-ins' list at a
process's first compile, the tabular list at the first tabular fit that compiled. Run
in the foreground it says how many programs it compiled. ``--shapes JSON`` compiles
only those ``(kind, rows, columns, classes)``; ``--beside N`` compiles the first N of
them in the background as soon as the user's process leaves a CPU free, not only once
it is idle.
"""

import json
import sys

__all__ = ["run", "shapes_of"]


def shapes_of(programs):
    """The shapes of the list ``programs`` (``"dropins"``, ``"tabular"``, None: both)."""
    from mlp.sklearn import precompile as dropins
    from mlp.tabular import precompile as tabular

    lists = {"dropins": dropins.DEFAULT_SHAPES, "tabular": tabular.TABULAR_SHAPES}
    return lists[programs] if programs else lists["dropins"] + lists["tabular"]


def run(shapes=None):
    """Compile (or load) the programs of ``shapes`` (default: both lists); returns how
    many were compiled."""
    from mlp.sklearn import precompile as dropins
    from mlp.tabular import precompile as tabular

    shapes = shapes_of(None) if shapes is None else shapes
    compiled = 0
    for shape in shapes:
        module = tabular if shape[0].startswith("tabular_") else dropins
        compiled += module.run([tuple(shape)])
    return compiled


def _background(shapes, programs, beside=0):
    from mlp.runtime import background

    background.lowest_priority()  # a user's own work always goes first
    from mlp.runtime import precompile, program_files
    from mlp.runtime import programs as compiled

    folder, done = program_files.folder(), False
    lock = precompile.lock_file(folder, programs)

    def still_running():
        # A lock not touched for ten minutes is taken to be a dead process's.
        try:
            lock.touch()
        except OSError:
            pass

    try:
        for index, shape in enumerate(shapes):
            background.wait_until_idle(still_running, spare_cpu=index < beside)
            run([shape])
        done = True
    finally:
        precompile.finish(folder, compiled.source_digest(), done, programs)


def _main(arguments):
    programs = None
    if "--programs" in arguments:
        programs = arguments[arguments.index("--programs") + 1]
    shapes = shapes_of(programs)
    if "--shapes" in arguments:
        shapes = [tuple(shape) for shape in json.loads(arguments[arguments.index("--shapes") + 1])]
    beside = 0
    if "--beside" in arguments:
        beside = int(arguments[arguments.index("--beside") + 1])
    if "--background" in arguments:
        _background(shapes, programs or "dropins", beside)
    else:
        print(f"compiled {run(shapes)} programs")


if __name__ == "__main__":
    _main(sys.argv[1:])
