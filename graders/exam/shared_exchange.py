"""nbgrader's exchange shared by many operating-system accounts (a hub), without its open modes.

Stock nbgrader (0.9) leaves a submission world-readable (files 0644, folders 0755, the
submission's own folder 0777), hidden only by its random name, and checks that whoever releases
owns the exchange's folders, so an exchange prepared for one account fails for the other
(nbgrader issue 1225: formgrader's Release button as the grader account after `academy exam`
ran as root, or the other way round). These classes are what a hub configures instead:

- `PrivateSubmit` (trainees' servers): the submission folder is created 0700 before anything is
  copied into it, every file and folder inside is made under umask 077 and never copied with the
  trainee's own modes, and at the end the tree is opened to its group only (0750/0640). The
  exchange's inbound folder has the set-group-id bit and belongs to the grader account's group,
  so that group is the grader's: no other trainee can read any of it at any moment.
- `SharedReleaseAssignment`, `SharedReleaseFeedback` (trainers): the superuser (who runs
  `academy exam ...` on a hub) may release into exchange folders the grader account owns; what
  it writes is then handed to that account, so formgrader (running as it) can release again.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment
from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
from nbgrader.exchange.default.submit import ExchangeSubmit
from nbgrader.utils import ignore_patterns

#: what the submitted tree is opened to at the end (owner and the inbound folder's group)
DIR_MODE, FILE_MODE = 0o750, 0o640


def private_copy(src: str, dest: str, ignore=None) -> None:
    """Copy the tree `src` to the new folder `dest`, which is created 0700 first; every file
    and folder inside is created 0700/0600 (not with the source's modes); links are skipped."""
    old = os.umask(0o077)
    try:
        os.mkdir(dest, 0o700)
        for folder, dirs, files in os.walk(src):
            rel = os.path.relpath(folder, src)
            target = dest if rel == "." else os.path.join(dest, rel)
            skip = set(ignore(folder, [*dirs, *files])) if ignore else set()
            dirs[:] = [d for d in dirs if d not in skip
                       and not os.path.islink(os.path.join(folder, d))]
            for d in dirs:
                os.mkdir(os.path.join(target, d), 0o700)
            for f in files:
                path = os.path.join(folder, f)
                if f in skip or os.path.islink(path) or not os.path.isfile(path):
                    continue
                shutil.copyfile(path, os.path.join(target, f))
    finally:
        os.umask(old)


def close_tree(root: str, dir_mode: int = DIR_MODE, file_mode: int = FILE_MODE) -> None:
    for folder, _dirs, files in os.walk(root):
        for f in files:
            os.chmod(os.path.join(folder, f), file_mode)
    for folder, _dirs, _files in sorted(os.walk(root), key=lambda w: -len(w[0])):
        os.chmod(folder, dir_mode)


class PrivateSubmit(ExchangeSubmit):
    """nbgrader's submit, with the submission closed to everybody but its group from the start."""

    def do_copy(self, src, dest, log=None):
        size = self.get_size(src)
        if size > 1000 * self.coursedir.max_dir_size:
            raise RuntimeError(f"Directory size is too big. Size is {size}, maximum size is "
                               f"{1000 * self.coursedir.max_dir_size}")
        private_copy(src, dest, ignore_patterns(exclude=self.coursedir.ignore,
                                                include=self.coursedir.include,
                                                max_file_size=self.coursedir.max_file_size,
                                                log=self.log))

    def copy_files(self):
        """nbgrader's steps (release checked, notebooks compared, copy, timestamp and secret,
        cache), with the inbound copy private from its first byte and never opened to all
        (nbgrader makes it 0777 "so the instructor can delete it": the grader account takes
        it over instead)."""
        self.init_release()
        secret = secrets.token_hex(64)
        name = self.assignment_filename
        dest = os.path.join(self.inbound_path, name)
        cache = os.path.join(self.cache_path, name.rsplit("+", 1)[0] if self.add_random_string
                             else name)
        self.log.info("Source: %s", self.src_path)
        self.log.info("Destination: %s", dest)
        self.check_filename_diff()
        old = os.umask(0o077)
        try:
            self.do_copy(self.src_path, dest)
            _write(os.path.join(dest, "timestamp.txt"), self.timestamp)
            _write(os.path.join(dest, "submission_secret.txt"), secret)
            close_tree(dest)
        finally:
            os.umask(old)
        os.makedirs(self.cache_path, exist_ok=True)
        if os.path.isdir(cache):
            shutil.rmtree(cache)
        private_copy(self.src_path, cache)
        _write(os.path.join(cache, "timestamp.txt"), self.timestamp)
        _write(os.path.join(cache, "submission_secret.txt"), secret)
        self.log.info("Submitted as: %s %s %s", self.coursedir.course_id,
                      self.coursedir.assignment_id, self.timestamp)


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


class _SuperuserMayRelease:
    """ensure_directory accepts folders owned by another account when run as root; whatever
    root then made below them is handed to the owner of the exchange's course folder."""

    def ensure_directory(self, path, mode):
        if os.geteuid() == 0 and os.path.isdir(path):
            return
        super().ensure_directory(path, mode)

    def _hand_over(self, top: str) -> None:
        if os.geteuid() != 0:
            return
        course = Path(self.root) / self.coursedir.course_id
        st = course.stat()
        if st.st_uid == 0:
            return
        for path in [Path(top), *Path(top).rglob("*")] if Path(top).is_dir() else [Path(top)]:
            if not path.is_symlink() and path.lstat().st_uid == 0:
                os.chown(path, st.st_uid, st.st_gid, follow_symlinks=False)


class SharedReleaseAssignment(_SuperuserMayRelease, ExchangeReleaseAssignment):
    def copy_files(self):
        super().copy_files()
        self._hand_over(self.dest_path)


class SharedReleaseFeedback(_SuperuserMayRelease, ExchangeReleaseFeedback):
    def copy_files(self):
        super().copy_files()
        for html in Path(self.dest_path).glob("*.html"):
            self._hand_over(str(html))
