"""One grading worker: a long-lived process that autogrades submissions one at a time with
nbgrader's own Autograde converter, on a warm kernel it keeps from one submission to the next.

nbgrader starts a fresh kernel for every notebook (ipykernel start-up, then importing our grading
code and loading the bank: most of the ~2 s a small submission costs). `WarmExecute` is nbgrader's
`Execute` preprocessor running the notebook on the worker's kernel instead. That is safe because
`sanitize` rebuilds every submission from the released notebook: the only code a kernel ever runs
is our released `ask("q01")` cells, never trainee code. Before each notebook the kernel is put back
into the state a fresh kernel would be in for it (empty namespace, the notebook's folder as working
directory, the same environment, execution counter 1), so the autograded notebook is the one a
fresh kernel gives. A kernel that dies or times out on a cell is thrown away; the next submission
gets a new one.

Started by `graders.exam.parallel` as `python -m graders.exam.worker`. Protocol, JSON lines: the
first line on stdin describes the course and exam, every further line is a job `{"sid": ...}`;
on the protocol pipe (the process's original stdout; anything printed goes to stderr) the worker
sends `{"ready": true}` when its kernel is warm (again after a kernel was lost), `{"kernel": pid}`
whenever it starts a kernel, and one `{"result": {...}}` per job. End of stdin ends the worker.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import signal
import sys
import time
from pathlib import Path
from types import SimpleNamespace

#: Benchmark only: a folder where each worker writes its cProfile statistics (worker-PID.prof)
#: when it ends (`academy bench autograde --profile`)
PROFILE_ENV = "ACADEMY_EXAM_PROFILE"
#: Test only: JSON {trainee id: "kill-kernel" | "hang-kernel"}; the worker kills that trainee's
#: kernel as the notebook starts, or makes it unresponsive (ignores interrupts, never answers).
FAULTS_ENV = "ACADEMY_EXAM_TEST_FAULTS"
STUDENT_ENV = "ACADEMY_EXAM_STUDENT"
#: benchmark only: a file each worker appends its phase timings to (one JSON line at its end),
#: read by `academy bench autograde --sandbox-cost` to say where the sandbox's time goes
PHASES_ENV = "ACADEMY_SANDBOX_PROFILE"
_PROFILE: dict[str, list[float]] = {}


@contextlib.contextmanager
def _phase(name: str):
    """Time a phase of grading into _PROFILE when profiling is on (otherwise nothing)."""
    if not os.environ.get(PHASES_ENV):
        yield
        return
    t0 = time.perf_counter()
    try:
        yield
    finally:
        _PROFILE.setdefault(name, []).append(time.perf_counter() - t0)


@contextlib.contextmanager
def _cpu_phase():
    """With profiling on: the CPU seconds of this worker and of its kernel for one submission."""
    if not os.environ.get(PHASES_ENV):
        yield
        return
    kernel = _Kernel.current
    kpid = (kernel.kernel_pid or kernel.pid) if kernel is not None else None

    def kernel_cpu() -> float | None:
        try:
            with open(f"/proc/{kpid}/stat", "rb") as f:
                rest = f.read().rsplit(b")", 1)[1].split()
            return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, TypeError, IndexError, ValueError):
            return None

    w0, k0 = time.process_time(), kernel_cpu()
    try:
        yield
    finally:
        _PROFILE.setdefault("worker_cpu", []).append(time.process_time() - w0)
        k1 = kernel_cpu()
        if k0 is not None and k1 is not None and _Kernel.current is kernel:
            _PROFILE.setdefault("kernel_cpu", []).append(k1 - k0)


def _write_profile() -> None:
    path = os.environ.get(PHASES_ENV)
    if path and _PROFILE:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(_PROFILE) + "\n")
#: Imported (and the bank loaded) once per kernel: what a fresh kernel pays for on every notebook.
WARM_UP = ("import graders.exam, graders.exam.widgets, graders.exam.scoring, graders.exam.answers, "
           "graders.exam.public, graders.exam.batch_kernel\ngraders.exam.widgets._grading_bank()\n"
           "graders.exam.batch_kernel.install(get_ipython().kernel)")
#: IPython's `%reset -f` (the namespace emptied as in a fresh kernel) without the two full garbage
#: collections it runs (about 0.1 CPU s per submission with pandas loaded; they only free memory,
#: which Python's own collector does as it goes, and a kernel is recycled at half its CPU allowance)
RESET = ("(lambda gc, collect: (setattr(gc, 'collect', lambda *a, **k: 0), "
         "get_ipython().run_line_magic('reset', '-f'), setattr(gc, 'collect', collect)))"
         "(__import__('gc'), __import__('gc').collect)")
HANG = "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(86400)"
#: In the grading sandbox the kernel never loads the bank (it cannot read it): only the imports.
SANDBOX_WARM_UP = ("import graders.exam, graders.exam.widgets, graders.exam.scoring, "
                   "graders.exam.answers, graders.exam.public, graders.exam.batch_kernel\n"
                   "graders.exam.batch_kernel.install(get_ipython().kernel)")
#: Test only: the trainee's own code running in the grading kernel (what the sandbox must confine
#: if it ever got past `sanitize`): a first cell that runs the submitted `attack.py`.
RUN_SUBMITTED = "exec(compile(open('attack.py').read(), 'attack.py', 'exec'), {'__name__': '__attack__'})"

_send = None  # set by main(): sends one message to the parent


class _Kernel:
    """The worker's warm kernel: manager and client, reused across notebooks."""

    current: _Kernel | None = None
    #: the sandbox settings of this worker ({"limits", "hidden", "dir", ...}), None: no sandbox
    sandboxing: dict | None = None

    def __init__(self, km, kc, sandbox=None):
        self.km, self.kc = km, kc
        self.pid = getattr(km.provisioner, "pid", None)
        self.sandbox = sandbox
        self.kernel_pid: int | None = None  # the sandboxed kernel's own process (host pid)
        self.threads: int | None = None  # its threads once warm
        self.language_info: dict | None = None  # its kernel_info reply's (the same every time)

    def run_silently(self, pre, code: str) -> None:
        """Run code without touching the execution counter or history; raise if it fails."""
        reply = pre.wait_for_reply(self.kc.execute(code, silent=True, store_history=False))
        if reply is None or reply["content"]["status"] != "ok":
            content = {} if reply is None else reply["content"]
            raise RuntimeError(f"kernel preparation failed: {content.get('ename', 'no reply')} "
                               f"{content.get('evalue', '')}")

    def prepare(self, path: str) -> str:
        """The state a fresh kernel started for this notebook has: nbgrader starts it in the
        notebook's folder with NBGRADER_EXECUTION=autograde and the trainee in the environment.
        Returns the code that puts the kernel in that state (run silently before the cells,
        in the same request: `graders.exam.batch`); the sandbox's files are reset here."""
        env = {"NBGRADER_EXECUTION": "autograde", STUDENT_ENV: Path(path).parent.name}
        if self.sandbox is None:
            return (f"__import__('os').chdir({path!r}); "
                    f"__import__('os').environ.update({env!r}); "
                    f"{RESET}; "
                    "get_ipython().execution_count = 1")
        # sandboxed: the kernel's working folder gets this submission's files (and nothing of the
        # previous one); the scores are computed here, outside, and handed in for this one only
        from graders.exam import widgets

        sub = Path(path)
        if sub.parent.parent.name == "autograded":  # a submission's working copy (nbgrader's)
            self.sandbox.reset(self.kernel_pid, sub)
            sheet = widgets.grading_sheet(sub, widgets._grading_bank(), widgets.grading_trainee(sub))
        else:  # the warm-up's empty notebook: nothing of the course goes in
            self.sandbox.reset(self.kernel_pid, None)
            sheet = None
        return (f"__import__('os').chdir({str(self.sandbox.work)!r}); "
                f"__import__('os').environ.update({env!r}); "
                "__import__('graders.exam.widgets', fromlist=['_'])._sheet = "
                f"__import__('json').loads({json.dumps(sheet)!r}); "
                f"{RESET}; "
                "get_ipython().execution_count = 1")

    def clean(self) -> bool:
        """Whether a sandboxed kernel may grade another submission: nothing left running beside
        it (no process, no extra thread) and at most half its CPU allowance used."""
        if self.sandbox is None:
            return True
        from graders.exam.sandbox import Sandbox

        try:
            procs = Sandbox.processes_inside(self.kernel_pid)
            threads, cpu = Sandbox.threads_and_cpu(self.kernel_pid)
        except (OSError, TypeError, IndexError, ValueError):
            return False
        return (procs <= 2 and threads <= (self.threads or 0)
                and cpu < self.sandbox.limits.cpu_seconds / 2)

    def discard(self) -> None:
        from jupyter_core.utils import run_sync

        try:
            self.kc.stop_channels()
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - a dead kernel may not shut down cleanly
            if self.pid:
                _kill_group(self.pid)
        with contextlib.suppress(Exception):
            run_sync(self.km.cleanup_resources)()
        if self.sandbox is not None:
            self.sandbox.cleanup()


