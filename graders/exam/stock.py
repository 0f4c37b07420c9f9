"""What makes nbgrader's own commands as safe as `academy exam ...` on a home's course.

The home's `course/nbgrader_config.py` (and the configuration `academy exam` builds in-process)
name these classes, so a trainer who runs stock `nbgrader collect` / `nbgrader autograde` from the
course folder, or presses formgrader's Autograde button, gets the same protection:

- `SafeCollect` copies submissions out of the exchange's inbound folder (writable by every trainee)
  without ever following a link (graders.exam.safe_files): a link to the question bank or the
  token file is left out and named in the log, never copied into the submission.
- `RebuildFromRelease`, first of nbgrader's sanitize preprocessors, replaces each submitted notebook
  by the released one with only the trainee's free-text answers copied in (graders.exam.sanitize),
  so the kernel that nbgrader then starts with the trainer's rights runs only released cells. A
  submission holding a link or special file is refused (nbgrader removes its half-made folder).
  It also points the grading kernel at the trainer-side bank, so the stock path scores as ours.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.preprocessors.base import NbGraderPreprocessor

from graders.exam.safe_files import copy_tree, unsafe_entries

#: the log lines of SafeCollect that name what it left out (read back by lifecycle.collect)
SKIPPED = "skipped, not collected:"

class RefusedSubmission(RuntimeError):
    """A submission that must not be graded (it holds a link or special file)."""


class SafeCollect(ExchangeCollect):
    """nbgrader's collect, copying each submission without following any link; on a hub
    (graders.exam.ownership), a submission not made by the account of the id it names is left
    in the exchange (the hub sets it aside) and named in the log, whoever presses Collect."""

    def init_src(self):
        super().init_src()
        from graders.exam.ownership import accounts_map, forged

        accounts = accounts_map(Path(self.coursedir.root))
        if accounts is None:
            return
        bad = {p.name: why for p, why in forged(Path(self.inbound_path),
                                                self.coursedir.assignment_id, accounts)}
        for name, why in bad.items():
            self.log.warning("%s %s: %s", SKIPPED, name, why)
        for rec in [r for r in self.src_records if r["filename"] in bad]:
            self.src_records.remove(rec)
            # the person's own latest submission, if they made one
            own = [self._path_to_record(str(p)) for p in Path(self.inbound_path).glob(
                f"{rec['username']}+{self.coursedir.assignment_id}+*") if p.name not in bad]
            if own:
                self.src_records.append(self._sort_by_timestamp(own)[0])

    def do_copy(self, src, dest, log=None):
        who = f"{Path(dest).parent.name}/{Path(dest).name}"
        size = self.get_size(src)
        if size > 1000 * self.coursedir.max_dir_size:
            self.log.error("%s %s: the submission is larger than %s kB", SKIPPED, who,
                           self.coursedir.max_dir_size)
            return
        try:
            skipped = copy_tree(src, dest, ignore=self.coursedir.ignore,
                                max_file_size=1000 * self.coursedir.max_file_size)
        except OSError as exc:
            self.log.warning("%s %s: the submission is a link or not a folder (%s)", SKIPPED, who,
                             exc.strerror)
            return
        for rel, why in skipped:
            self.log.warning("%s %s/%s: %s", SKIPPED, who, rel, why)


def skipped_in_log(log: str) -> list[str]:
    """The 'who/what: why' lines SafeCollect logged."""
    return [line.split(SKIPPED, 1)[1].strip() for line in log.splitlines() if SKIPPED in line]


class RebuildFromRelease(NbGraderPreprocessor):
    """The released notebook with the trainee's free-text answers: no submitted code ever runs."""

    def preprocess(self, nb, resources):
        import nbformat
        from nbgrader.coursedir import CourseDirectory

        from graders.exam import course
        from graders.exam.sanitize import rebuild
        from graders.exam.widgets import BANK_ENV

        info = resources["nbgrader"]
        exam, name, sid = info["assignment"], info["notebook"], info["student"]
        folder = Path(resources.get("metadata", {}).get("path") or ".")
        unsafe = unsafe_entries(folder)
        if unsafe:
            listed = "; ".join(f"{rel}: {why}" for rel, why in unsafe)
            raise RefusedSubmission(f"{sid}/{exam} holds {listed}: not graded")
        cd = CourseDirectory(config=self.config)
        release = Path(cd.format_path(cd.release_directory, ".", exam)) / f"{name}.ipynb"
        if not release.is_file():
            raise RefusedSubmission(f"{release} is missing: release {exam} before grading it")
        released = nbformat.read(release, as_version=4)
        for reason in rebuild(released, nb):
            self.log.warning("%s/%s: %s", sid, exam, reason)
        try:
            where = SimpleNamespace(course_dir=Path(cd.root))
            os.environ[BANK_ENV] = str(course.bank_path(where, exam))
        except Exception:  # noqa: BLE001 - no bank: the exam cells fail closed (0 points)
            os.environ.pop(BANK_ENV, None)
        return released, resources
