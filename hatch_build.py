"""Hatchling build hook: compile the matcher core ``ruleie/language/_corevm.pyx`` to a C extension.

``pip install .`` (and ``pip wheel .``) puts the compiled module into the wheel, which is
then tagged for this Python and platform; ``pip install -e .`` compiles it in place,
next to the ``.pyx``, where the editable install imports it. Cython turns the ``.pyx``
into C in a temporary directory (the generated C is never written into the source tree)
and setuptools' ``build_ext`` compiles it with the compiler Python was built with.

Where it cannot be built (no C compiler, no Python headers, no Cython), the wheel is
built without it and ruleie runs its pure-Python core, saying so once on stderr.
``RULEIE_REQUIRE_EXTENSION=1`` makes that a build error instead (CI sets it);
``RULEIE_PURE_PYTHON=1`` skips the extension on purpose.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

MODULE = "ruleie.language._corevm"
SOURCE = Path("ruleie") / "language" / "_corevm.pyx"


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


class CoreVMBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        if _flag("RULEIE_PURE_PYTHON"):
            self.app.display_warning("RULEIE_PURE_PYTHON is set: building ruleie without its compiled matcher core")
            return
        editable = version == "editable"
        try:
            built = self._compile(inplace=editable)
        except Exception as error:  # noqa: BLE001 - any failure means: no extension
            if _flag("RULEIE_REQUIRE_EXTENSION"):
                raise RuntimeError(f"cannot build the compiled matcher core ({MODULE}): {error}") from error
            self.app.display_warning(
                f"cannot build the compiled matcher core ({type(error).__name__}: {error}); "
                "ruleie will run its pure-Python core (slower)"
            )
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        if not editable:
            build_data["force_include"][str(built)] = f"ruleie/language/{built.name}"
        self.app.display_info(f"built the compiled matcher core: {built.name}")

    def _compile(self, inplace: bool) -> Path:
        from Cython.Build import cythonize
        from setuptools import Distribution, Extension

        root = Path(self.root)
        work = Path(tempfile.mkdtemp(prefix="ruleie-corevm-"))
        self._work = work
        extension = Extension(
            MODULE,
            [str(SOURCE)],
            extra_compile_args=["-O3", "-g0"] if os.name != "nt" else ["/O2"],
        )
        cwd = os.getcwd()
        os.chdir(root)  # Cython and build_ext take the source path relative to the project
        try:
            (extension,) = cythonize(
                [extension],
                build_dir=str(work / "c"),
                compiler_directives={"language_level": 3},
                quiet=True,
                force=True,
            )
            distribution = Distribution({"name": "ruleie", "ext_modules": [extension]})
            command = distribution.get_command_obj("build_ext")
            command.build_lib = str(root if inplace else work / "lib")
            command.build_temp = str(work / "temp")
            command.inplace = False
            command.ensure_finalized()
            command.run()
            built = Path(command.get_ext_fullpath(MODULE))
        finally:
            os.chdir(cwd)
        if not built.is_absolute():
            built = root / built
        if not built.is_file():
            raise RuntimeError(f"build_ext reported no {built}")
        return built

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        work = getattr(self, "_work", None)
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