def _kill_group(pid: int) -> None:
    for kill, target in ((os.killpg, pid), (os.kill, pid)):
        try:
            kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _start_kernel(pre) -> _Kernel:
    """Start a kernel the way nbclient does for nbgrader (same kernel, arguments, cwd), warm it.
    With the sandbox on: the kernel runs in bubblewrap, and the canary proves it before use."""
    if _Kernel.sandboxing is not None:
        return _start_sandboxed(pre, _Kernel.sandboxing)
    with _phase("kernel_start"):
        pre.km = pre.create_kernel_manager()
        pre.start_new_kernel()
        pre.start_new_kernel_client()
    kernel = _Kernel(pre.km, pre.kc)
    if _send and kernel.pid:
        _send({"kernel": kernel.pid})
    try:
        with _phase("warm_up"):
            kernel.run_silently(pre, WARM_UP)
    except BaseException:
        kernel.discard()
        raise
    return kernel


def _start_sandboxed(pre, conf: dict) -> _Kernel:
    from graders.exam import sandbox as sbx

    box = sbx.Sandbox(conf["limits"], conf["hidden"], base=conf.get("dir"))
    try:
        with _phase("bwrap_check"):
            box.check_starts()
        with _phase("kernel_start"):
            pre.km = pre.create_kernel_manager()
            box.configure(pre.km)
            pre.start_new_kernel()
    except BaseException:
        box.cleanup()
        raise
    kernel = _Kernel(pre.km, None, box)
    if _send and kernel.pid:
        _send({"kernel": kernel.pid})
    try:
        try:
            with _phase("kernel_client"):
                pre.start_new_kernel_client()
        except RuntimeError as exc:  # the kernel died on its way up in the sandbox
            raise sbx.SandboxUnavailable(f"the grading kernel did not start in the sandbox ({exc})") from exc
        kernel.kc = pre.kc
        with _phase("warm_up"):
            kernel.run_silently(pre, SANDBOX_WARM_UP)
        with _phase("canary"):
            sbx.run_canary(kernel, pre, Path(conf["course_dir"]), conf["gradebook_url"],
                           Path(conf["home_root"]) if conf.get("home_root") else None, box.limits)
        procs = sbx.Sandbox.descendants(kernel.pid)
        if not procs:
            raise sbx.SandboxUnavailable("the sandboxed kernel's process cannot be found")
        kernel.kernel_pid = procs[-1]
        kernel.threads, _ = sbx.Sandbox.threads_and_cpu(kernel.kernel_pid)
        if sbx.Sandbox.processes_inside(kernel.kernel_pid) != 2:  # its init and the kernel
            raise sbx.SandboxUnavailable("the kernel is not alone in a PID namespace of its own")
        box.seal()
    except BaseException:
        kernel.discard()
        raise
    return kernel


