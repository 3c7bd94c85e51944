"""Discovery: files, folders and globs become sorted, deduplicated Sources."""

from __future__ import annotations

from pathlib import Path, PurePath

import pytest

from crawler.errors import UsageError
from crawler.read.discover import Source, discover


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


def test_folder_is_searched_recursively_for_markdown_only(site: Path) -> None:
    sources = discover(["content"])
    assert relatives(sources) == ["2021/01/story.md", "2021/02/other.md", "a.markdown", "b.md"]
    assert sources[0].path == Path("content/2021/01/story.md")


def test_hidden_folders_and_files_are_skipped(site: Path) -> None:
    found = relatives(discover(["content"]))
    assert not any(part.startswith(".") for name in found for part in name.split("/"))


def test_file_is_taken_as_is_whatever_its_extension(site: Path) -> None:
    assert discover(["loose.txt"]) == [Source(Path("loose.txt"), PurePath("loose.txt"))]
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


def test_symlinked_folders_are_not_followed_inside_a_folder(site: Path) -> None:
    (site / "content" / "loop").symlink_to(site / "content")
    assert "loop/b.md" not in relatives(discover(["content"]))


def test_dangling_symlink_is_skipped_in_a_folder(site: Path) -> None:
    (site / "content" / "gone.md").symlink_to(site / "nowhere.md")
    assert "gone.md" not in relatives(discover(["content"]))


def test_empty_folder_gives_no_sources(site: Path) -> None:
    (site / "empty").mkdir()
    assert discover(["empty"]) == []


def test_missing_path_is_a_usage_error(site: Path) -> None:
    with pytest.raises(UsageError, match=r"^missing\.md: no such file or folder$"):
        discover(["content", "missing.md"])


def test_glob_matching_nothing_is_a_usage_error(site: Path) -> None:
    with pytest.raises(UsageError, match=r"^content/\*\.rst: matches no file$"):
        discover(["content/*.rst"])
