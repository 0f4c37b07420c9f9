"""The grading sandbox: every kernel that autogrades submissions runs inside Debian's bubblewrap.

What a sandboxed grading kernel can do (and what the canary proves before any grading):

- **See** only the system's programs and libraries (`/usr`, the Python it runs on, the project's
  own packages), read-only. Not the home (course, banks with the answer keys, gradebook,
  `academy.db`, token files), not other submissions, not `/root` or `/home`: they are not in its
  file system at all. Writable: its own copy of the submission being graded and a private `/tmp`
  (a small tmpfs), nothing else.
- **Reach** no network: it has a network namespace of its own (only its own loopback). It talks
  to the grading worker through Unix sockets (ZeroMQ's `ipc` transport) in a folder of its own.
- **Use** bounded resources, set by its launcher (`graders.exam.sandbox_kernel`) with setrlimit
  before the kernel starts: address space, processes (threads count too), file size, CPU time,
  open files, no core dumps. When grading runs as root the kernel also drops to an unused user id
  of its own (root is exempt from the process limit); otherwise it keeps the grader's id inside a
  user namespace. Its processes live in a PID namespace: ending the kernel ends them all.
- **Know** nothing of the key: the worker scores each submission outside the sandbox and hands the
  kernel only that submission's lines and points (`graders.exam.widgets.grading_sheet`).

A worker keeps one warm kernel from one submission to the next (starting a kernel costs about as
much as grading a submission). Before each submission the worker empties every place the kernel
can write (its working folder, its private /tmp, anything new in its connection folder) and copies
in that submission's files only; after it, a kernel that left a process or a thread behind, or
used half its CPU allowance, is thrown away and a new one started.

If bubblewrap is missing or the canary finds any check not refused, nothing is graded and the
trainer is told why (`SandboxUnavailable`).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import stat
import sys
import tempfile
import threading
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

BWRAP = "bwrap"
#: JSON object overriding `Limits` fields, e.g. {"cpu_seconds": 30} (tests and tuning)
LIMITS_ENV = "ACADEMY_SANDBOX_LIMITS"
#: user ids handed to sandboxed kernels when grading runs as root: far above any real account
UID_BASE = 1_900_000_000
UID_SPAN = 100_000_000
#: the project's top-level packages the kernel may import (bound read-only)
#: (graders.exam imports core: errors, option checks, YAML and table reading)
CODE_PACKAGES = ("graders", "core", "academy")
#: what a grading kernel's file system holds of /etc
ETC_FILES = ("ld.so.cache", "localtime", "passwd", "group", "nsswitch.conf", "mime.types")
#: environment variables handed into the sandbox (everything else is cleared)
KEPT_ENV = ("LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ")
INSTALL_HINT = "install Debian's bubblewrap (`apt-get install bubblewrap`, or `make` as root)"


class SandboxUnavailable(Exception):
    """The grading sandbox cannot be set up or is not effective: nothing may be graded."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one grading kernel (per process; CPU over the kernel's whole life)."""

    memory_mb: int = 2048        # RLIMIT_AS: a warm kernel uses about 600 MB of address space
    processes: int = 64          # RLIMIT_NPROC: threads count too (a kernel has about 10)
    file_mb: int = 64            # RLIMIT_FSIZE: the largest file it may write
    cpu_seconds: int = 600       # RLIMIT_CPU: the kernel is recycled at half of it
    open_files: int = 256        # RLIMIT_NOFILE
    tmp_mb: int = 64             # size of its private /tmp (a tmpfs)

    @classmethod
    def from_env(cls, env: dict | None = None) -> Limits:
        raw = (os.environ if env is None else env).get(LIMITS_ENV)
        if not raw:
            return cls()
        data = json.loads(raw)
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"{LIMITS_ENV}: unknown limit(s) {sorted(unknown)}; known: {sorted(known)}")
        return replace(cls(), **{k: int(v) for k, v in data.items()})

    def launcher_args(self) -> list[str]:
        mb = 1024 * 1024
        return [f"--as={self.memory_mb * mb}", f"--nproc={self.processes}",
                f"--fsize={self.file_mb * mb}", f"--cpu={self.cpu_seconds}",
                f"--nofile={self.open_files}"]