def _fault_for(path: str) -> str | None:
    faults = os.environ.get(FAULTS_ENV)
    return json.loads(faults).get(Path(path).parent.name) if faults else None


def _execute_class():
    from nbclient.client import NotebookClient
    from nbgrader.preprocessors import Execute

    from graders.exam import batch

    class WarmExecute(Execute):
        """nbgrader's Execute, on the worker's warm kernel instead of a fresh one per notebook."""

        def preprocess(self, nb, resources=None, km=None):
            # what nbconvert's ExecutePreprocessor.preprocess does, with our kernel manager
            kernel = _Kernel.current
            NotebookClient.__init__(self, nb, kernel.km if kernel else None)
            self.reset_execution_trackers()
            self._check_assign_resources(resources)
            self._timed_out = False
            path = os.path.abspath((self.resources or {}).get("metadata", {}).get("path") or ".")
            healthy = False
            try:
                if kernel is None:
                    kernel = _Kernel.current = _start_kernel(self)
                self.km, self.kc, self.owns_km = kernel.km, kernel.kc, False
                with _phase("prepare"):
                    prelude = kernel.prepare(path)
                fault = _fault_for(path)
                if fault == "kill-kernel":
                    _kill_group(kernel.pid)
                elif fault == "hang-kernel":
                    self.kc.execute(HANG, silent=True, store_history=False)
                elif fault == "run-submitted-code":
                    import nbformat

                    self.nb.cells.insert(0, nbformat.v4.new_code_cell(RUN_SUBMITTED, id="attack"))
                with self.setup_kernel():
                    if kernel.language_info is None:
                        info_msg = self.wait_for_reply(self.kc.kernel_info())
                        kernel.language_info = info_msg["content"]["language_info"]
                    self.nb.metadata["language_info"] = copy.deepcopy(kernel.language_info)
                    if batch.usable(self):  # all cells in one request
                        with _phase("cells_one_request"):
                            batch.run(self, prelude)
                    else:  # nbclient's loop, a request per cell
                        with _phase("cells_request_each"):
                            kernel.run_silently(self, prelude)
                            for index, cell in enumerate(self.nb.cells):
                                self.preprocess_cell(cell, resources, index)
                with _phase("clean_check"):
                    healthy = not self._timed_out and kernel.clean()
            finally:
                if not healthy and kernel is not None:
                    kernel.discard()
                    _Kernel.current = None
            self.set_widgets_metadata()
            return self.nb, self.resources

        async def _async_handle_timeout(self, timeout, cell=None):
            self._timed_out = True  # interrupted mid-cell: this kernel is not reused
            return await super()._async_handle_timeout(timeout, cell)

    return WarmExecute


