"""Hatchling build hook: compile ruleie's C extensions with Cython: the matcher core
``ruleie/language/_corevm.pyx`` and the linguistic layer's kernels ``ruleie/text/_layercore.pyx``.

``pip install .`` (and ``pip wheel .``) puts the compiled modules into the wheel, which is
then tagged for this Python and platform; ``pip install -e .`` compiles them in place,
next to the ``.pyx``, where the editable install imports them. Cython turns the ``.pyx``
into C in a temporary directory (the generated C is never written into the source tree)
and setuptools' ``build_ext`` compiles it with the compiler Python was built with.
``python hatch_build.py`` compiles them in place without installing anything.

Where they cannot be built (no C compiler, no Python headers, no Cython), the wheel is
built without them and ruleie runs its pure-Python matcher core (saying so once on
stderr) and the numpy reference of the layer's kernels.
``RULEIE_REQUIRE_EXTENSION=1`` makes that a build error instead (CI sets it);
``RULEIE_PURE_PYTHON=1`` skips the extensions on purpose.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# Module -> Cython source, relative to the project.
MODULES = {
    "ruleie.language._corevm": Path("ruleie") / "language" / "_corevm.pyx",
    "ruleie.text._layercore": Path("ruleie") / "text" / "_layercore.pyx",
}


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


class CoreVMBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        if _flag("RULEIE_PURE_PYTHON"):
            self.app.display_warning("RULEIE_PURE_PYTHON is set: building ruleie without its compiled extensions")
            return
        editable = version == "editable"
        self._work = Path(tempfile.mkdtemp(prefix="ruleie-ext-"))
        try:
            built = compile_extensions(Path(self.root), self._work, inplace=editable)
        except Exception as error:  # noqa: BLE001 - any failure means: no extension
            if _flag("RULEIE_REQUIRE_EXTENSION"):
                raise RuntimeError(f"cannot build the compiled extensions ({', '.join(MODULES)}): {error}") from error
            self.app.display_warning(
                f"cannot build the compiled extensions ({type(error).__name__}: {error}); "
                "ruleie will run its pure-Python matcher core and numpy layer (slower)"
            )
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        for module, path in built.items():
            if not editable:
                package = "/".join(module.split(".")[:-1])
                build_data["force_include"][str(path)] = f"{package}/{path.name}"
        self.app.display_info(f"built the compiled extensions: {', '.join(p.name for p in built.values())}")

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        work = getattr(self, "_work", None)
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


def compile_extensions(root: Path, work: Path, inplace: bool) -> dict[str, Path]:
    """Compile every module of MODULES (C in ``work``); in place next to its source, else
    under ``work``. The built file of each module."""
    from Cython.Build import cythonize
    from setuptools import Distribution, Extension

    extensions = [
        Extension(module, [str(source)], extra_compile_args=["-O3", "-g0"] if os.name != "nt" else ["/O2"])
        for module, source in MODULES.items()
    ]
    cwd = os.getcwd()
    os.chdir(root)  # Cython and build_ext take the source paths relative to the project
    try:
        extensions = cythonize(
            extensions,
            build_dir=str(work / "c"),
            compiler_directives={"language_level": 3},
            quiet=True,
            force=True,
        )
        distribution = Distribution({"name": "ruleie", "ext_modules": extensions})
        command = distribution.get_command_obj("build_ext")
        command.build_lib = str(root if inplace else work / "lib")
        command.build_temp = str(work / "temp")
        command.inplace = False
        command.ensure_finalized()
        command.run()
        built = {module: Path(command.get_ext_fullpath(module)) for module in MODULES}
    finally:
        os.chdir(cwd)
    for module, path in built.items():
        if not path.is_absolute():
            built[module] = path = root / path
        if not path.is_file():
            raise RuntimeError(f"build_ext reported no {path}")
    return built


if __name__ == "__main__":  # compile in place, as ``pip install -e .`` would, without installing
    scratch = Path(tempfile.mkdtemp(prefix="ruleie-ext-"))
    try:
        for built_path in compile_extensions(Path(__file__).resolve().parent, scratch, inplace=True).values():
            print(built_path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
