"""Atomic writes: permissions, symlinks, no temporary file left; diffs for --dry-run."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from crawler.write.atomic import unified_diff, write_atomic


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.endswith(".tmp"))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_content_replaces_the_old(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_bytes(b"old")
    write_atomic(path, b"new\r\n")
    assert path.read_bytes() == b"new\r\n"
    assert leftovers(tmp_path) == []


def test_permission_bits_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_bytes(b"old")
    path.chmod(0o640)
    write_atomic(path, b"new")
    assert mode(path) == 0o640


def test_unusual_permission_bits_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_bytes(b"old")
    path.chmod(0o604)
    write_atomic(path, b"new")
    assert mode(path) == 0o604


def test_the_replacement_is_a_new_inode(tmp_path: Path) -> None:
    # A reader holding the old file open keeps seeing the old bytes, never half.
    path = tmp_path / "a.md"
    path.write_bytes(b"old")
    with path.open("rb") as reader:
        write_atomic(path, b"new")
        assert reader.read() == b"old"
    assert path.read_bytes() == b"new"


def test_symlink_stays_a_link_and_its_target_is_updated(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "a.md"
    target.write_bytes(b"old")
    target.chmod(0o600)
    link = tmp_path / "link.md"
    link.symlink_to(Path("real") / "a.md")
    write_atomic(link, b"new")
    assert link.is_symlink()
    assert os.readlink(link) == str(Path("real") / "a.md")
    assert target.read_bytes() == b"new"
    assert mode(target) == 0o600
    assert leftovers(tmp_path) == [] and leftovers(tmp_path / "real") == []


def test_new_file_gets_its_folders_and_the_default_mode(tmp_path: Path) -> None:
    path = tmp_path / "out" / "deep" / "a.md"
    old_umask = os.umask(0o022)
    try:
        write_atomic(path, b"new")
    finally:
        os.umask(old_umask)
    assert path.read_bytes() == b"new"
    assert mode(path) == 0o644


def test_new_file_respects_the_umask(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    old_umask = os.umask(0o077)
    try:
        write_atomic(path, b"new")
    finally:
        os.umask(old_umask)
    assert mode(path) == 0o600


def test_failed_write_leaves_no_temporary_file_and_the_old_content(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_bytes(b"old")
    with pytest.raises(TypeError):
        write_atomic(path, "text, not bytes")  # type: ignore[arg-type]
    assert path.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_failed_rename_leaves_no_temporary_file(tmp_path: Path) -> None:
    # The temporary file is written in full, then the rename onto a folder fails.
    target = tmp_path / "a.md"
    target.mkdir()
    with pytest.raises(IsADirectoryError):
        write_atomic(target, b"new")
    assert target.is_dir()
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_fails_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_bytes(b"old")
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(PermissionError):
            write_atomic(path, b"new")
    finally:
        tmp_path.chmod(0o755)
    assert path.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_diff_shows_changed_lines_with_labels() -> None:
    diff = unified_diff("posts/a.md", b"---\ntitle: x\n---\n", b"---\ntitle: x\ncrawl: {}\n---\n")
    assert diff.splitlines() == [
        "--- a/posts/a.md",
        "+++ b/posts/a.md",
        "@@ -1,3 +1,4 @@",
        " ---",
        " title: x",
        "+crawl: {}",
        " ---",
    ]


def test_diff_of_equal_bytes_is_empty() -> None:
    assert unified_diff("a.md", b"same\n", b"same\n") == ""


def test_diff_keeps_crlf_visible() -> None:
    diff = unified_diff("a.md", b"a\r\nb\r\n", b"a\r\nc\r\n")
    assert "-b\r\n" in diff and "+c\r\n" in diff and " a\r\n" in diff


def test_diff_marks_a_missing_final_newline() -> None:
    diff = unified_diff("a.md", b"a\nb", b"a\nc")
    assert diff.endswith("-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n")


def test_diff_survives_undecodable_bytes() -> None:
    diff = unified_diff("a.md", b"caf\xe9\n", b"cafe\n")
    assert "-caf\ufffd\n" in diff and "+cafe\n" in diff


def test_the_new_version_of_a_private_file_is_never_readable_by_others(tmp_path: Path) -> None:
    from crawler.write import atomic

    target = tmp_path / "private.md"
    target.write_text("old")
    target.chmod(0o600)
    seen: list[int] = []
    original = atomic._create_temporary

    def watching(path: Path, mode: int) -> tuple[Path, int]:
        temporary, descriptor = original(path, mode)
        seen.append(stat.S_IMODE(os.fstat(descriptor).st_mode))
        return temporary, descriptor

    atomic._create_temporary = watching  # type: ignore[assignment]
    try:
        write_atomic(target, b"new")
    finally:
        atomic._create_temporary = original  # type: ignore[assignment]
    assert seen == [0o600]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