def find_bwrap(path: str | None = None) -> str:
    """The bubblewrap executable on PATH, or SandboxUnavailable saying how to install it."""
    found = shutil.which(BWRAP, path=path if path is not None else os.environ.get("PATH"))
    if not found:
        raise SandboxUnavailable(f"bubblewrap ({BWRAP}) is not installed or not on PATH: {INSTALL_HINT}")
    return found


def code_dirs() -> list[Path]:
    """Where the project's packages are imported from (an editable install: the working tree)."""
    import importlib.util

    out = []
    for name in CODE_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        out.extend(Path(p).resolve() for p in spec.submodule_search_locations)
    return out


def python_dirs() -> list[Path]:
    """The Python installation and the virtual environment the kernel runs on."""
    dirs = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(),
            Path(sys.exec_prefix).resolve(), Path(sys.base_exec_prefix).resolve()}
    return sorted(dirs)


def _under(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


class Sandbox:
    """One grading kernel's sandbox: its private folder (connection file, ipc sockets, working
    copy), its user id and the bubblewrap command line of its kernelspec."""

    def __init__(self, limits: Limits, hidden: list[Path], bwrap: str | None = None,
                 base: str | Path | None = None):
        self.limits = limits
        self.bwrap = bwrap or find_bwrap()
        self.root_mode = os.geteuid() == 0
        self.uid = UID_BASE + secrets.randbelow(UID_SPAN) if self.root_mode else os.getuid()
        self.gid = self.uid if self.root_mode else os.getgid()
        self.dir = Path(tempfile.mkdtemp(prefix="sbx-" if base else "academy-sbx-", dir=base)).resolve()
        self.conn_dir = self.dir / "k"
        self.work = self.dir / "work"
        for d in (self.conn_dir, self.work):
            d.mkdir(mode=0o700)
            self._own(d)
        self.hidden = [Path(h).resolve() for h in hidden]

    @property
    def connection_file(self) -> str:
        return str(self.conn_dir / "kernel.json")

    @property
    def ipc_prefix(self) -> str:
        return str(self.conn_dir / "ipc")

    def _own(self, path: Path) -> None:
        if self.root_mode:
            os.lchown(path, self.uid, self.gid)

    def argv(self, extra_pythonpath: list[str] | None = None) -> list[str]:
        """The kernelspec argv: bubblewrap around the launcher around ipykernel."""
        a = ["/bin/sh", "-c", 'trap "" INT; exec "$@"', "sh", self.bwrap,
             "--die-with-parent", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
             "--unshare-cgroup-try", "--hostname", "grading-sandbox"]
        if self.root_mode:
            # privileged bubblewrap without a user namespace; the launcher needs these two to drop
            # to the kernel's own user id, after which it holds no capability at all
            a += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        else:
            a += ["--unshare-user", "--disable-userns"]
        a += ["--clearenv"]
        env = {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp",
               "IPYTHONDIR": "/tmp/.ipython", "PYTHONDONTWRITEBYTECODE": "1",
               "MPLCONFIGDIR": "/tmp/.matplotlib"}
        for k in KEPT_ENV:
            if os.environ.get(k):
                env[k] = os.environ[k]
        if extra_pythonpath:
            env["PYTHONPATH"] = os.pathsep.join(extra_pythonpath)
        for k, v in env.items():
            a += ["--setenv", k, v]
        a += ["--proc", "/proc", "--dev", "/dev",
              "--perms", "1777", "--size", str(self.limits.tmp_mb * 1024 * 1024), "--tmpfs", "/tmp"]
        a += ["--ro-bind", "/usr", "/usr"]
        for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            p = Path("/") / top
            if p.is_symlink():
                a += ["--symlink", os.readlink(p), str(p)]
            elif p.is_dir():
                a += ["--ro-bind", str(p), str(p)]
        bound = [Path("/usr")]
        made: set[Path] = {Path("/"), Path("/tmp"), Path("/etc")}
        a += ["--perms", "0755", "--dir", "/etc"]
        for name in ETC_FILES:
            a += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]

        def parents(d: Path) -> list[str]:
            # folders above a bind are made by bubblewrap; readable by the kernel's user, not 0700
            out = []
            for p in reversed(d.parents):
                if p not in made:
                    made.add(p)
                    out += ["--perms", "0755", "--dir", str(p)]
            return out

        for d in [*python_dirs(), *code_dirs()]:
            if any(_under(d, b) for b in bound):
                continue
            a += [*parents(d), "--ro-bind", str(d), str(d)]
            bound.append(d)
        # a home (or anything secret) that lies inside a bound folder is covered with an empty one
        for h in self.hidden:
            if any(_under(h, b) for b in bound) and h.is_dir():
                a += ["--tmpfs", str(h), "--remount-ro", str(h)]
        a += [*parents(self.conn_dir), "--bind", str(self.conn_dir), str(self.conn_dir),
              "--bind", str(self.work), str(self.work),
              "--chdir", str(self.work), "--"]
        a += [sys.executable, "-P", "-m", "graders.exam.sandbox_kernel", *self.limits.launcher_args()]
        if self.root_mode:
            a += [f"--uid={self.uid}", f"--gid={self.gid}"]
        # (nbclient adds --HistoryManager.hist_file=:memory:, so IPython keeps no history file)
        a += ["--", "-f", "{connection_file}"]
        return a

    def kernel_spec(self, extra_pythonpath: list[str] | None = None):
        from jupyter_client.kernelspec import KernelSpec

        return KernelSpec(argv=self.argv(extra_pythonpath), display_name="Python 3 (grading sandbox)",
                          language="python", interrupt_mode="signal", metadata={"debugger": False})

    def configure(self, km) -> None:
        """A kernel manager (before its start) set to this sandbox: spec, ipc, connection file."""
        from jupyter_client.kernelspec import KernelSpecManager

        spec = self.kernel_spec(_pythonpath_for_code())

        class _Only(KernelSpecManager):
            def get_kernel_spec(self, kernel_name):  # noqa: ARG002 - the sandbox's, whatever the name
                return spec

        km.kernel_spec_manager = _Only()
        km._kernel_spec = None  # read again from the manager above
        km.transport = "ipc"
        km.ip = self.ipc_prefix
        km.connection_file = self.connection_file
        # written now (jupyter_client keeps a file already written) and handed to the kernel's user
        km.write_connection_file()
        self._own(Path(self.connection_file))

    def check_starts(self) -> None:
        """bubblewrap itself runs with these options (user namespaces allowed, and so on)."""
        import subprocess

        argv = self.argv()
        cut = argv.index("--", argv.index("--chdir"))
        try:
            res = subprocess.run([*argv[:cut + 1], "/bin/true"], capture_output=True, text=True,
                                 timeout=60, check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            raise SandboxUnavailable(f"bubblewrap could not be run: {exc}") from exc
        if res.returncode != 0:
            why = " ".join(res.stderr.split())[:300] or f"exit code {res.returncode}"
            raise SandboxUnavailable(f"bubblewrap cannot set up the grading sandbox here: {why}")

    # --- the working copy ------------------------------------------------------------------------

    def load(self, src: Path | None) -> None:
        """The kernel's working folder holds exactly the files of `src` (one submission's working
        copy; None: empty) and nothing of the previous one. Regular files and folders are copied,
        symbolic links are copied as links (never followed), anything else is left out."""
        self._empty(self.work)
        if src is not None:
            self._copy(Path(src), self.work)

    def _empty(self, folder: Path) -> None:
        for entry in os.scandir(folder):
            p = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(p, ignore_errors=True)
            else:
                try:
                    p.unlink()
                except FileNotFoundError:
                    pass

    def _copy(self, src: Path, dst: Path) -> None:
        for entry in os.scandir(src):
            s, d = Path(entry.path), dst / entry.name
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISLNK(mode):
                os.symlink(os.readlink(s), d)
            elif stat.S_ISDIR(mode):
                d.mkdir(mode=0o700)
                self._copy(s, d)
            elif stat.S_ISREG(mode):
                shutil.copyfile(s, d, follow_symlinks=False)
            else:
                continue
            self._own(d)

    def seal(self) -> None:
        """Once the kernel is up: its connection folder and file are no longer its to write (as
        root; otherwise they stay the kernel's, and `reset` removes anything added there)."""
        if self.root_mode:
            os.chown(self.connection_file, 0, 0)
            os.chmod(self.connection_file, 0o444)
            os.chown(self.conn_dir, 0, 0)
            os.chmod(self.conn_dir, 0o755)
        self._conn_entries = set(os.listdir(self.conn_dir))

    def reset(self, kernel_pid: int | None, src: Path | None) -> None:
        """Before each submission: every place the kernel can write is emptied (its private /tmp,
        reached through /proc/PID/root, and anything new in its connection folder), then its
        working folder gets this submission's files."""
        if kernel_pid is not None:
            self._wipe_tmp(kernel_pid)
        known = getattr(self, "_conn_entries", None)
        if known is not None:
            for name in set(os.listdir(self.conn_dir)) - known:
                p = self.conn_dir / name
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
        self.load(src)

    def _wipe_tmp(self, kernel_pid: int) -> None:
        """Empty the kernel's /tmp, seen through /proc/PID/root, except the folders that lead to
        this sandbox's own bind mounts (removing those would unmount them). Walked with folder
        descriptors opened O_NOFOLLOW: a symbolic link the kernel put there is removed, never
        followed (through /proc/PID/root an absolute link would point into the grader's files)."""
        tmp = Path("/tmp")
        chain = [p for p in [*reversed(self.dir.parents), self.dir] if _under(p, tmp) and p != tmp]
        flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
        try:
            fd = os.open(f"/proc/{kernel_pid}/root/tmp", flags)
        except OSError:
            return
        try:
            for i in range(len(chain) + 1):
                if i < len(chain):
                    keep = {chain[i].name}
                else:
                    keep = {self.conn_dir.name, self.work.name} if chain else set()
                for entry in os.scandir(fd):
                    if entry.name in keep:
                        continue
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            shutil.rmtree(entry.name, dir_fd=fd)
                        else:
                            os.unlink(entry.name, dir_fd=fd)
                    except OSError:
                        pass
                if i == len(chain):
                    break
                try:
                    nxt = os.open(chain[i].name, flags, dir_fd=fd)
                except OSError:
                    break
                os.close(fd)
                fd = nxt
        finally:
            os.close(fd)

    def cleanup(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- the sandbox's processes, seen from outside ------------------------------------------------

    @staticmethod
    def descendants(pid: int) -> list[int]:
        """Every live process below `pid` (from /proc; the kernel has no children file here)."""
        parents: dict[int, list[int]] = {}
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    raw = f.read()
            except OSError:
                continue
            rest = raw[raw.rfind(b")") + 2:].split()
            if rest and rest[0] != b"Z":
                parents.setdefault(int(rest[1]), []).append(int(name))
        out, todo = [], [pid]
        while todo:
            for child in parents.get(todo.pop(), []):
                out.append(child)
                todo.append(child)
        return out

    @staticmethod
    def processes_inside(kernel_pid: int) -> int:
        """How many processes the sandbox holds (its init, the kernel, whatever the kernel
        started): the numeric entries of the sandbox's own /proc, which lists exactly its PID
        namespace (one folder read, instead of a walk of the whole machine's /proc)."""
        fd = os.open(f"/proc/{kernel_pid}/root/proc", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            return sum(name.isdigit() for name in os.listdir(fd))
        finally:
            os.close(fd)

    @staticmethod
    def threads_and_cpu(pid: int) -> tuple[int, float]:
        """(threads, CPU seconds used) of one process."""
        with open(f"/proc/{pid}/stat", "rb") as f:
            rest = f.read().rsplit(b")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        # fields after the name: state(0) ppid(1) ... utime(11) stime(12) ... num_threads(17)
        return int(rest[17]), (int(rest[11]) + int(rest[12])) / ticks


def _pythonpath_for_code() -> list[str]:
    """PYTHONPATH entries the kernel needs to import the project's packages from where the worker
    imports them (an entry of the worker's own PYTHONPATH, e.g. a benchmark of other code)."""
    wanted = []
    for d in code_dirs():
        parent = str(d.parent)
        if parent in sys.path and parent not in wanted:
            wanted.append(parent)
    return wanted


# --- the canary ----------------------------------------------------------------------------------

CANARY_CODE = r'''
def __academy_canary(paths, port, limits, token):
    import json, os, resource, socket
    found = []
    for path in paths["read"]:
        try:
            with open(path, "rb") as f:
                f.read(1)
            found.append(f"could read {path}")
        except OSError:
            pass
    for path in paths["list"]:
        try:
            os.listdir(path)
            found.append(f"could list {path}")
        except OSError:
            pass
    for path in paths["write"]:
        try:
            with open(path, "ab"):
                pass
            found.append(f"could write {path}")
        except OSError:
            pass
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(3)
    try:
        s.connect(("127.0.0.1", port))
        found.append(f"could connect to the grader's 127.0.0.1:{port}")
    except OSError:
        pass
    finally:
        s.close()
    for name, want in limits.items():
        have = resource.getrlimit(getattr(resource, name))
        if have != (want, want):
            found.append(f"{name} is {have}, not {want}")
    if not os.path.isdir("/proc/1") or len([p for p in os.listdir("/proc") if p.isdigit()]) > 8:
        found.append("not in a PID namespace of its own")
    return json.dumps({"token": token, "found": found})
'''


class _Listener:
    """A TCP listener on the grader's loopback: the canary kernel must not reach it."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.reached = False
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.reached = True
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._t.join(2)
        self.sock.close()


def canary_paths(course_dir: Path, gradebook_url: str, home_root: Path | None) -> dict:
    """What the canary tries: a file planted in the banks, the databases, the submissions."""
    course_dir = Path(course_dir)
    banks = course_dir / "banks"
    read = []
    if banks.is_dir():
        read += [str(p) for p in sorted(banks.iterdir()) if p.is_file()][:3]
    db = _sqlite_path(gradebook_url)
    if db:
        read.append(db)
    if home_root is not None:
        read.append(str(Path(home_root) / "academy.db"))
    listing = [str(course_dir), str(banks), str(course_dir / "submitted"), str(course_dir / "autograded")]
    write = [db] if db else []
    return {"read": read, "list": listing, "write": write}


def _sqlite_path(url: str) -> str | None:
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///"):].split("?", 1)[0]
    return None


def run_canary(kernel, pre, course_dir: Path, gradebook_url: str, home_root: Path | None,
               limits: Limits) -> None:
    """Proof, in the real sandboxed kernel, that the sandbox holds: it must fail to read a canary
    planted in the banks (and the banks, databases, submissions), to write the gradebook, to reach
    a listener on the grader's loopback, and must run under the limits. SandboxUnavailable if not."""
    import resource

    banks = Path(course_dir) / "banks"
    canary = None
    if banks.is_dir():
        canary = banks / f".sandbox-canary-{os.getpid()}-{secrets.token_hex(4)}"
        canary.write_text(secrets.token_hex(16))
    listener = _Listener()
    try:
        paths = canary_paths(course_dir, gradebook_url, home_root)
        if canary is not None:
            paths["read"].insert(0, str(canary))
        mb = 1024 * 1024
        want = {"RLIMIT_AS": limits.memory_mb * mb, "RLIMIT_NPROC": limits.processes,
                "RLIMIT_FSIZE": limits.file_mb * mb, "RLIMIT_CPU": limits.cpu_seconds,
                "RLIMIT_NOFILE": limits.open_files}
        assert all(hasattr(resource, k) for k in want)
        token = secrets.token_hex(8)
        call = f"__academy_canary({paths!r}, {listener.port}, {want!r}, {token!r})"
        reply = pre.wait_for_reply(kernel.kc.execute(
            CANARY_CODE + "\n", silent=True, store_history=False,
            user_expressions={"r": call}))
        content = {} if reply is None else reply["content"]
        expr = content.get("user_expressions", {}).get("r", {})
        if content.get("status") != "ok" or expr.get("status") != "ok":
            raise SandboxUnavailable("the sandbox check could not run in the grading kernel: "
                                     f"{expr.get('ename') or content.get('ename') or 'no reply'} "
                                     f"{expr.get('evalue') or content.get('evalue') or ''}".strip())
        result = json.loads(_literal(expr["data"]["text/plain"]))
        if result.get("token") != token:
            raise SandboxUnavailable("the sandbox check gave no valid answer")
        found = list(result["found"])
        if listener.reached:
            found.append(f"a connection reached the grader's 127.0.0.1:{listener.port}")
        if found:
            raise SandboxUnavailable("the grading sandbox is not effective: " + "; ".join(found[:4]))
    finally:
        listener.close()
        if canary is not None:
            canary.unlink(missing_ok=True)


def _literal(text: str) -> str:
    import ast

    value = ast.literal_eval(text)
    if not isinstance(value, str):
        raise SandboxUnavailable("the sandbox check gave no valid answer")
    return value


def describe(limits: Limits) -> dict:
    return asdict(limits)