def check_schemas_once() -> None:
    """nbgrader validates each cell's metadata with `jsonschema.validate`, which first checks the
    schema itself against jsonschema's meta-schema: the same check for every cell, twice per
    notebook, about a seventh of a worker's CPU. Here the same validation (same validator, same
    best-match error) checks each schema once per process."""
    from jsonschema import exceptions
    from jsonschema.validators import validator_for
    from nbgrader.nbgraderformat import common

    checked: dict = {}  # (class, id of the schema) -> the schema, kept alive so ids stay unique

    def validate(instance, schema, cls=None, *args, **kwargs):
        if cls is None:
            cls = validator_for(schema)
        key = (cls, id(schema))
        if checked.get(key) is not schema:
            cls.check_schema(schema)
            checked[key] = schema
        error = exceptions.best_match(cls(schema, *args, **kwargs).iter_errors(instance))
        if error is not None:
            raise error

    common.jsonschema = SimpleNamespace(validate=validate)


def autograde_config(spec: dict):
    """The home's nbgrader configuration with the warm-kernel Execute in nbgrader's own list of
    autograde preprocessors, and a generous SQLite busy timeout for the shared gradebook."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    from graders.exam import course

    home = SimpleNamespace(course_dir=Path(spec["course_dir"]), exchange_dir=Path(spec["exchange_dir"]),
                           gradebook_url=spec["gradebook_url"],
                           settings=SimpleNamespace(course_id=spec["course_id"]))
    from nbgrader.preprocessors import SaveAutoGrades

    from graders.exam.fast_gradebook import BatchedSaveAutoGrades

    c = course.nbgrader_config(home, spec["exam"], spec["language"])
    warm = _execute_class()
    stock = Autograde.class_traits()["autograde_preprocessors"].default()
    swap = {Execute: warm, SaveAutoGrades: BatchedSaveAutoGrades}
    c.Autograde.autograde_preprocessors = [swap.get(p, p) for p in stock]
    # nbconvert's own option: validate the notebook once after the last preprocessor instead of
    # after each of the thirteen (the same check of the same result; nbformat validates on write too)
    c.NotebookExporter.optimistic_validation = True
    return home, c, warm


def is_locked(result: dict) -> bool:
    return "database is locked" in (result.get("log") or "") + (result.get("error") or "")


class Grader:
    """Grades one submission after another on this process's nbgrader and warm kernel."""

    def __init__(self, spec: dict):
        from nbgrader.apps import NbGraderAPI

        from graders.exam import course
        from graders.exam.fast_gradebook import reuse_engines

        course.ensure_path()
        course.quiet()
        check_schemas_once()
        reuse_engines()
        self.spec = spec
        if spec.get("sandbox") is not None:
            from graders.exam.sandbox import Limits

            conf = dict(spec["sandbox"])
            conf["limits"] = Limits(**conf["limits"])
            conf.update(course_dir=spec["course_dir"], gradebook_url=spec["gradebook_url"])
            _Kernel.sandboxing = conf
        self.home, config, self.execute_class = autograde_config(spec)
        self.api = NbGraderAPI(config=config)
        self.release_nb = Path(spec["release_nb"])

    def warm_up(self) -> None:
        """Start the kernel before the first submission arrives (the parent waits for it)."""
        import nbformat

        nb = nbformat.read(self.release_nb, as_version=4)  # its kernel, no cells
        nb.cells = []
        pre = self.execute_class(config=self.api.config)
        pre.preprocess(nb, {"metadata": {"path": str(self.home.course_dir)}})

    def grade(self, sid: str) -> dict:
        from graders.exam.sanitize import nbgrader_error, sanitize_in_home

        exam = self.spec["exam"]
        try:
            reasons = sanitize_in_home(self.home, exam, sid, self.release_nb)
        except Exception as exc:  # noqa: BLE001 - reported per submission
            return {"sid": sid, "status": "error", "reasons": [f"could not prepare: {exc}"]}
        result = self.api.autograde(exam, sid, force=True, create=True)
        if not result.get("success") and is_locked(result):
            result = self.api.autograde(exam, sid, force=True, create=True)  # once, after a busy gradebook
        if not result.get("success"):
            return {"sid": sid, "status": "error", "reasons": reasons + ["nbgrader: " + nbgrader_error(result)]}
        return {"sid": sid, "status": "repaired" if reasons else "graded", "reasons": reasons}


