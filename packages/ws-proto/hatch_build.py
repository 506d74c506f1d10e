"""Hatchling build hook: compile the optional C speedups of ws-proto.

``websockets/speedups.c`` is compiled with the compiler and flags that built
the running Python (``sysconfig``'s ``LDSHARED``), and the resulting module
goes into the wheel, which becomes platform-specific. When compiling fails,
the wheel stays pure Python and websockets uses its Python implementations.

``WEBSOCKETS_BUILD_SPEEDUPS`` controls it: ``auto`` (the default) compiles
when possible, ``yes`` fails the build when compiling fails, ``no`` doesn't
try. Editable installs compile the module next to its source.

"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SETTING = "WEBSOCKETS_BUILD_SPEEDUPS"


class SpeedupsBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        setting = os.environ.get(SETTING, "auto")
        if setting not in {"auto", "yes", "no"}:
            raise ValueError(f"{SETTING} must be auto, yes or no, got {setting!r}")
        if setting == "no":
            return

        source = Path(self.root) / "src" / "websockets" / "speedups.c"
        suffix = sysconfig.get_config_var("EXT_SUFFIX")
        if version == "editable":
            target = source.with_name(f"speedups{suffix}")
        else:
            self._tmpdir = tempfile.mkdtemp(prefix="ws-proto-speedups-")
            target = Path(self._tmpdir) / f"speedups{suffix}"

        command = [
            *shlex.split(sysconfig.get_config_var("LDSHARED") or "cc -shared"),
            "-O3",
            "-fPIC",
            "-I" + sysconfig.get_paths()["include"],
            str(source),
            "-o",
            str(target),
        ]
        try:
            subprocess.run(command, check=True, capture_output=True, text=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            if setting == "yes":
                raise
            details = getattr(exc, "stderr", "") or exc
            self.app.display_warning(
                f"websockets: can't compile speedups, using pure Python: {details}"
            )
            return

        if version != "editable":
            build_data["force_include"][str(target)] = f"websockets/speedups{suffix}"
        build_data["pure_python"] = False
        build_data["infer_tag"] = True

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        tmpdir = getattr(self, "_tmpdir", None)
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)
