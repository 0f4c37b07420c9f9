"""The grading kernel's launcher, run inside bubblewrap (`graders.exam.sandbox`): sets the
resource limits, drops to the kernel's own user id when started as root, then runs ipykernel in
this same process.

    python -P -m graders.exam.sandbox_kernel --as=BYTES --nproc=N --fsize=BYTES --cpu=SECONDS
        --nofile=N [--uid=UID --gid=GID] -- -f CONNECTION_FILE [ipykernel options]

Soft and hard limits are the same, so the kernel cannot raise them again. `JPY_PARENT_PID` is
removed: in the sandbox's PID namespace the kernel's parent is the namespace's init (pid 1), which
ipykernel would take for its parent having died.
"""

from __future__ import annotations

import os
import resource
import runpy
import sys

LIMITS = {"as": resource.RLIMIT_AS, "nproc": resource.RLIMIT_NPROC, "fsize": resource.RLIMIT_FSIZE,
          "cpu": resource.RLIMIT_CPU, "nofile": resource.RLIMIT_NOFILE}


def parse(argv: list[str]) -> tuple[dict[str, int], list[str]]:
    if "--" not in argv:
        raise SystemExit("usage: sandbox_kernel [--LIMIT=VALUE ...] -- KERNEL-ARGS")
    cut = argv.index("--")
    opts = {}
    for arg in argv[:cut]:
        name, _, value = arg.removeprefix("--").partition("=")
        if name not in (*LIMITS, "uid", "gid") or not value.isdigit():
            raise SystemExit(f"sandbox_kernel: bad option {arg!r}")
        opts[name] = int(value)
    return opts, argv[cut + 1:]


def apply(opts: dict[str, int]) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for name, res in LIMITS.items():
        if name in opts:
            resource.setrlimit(res, (opts[name], opts[name]))
    if "uid" in opts and os.getuid() == 0:
        gid = opts.get("gid", opts["uid"])
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(opts["uid"], opts["uid"], opts["uid"])
        if os.getuid() == 0 or os.geteuid() == 0:
            raise SystemExit("sandbox_kernel: could not drop root")


def main() -> None:
    opts, rest = parse(sys.argv[1:])
    apply(opts)
    os.environ.pop("JPY_PARENT_PID", None)
    sys.argv = ["ipykernel_launcher", *rest]
    runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
