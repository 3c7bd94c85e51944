"""Discovery: files, folders and globs become sorted, deduplicated Sources."""

from __future__ import annotations

import os
import stat
import tracemalloc
from pathlib import Path, PurePath

import pytest

from crawler.errors import UsageError
from crawler.read.discover import Refused, Source
from crawler.read.discover import discover as discover_all


def discover(paths: list[str]) -> list[Source]:
    """The Sources found, after checking that nothing was refused."""
    found = list(discover_all(paths))
    assert not [item for item in found if isinstance(item, Refused)]
    return [item for item in found if isinstance(item, Source)]


def refusals(paths: list[str]) -> dict[str, str]:
    return {
        item.path.as_posix(): item.reason
        for item in discover_all(paths)
        if isinstance(item, Refused)
    }


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A content folder with articles, other files, and hidden things, as the cwd."""
    files = [
        "content/b.md",
        "content/a.markdown",
        "content/notes.txt",
        "content/2021/01/story.md",
        "content/2021/02/other.md",
        "content/2021/cover.jpg",
        "content/.git/HEAD.md",
        "content/.drafts/secret.md",
        "content/.hidden.md",
        "content/README.MD",
        "loose.txt",
    ]
    for name in files:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("---\ntitle: x\n---\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def relatives(sources: list[Source]) -> list[str]:
    return [source.relative.as_posix() for source in sources]


def test_folder_is_searched_recursively_for_markdown_and_text_articles(site: Path) -> None:
    sources = discover(["content"])
    assert relatives(sources) == [
        "2021/01/story.md",
        "2021/02/other.md",
        "a.markdown",
        "b.md",
        "notes.txt",
    ]
    assert sources[0].path == Path("content/2021/01/story.md")


def test_hidden_folders_and_files_are_skipped(site: Path) -> None:
    found = relatives(discover(["content"]))
    assert not any(part.startswith(".") for name in found for part in name.split("/"))


def test_file_is_taken_as_is_whatever_its_extension(site: Path) -> None:
    loose = Path("loose.txt")
    assert discover(["loose.txt"]) == [Source(loose, PurePath("loose.txt"), loose.resolve())]
    assert relatives(discover(["content/2021/01/story.md"])) == ["story.md"]


def test_hidden_file_named_explicitly_is_taken(site: Path) -> None:
    assert relatives(discover(["content/.hidden.md"])) == [".hidden.md"]


def test_folder_relative_paths_are_below_the_folder_named(site: Path) -> None:
    assert relatives(discover(["content/2021"])) == ["01/story.md", "02/other.md"]
    assert relatives(discover([str(site / "content" / "2021")])) == ["01/story.md", "02/other.md"]


def test_glob_relative_paths_are_below_its_fixed_leading_folders(site: Path) -> None:
    sources = discover(["content/**/*.md"])
    assert relatives(sources) == ["2021/01/story.md", "2021/02/other.md", "b.md"]
    assert sources[-1].path == Path("content/b.md")


def test_glob_with_magic_in_a_middle_folder(site: Path) -> None:
    assert relatives(discover(["content/2021/0*/*.md"])) == ["01/story.md", "02/other.md"]


def test_glob_from_the_current_folder(site: Path) -> None:
    assert relatives(discover(["*.txt"])) == ["loose.txt"]


def test_glob_matching_folders_searches_them(site: Path) -> None:
    assert relatives(discover(["content/202?"])) == ["2021/01/story.md", "2021/02/other.md"]


def test_glob_does_not_match_hidden_names(site: Path) -> None:
    assert ".hidden.md" not in relatives(discover(["content/*.md"]))


def test_same_file_is_listed_once(site: Path) -> None:
    (site / "content" / "link.md").symlink_to("b.md")
    sources = discover(["content/b.md", "content", "content/*.md", "./content/b.md"])
    assert [source.path.resolve() for source in sources].count(site / "content/b.md") == 1
    assert sources[0].relative == PurePath("b.md")
    assert len(sources) == len({source.path.resolve() for source in sources})


def test_arguments_keep_their_order(site: Path) -> None:
    sources = discover(["content/b.md", "content/2021"])
    assert relatives(sources) == ["b.md", "01/story.md", "02/other.md"]


def test_existing_name_with_glob_characters_is_a_file(site: Path) -> None:
    (site / "notes[1].md").write_text("---\na: 1\n---\n")
    assert relatives(discover(["notes[1].md"])) == ["notes[1].md"]


def test_symlinked_folders_are_not_followed_inside_a_folder_and_are_named(site: Path) -> None:
    (site / "content" / "loop").symlink_to(site / "content")
    found = list(discover_all(["content"]))
    assert "loop/b.md" not in [
        item.relative.as_posix() for item in found if isinstance(item, Source)
    ]
    assert refusals(["content"]) == {"content/loop": "symlink to a folder: not followed"}


def test_dangling_symlink_is_named_not_crawled(site: Path) -> None:
    (site / "content" / "gone.md").symlink_to(site / "nowhere.md")
    assert refusals(["content"]) == {"content/gone.md": "dangling symlink"}


def test_a_symlink_loop_is_named_not_crawled(site: Path) -> None:
    (site / "content" / "loop.md").symlink_to("loop.md")
    assert refusals(["content"]) == {"content/loop.md": "symlink loop"}


def test_a_fifo_named_like_an_article_is_named_not_read(site: Path) -> None:
    os.mkfifo(site / "content" / "pipe.md")
    assert refusals(["content"]) == {"content/pipe.md": "not a regular file (a FIFO)"}


def test_a_device_linked_as_an_article_is_named_not_read(site: Path) -> None:
    (site / "content" / "null.md").symlink_to("/dev/null")
    reasons = refusals(["content"])
    assert reasons["content/null.md"].startswith("symlink to /dev/null, outside ")


def test_a_device_node_named_like_an_article_is_named_not_read(site: Path) -> None:
    try:
        os.mknod(site / "content" / "null.md", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root")
    assert refusals(["content"]) == {"content/null.md": "not a regular file (a device)"}


def test_a_symlink_to_a_file_outside_the_folder_is_not_crawled(site: Path) -> None:
    (site / "content" / "escape.md").symlink_to(site / "loose.txt")
    assert refusals(["content"]) == {
        "content/escape.md": f"symlink to {site / 'loose.txt'}, outside {site / 'content'}: "
        "not followed"
    }


def test_a_symlink_to_a_file_inside_the_folder_is_crawled_at_its_real_path(site: Path) -> None:
    (site / "content" / "alias.md").symlink_to("notes.txt")
    found = {source.relative.as_posix(): source for source in discover(["content"])}
    assert found["alias.md"].path == Path("content/alias.md")
    assert found["alias.md"].real == site / "content/notes.txt"


def test_a_file_named_on_the_command_line_is_followed_wherever_it_points(site: Path) -> None:
    (site / "content" / "escape.md").symlink_to(site / "loose.txt")
    [source] = discover(["content/escape.md"])
    assert source.real == site / "loose.txt"


def test_extensions_choose_what_a_folder_search_finds(site: Path) -> None:
    found = discover_all(["content"], [".txt", ".MD"])
    assert relatives([item for item in found if isinstance(item, Source)]) == [
        "README.MD",
        "notes.txt",
    ]


def test_empty_folder_gives_no_sources(site: Path) -> None:
    (site / "empty").mkdir()
    assert discover(["empty"]) == []


def test_arguments_are_checked_before_anything_is_found(site: Path) -> None:
    found = discover_all(["content", "missing.md"])
    with pytest.raises(UsageError):
        next(found)


def test_missing_path_is_a_usage_error(site: Path) -> None:
    with pytest.raises(UsageError, match=r"^missing\.md: no such file or folder$"):
        list(discover_all(["content", "missing.md"]))


def test_glob_matching_nothing_is_a_usage_error(site: Path) -> None:
    with pytest.raises(UsageError, match=r"^content/\*\.rst: matches no file$"):
        list(discover_all(["content/*.rst"]))


def test_discovery_holds_little_per_file_it_has_yielded(tmp_path: Path) -> None:
    # The set that keeps each file once lives as long as the run: a corpus of 100,000
    # files must not make it a memory cost (a Path per file held about 660 bytes).
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(3000):
        (folder / f"{number:05}_0123456789abcdef.md").write_bytes(b"")
    found = discover_all([str(folder)])
    tracemalloc.start()
    try:
        for _ in range(1000):
            next(found)
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(2000):
            next(found)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown / 2000 < 300, f"{grown / 2000:.0f} bytes per file"  # 435 with a Path each
