"""Copying and checking folders that trainees can write to, without ever following a link.

The exchange's inbound folder is writable by every trainee, and a submission may hold anything a
trainee can create: a symbolic link to the trainer's question bank or to the token file, a hard
link, a named pipe. `copy_tree` copies such a folder file by file through file descriptors opened
with O_NOFOLLOW (relative to their parent's descriptor, so a link swapped in half-way through is
not followed either) and skips, and names, everything that is not a plain directory or a plain
file with one link. `unsafe_entries` lists the same things in a folder already on the trainer's
side (`course/submitted/`), so that they are removed before anything reads or writes there.
"""

from __future__ import annotations

import errno
import os
import stat
from fnmatch import fnmatch
from pathlib import Path

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
#: modes of what the trainer's side creates: never writable by others
DIR_MODE, FILE_MODE = 0o755, 0o644

LINK = "symbolic link (not followed)"
HARD_LINK = "hard link to a file elsewhere (not copied)"
SPECIAL = "not a regular file (not copied)"


def why_unsafe(st: os.stat_result) -> str | None:
    """Why an entry (from lstat) must not be copied or read, or None for a plain file or folder."""
    if stat.S_ISLNK(st.st_mode):
        return LINK
    if stat.S_ISDIR(st.st_mode):
        return None
    if not stat.S_ISREG(st.st_mode):
        return SPECIAL
    if st.st_nlink > 1:
        return HARD_LINK
    return None


def unsafe_entries(root: Path) -> list[tuple[str, str]]:
    """(path relative to root, reason) of every link or special file below root (root included)."""
    root = Path(root)
    try:
        why = why_unsafe(root.lstat())
    except FileNotFoundError:
        return []
    if why:
        return [(".", why)]
    found = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in sorted(dirnames + filenames):
            p = Path(dirpath) / name
            why = why_unsafe(p.lstat())
            if why:
                found.append((str(p.relative_to(root)), why))
    return found


def remove_unsafe(root: Path) -> list[tuple[str, str]]:
    """Remove every link and special file below root (the link itself, never what it points to)."""
    found = unsafe_entries(root)
    for rel, _ in found:
        if rel != ".":
            os.unlink(Path(root) / rel)
    return found


def copy_tree(src: str | os.PathLike, dest: str | os.PathLike, ignore: list[str] | tuple = (),
              max_file_size: int | None = None) -> list[tuple[str, str]]:
    """Copy the folder `src` to the new folder `dest` without following any link.

    Returns (relative path, reason) of every entry skipped: links, hard links, special files,
    files over `max_file_size` bytes. Names matching a pattern of `ignore` are left out silently.
    Raises OSError (ELOOP / ENOTDIR) if `src` itself is a link or not a folder.
    """
    skipped: list[tuple[str, str]] = []
    fd = os.open(src, DIR_FLAGS)
    try:
        _copy_dir(fd, Path(dest), "", skipped, tuple(ignore), max_file_size)
    finally:
        os.close(fd)
    return skipped


def _copy_dir(dir_fd: int, dest: Path, rel: str, skipped: list, ignore: tuple,
              max_file_size: int | None) -> None:
    os.mkdir(dest, DIR_MODE)
    os.chmod(dest, DIR_MODE)
    for name in sorted(os.listdir(dir_fd)):
        if any(fnmatch(name, pattern) for pattern in ignore):
            continue
        here = rel + name
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        why = why_unsafe(st)
        if why:
            skipped.append((here, why))
            continue
        if stat.S_ISDIR(st.st_mode):
            try:
                sub = os.open(name, DIR_FLAGS, dir_fd=dir_fd)
            except OSError as exc:
                skipped.append((here, _open_error(exc)))
                continue
            try:
                _copy_dir(sub, dest / name, here + "/", skipped, ignore, max_file_size)
            finally:
                os.close(sub)
            continue
        try:
            fd = os.open(name, FILE_FLAGS, dir_fd=dir_fd)
        except OSError as exc:
            skipped.append((here, _open_error(exc)))
            continue
        try:
            fst = os.fstat(fd)  # what was really opened (it may have been swapped since the lstat)
            why = why_unsafe(fst)
            if why:
                skipped.append((here, why))
                continue
            if max_file_size is not None and fst.st_size > max_file_size:
                skipped.append((here, f"larger than {max_file_size} bytes (not copied)"))
                continue
            out = os.open(dest / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                          FILE_MODE)
            try:
                while chunk := os.read(fd, 1 << 20):
                    os.write(out, chunk)
                os.fchmod(out, FILE_MODE)
            finally:
                os.close(out)
            os.utime(dest / name, ns=(fst.st_atime_ns, fst.st_mtime_ns), follow_symlinks=False)
        finally:
            os.close(fd)


def _open_error(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return LINK
    return f"unreadable ({exc.strerror}; not copied)"


def make_private(path: Path) -> None:
    """Take write access of group and others away from a trainer-side folder we own."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid() and st.st_mode & 0o022:
        os.chmod(path, stat.S_IMODE(st.st_mode) & ~0o022)