class _Refused(Exception):
    pass


def _warm_up(grader: Grader, send) -> None:
    """A warm kernel, then "ready"; when the sandbox cannot be had: "refused" with the reason."""
    from graders.exam.sandbox import SandboxUnavailable

    try:
        grader.warm_up()
    except SandboxUnavailable as exc:
        send({"refused": str(exc)})
        raise _Refused from exc
    send({"ready": True})


def main() -> None:
    global _send

    # the protocol gets the original stdout; prints (ours, nbgrader's, a library's) go to stderr
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def send(msg: dict) -> None:
        proto.write(json.dumps(msg) + "\n")
        proto.flush()

    _send = send
    spec = json.loads(sys.stdin.readline())
    grader = Grader(spec)
    try:
        _warm_up(grader, send)
    except _Refused:
        return
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            sid = json.loads(line)["sid"]
            try:
                with _phase("submission"), _cpu_phase():
                    result = grader.grade(sid)
            except Exception as exc:  # noqa: BLE001 - never lose the worker over one submission
                result = {"sid": sid, "status": "error", "reasons": [f"grading failed: {exc}"]}
            lost = _Kernel.current is None
            send({"result": {**result, "kernel_lost": lost}})
            if lost:  # a new kernel before the next submission (whose deadline then starts warm)
                try:
                    _warm_up(grader, send)
                except _Refused:
                    return
    finally:
        if _Kernel.current is not None:
            _Kernel.current.discard()
        _write_profile()


def profiled_main() -> None:
    """main(), under cProfile when PROFILE_ENV names a folder (benchmark only)."""
    folder = os.environ.get(PROFILE_ENV)
    if not folder:
        main()
        return
    import cProfile

    prof = cProfile.Profile()
    try:
        prof.runcall(main)
    finally:
        prof.dump_stats(str(Path(folder) / f"worker-{os.getpid()}.prof"))


if __name__ == "__main__":
    profiled_main()
