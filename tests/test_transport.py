"""The transport seam: what crosses it is plain JSON and comes back as it left."""

from __future__ import annotations

import asyncio
import io
import json
import sys
from datetime import UTC, datetime

import pytest

from crawler.checks.image_probe import ImageProbe
from crawler.checks.images import ImageInfo
from crawler.checks.url_check import UrlCheck
from crawler.extract import PageMetadata
from crawler.outcomes import LinkResult, Result
from crawler.read.article import UrlKind
from crawler.run.local import worker_of
from crawler.run.local_worker import _Answers
from crawler.run.transport import CheckAnswer, CheckRequest
from crawler.state.store import UrlCheckRecord

WHEN = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def through_json(data: dict[str, object]) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(json.dumps(data))
    return loaded


def test_an_image_answer_crosses_the_seam_unchanged() -> None:
    link = LinkResult("https://a.test/x.jpg", Result.OK, 206, "https://a.test/x.jpg",
                      attempts=1, elapsed_ms=12, content_type="image/jpeg")  # fmt: skip
    probe = ImageProbe(ImageInfo("jpeg", 800, 600, 6), None, 576, 2, '"e1"', None)
    check = UrlCheck(link, image=probe, etag='"e1"', bytes_read=576)
    answer = CheckAnswer.from_json(
        through_json(CheckAnswer("https://a.test/x.jpg", check).to_json(WHEN))
    )  # type: ignore[arg-type]
    assert answer == CheckAnswer("https://a.test/x.jpg", check)


def test_a_page_answer_keeps_what_the_page_said() -> None:
    link = LinkResult("https://a.test/p", Result.OK, 200, "https://a.test/p", 0, 1, 30, None,
                      "text/html")  # fmt: skip
    page = PageMetadata(title="T", description="D", url="https://a.test/p", is_amp=True)
    check = UrlCheck(link, page=page, soft_404="the same page", last_modified="Sun")
    answer = CheckAnswer.from_json(
        through_json(CheckAnswer("https://a.test/p", check).to_json(WHEN))
    )  # type: ignore[arg-type]
    assert answer.check == check


def test_a_request_carries_the_last_check_for_a_conditional_request() -> None:
    previous = UrlCheckRecord(url="https://a.test/p", result=Result.OK, status=200,
                              etag='"v1"', checked_at=WHEN, extra={"soft404": None})  # fmt: skip
    request = CheckRequest("https://a.test/p", UrlKind.PAGE, previous)
    assert CheckRequest.from_json(through_json(request.to_json())) == request  # type: ignore[arg-type]


def test_every_url_of_a_host_goes_to_the_same_worker() -> None:
    owners = {worker_of(f"https://news.test/{number}", 4) for number in range(50)}
    assert len(owners) == 1
    spread = {worker_of(f"https://host{number}.test/", 4) for number in range(50)}
    assert spread == {0, 1, 2, 3}


class _CountingOutput(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        super().flush()


async def test_a_worker_writes_the_answers_of_one_loop_turn_in_one_flush(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    output = _CountingOutput()
    monkeypatch.setattr(sys, "stdout", output)
    answers = _Answers(asyncio.get_running_loop())
    for number in range(3):
        url = f"https://a.test/{number}"
        answers(CheckAnswer(url, UrlCheck(LinkResult(url, Result.OK, 200))))
    assert output.flushes == 0
    await asyncio.sleep(0)  # one turn of the loop
    assert output.flushes == 1
    lines = output.getvalue().splitlines()
    assert [json.loads(line)["url"] for line in lines] == [f"https://a.test/{n}" for n in range(3)]
