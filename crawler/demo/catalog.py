"""The example site's editorial tables: what differs from the bundled articles.

Most of what the site publishes is read from the bundled articles themselves
(``crawler.demo.content``): every URL an article names is a page, an AMP copy or
an image, with the article's title and excerpt.  This module holds everything
else, each as one explicit table keyed by URL, so a reader can see in one place
which URL misbehaves and how:

* ``STATIC_FILES`` / ``IMAGE_FILES``: which picture each image URL serves;
* ``EDITS``: pages whose title or description changed after the feed was taken
  (the article's copy is stale);
* ``REDIRECTS``: moved pages (a 301 -> 302 -> 200 chain, and a redirect loop);
* ``BEHAVIOURS``: URLs that answer with a failure mode;
* ``AMP_SWITCHED_OFF`` / ``AMP_CANONICALS`` / ``AMPHTML_LINKS``: where an article
  and its AMP copy no longer point at each other (one more AMP fault needs no
  table: an article whose ``cdnAmpWebUrl`` is not its AMP cache URL);
* ``CATCH_ALL_HOSTS`` / ``REMOVED``: hosts that answer any path they have no page
  for with one generic 200 page, and articles taken down since the feed was made;
* ``ROBOTS_DISALLOW`` / ``ROBOTS_MISSING`` / ``RANGE_IGNORED``: per-host policies.
"""

# ruff: noqa: E501  (tables of real-looking URLs read best one entry per line)

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal

SLOW_DELAY = 0.3  # seconds the slow page waits before answering
DRIP_INTERVAL = 1.0  # seconds between two bytes of the page that never completes
RETRY_AFTER = 1  # seconds, the rate-limited page's Retry-After (RFC 9110 section 10.2.3)


class Behaviour(enum.Enum):
    """A failure mode of one URL; the value says what a client sees."""

    NOT_FOUND = "404 Not Found"
    GONE = "410 Gone"
    FLAKY = "503 on the first request for the URL, then 200"
    SLOW = "200 after a short delay"
    HANGING = "200 headers, then one byte a second, never complete"
    BOT_WALL = "403 Cloudflare challenge (cf-mitigated: challenge)"
    RATE_LIMITED = "429 with Retry-After on the first request for the URL, then 200"
    SOFT_404 = "200 with a 'Page not found' page"
    HTML_INSTEAD_OF_IMAGE = "200 text/html error page at an image URL"


@dataclass(frozen=True)
class StaticFile:
    """One picture in ``crawler/demo/static/``, with its stored pixel size."""

    media_type: str
    width: int  # pixels as stored; EXIF-rotated files display as height x width
    height: int
    exif_orientation: int | None = None


@dataclass(frozen=True)
class Edit:
    """What a page says now, where it differs from the article's copy."""

    title: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Redirect:
    status: Literal[301, 302, 307, 308]
    location: str  # sent as is: absolute, or relative to the request URL (RFC 9110 10.2.2)


STATIC_FILES: dict[str, StaticFile] = {
    "newsroom-450x300.jpg": StaticFile("image/jpeg", 450, 300),
    "faces-1024x681.jpg": StaticFile("image/jpeg", 1024, 681),
    "skyline-900x500.jpg": StaticFile("image/jpeg", 900, 500),  # progressive JPEG
    "circuit-1920x1280.jpg": StaticFile("image/jpeg", 1920, 1280),
    "forum-400x225.jpg": StaticFile("image/jpeg", 400, 225),
    "paid-700x450.png": StaticFile("image/png", 700, 450),
    "robot-1200x675.webp": StaticFile("image/webp", 1200, 675),
    "chart-640x360.gif": StaticFile("image/gif", 640, 360),
    "phone-800x600.jpg": StaticFile("image/jpeg", 800, 600, exif_orientation=6),
    "datacenter-640x480.jpg": StaticFile("image/jpeg", 640, 480, exif_orientation=6),
    "logo-256x256.png": StaticFile("image/png", 256, 256),
}

# Image URL -> picture served.  Where the article states another size, the
# article is wrong on purpose (noted on the line); EXIF-rotated files are
# described by their stored size.
IMAGE_FILES: dict[str, str] = {
    "https://cdn.techwireasia.com/wp-content/uploads/2021/01/000_8ZH7HR-450x300.jpg": "newsroom-450x300.jpg",
    "https://s1.ibtimes.com/sites/www.ibtimes.com/files/styles/full/public/2021/01/25/people-have-their-faces-scanned-as-they-arrive.jpg": "faces-1024x681.jpg",
    "https://s1.ibtimes.com/sites/www.ibtimes.com/files/styles/full/public/2021/11/02/warehouse-robot-arm.jpg": "phone-800x600.jpg",
    "https://analyticsinsight.b-cdn.net/wp-content/uploads/2021/10/Top-AI-Cities-to-Know-Across-the-Globe-in-Race-Towards-Advancement.jpg": "skyline-900x500.jpg",
    "https://www.eweek.com/wp-content/uploads/2021/04/circuit-board.jpg": "circuit-1920x1280.jpg",
    "https://www.eweek.com/wp-content/uploads/2021/08/cloud-servers.jpg": "skyline-900x500.jpg",
    "https://pixl8-cloud-techuk.s3.eu-west-2.amazonaws.com/prod/public/4fc666e1-629d-43e3-b9992413968badad/opengraphimage_83f4e8796336604b59d7216d0ecd81a5/Sino-event.jpg": "forum-400x225.jpg",
    "https://pixl8-cloud-techuk.s3.eu-west-2.amazonaws.com/prod/public/7d2e1f90-3b4c-4a5d-8e6f0a1b2c3d4e5f/opengraphimage_1f2e3d4c5b6a79880f1e2d3c4b5a6978/AI-assurance.jpg": "forum-400x225.jpg",
    "https://apnews.com/images/PaidContent3.png": "paid-700x450.png",
    "https://storage.googleapis.com/afs-prod/media/5b1c9d7e3a2f/1000.jpeg": "faces-1024x681.jpg",
    "https://storage.googleapis.com/afs-prod/media/8d2f3c6a1b9e/1000.jpeg": "faces-1024x681.jpg",
    "https://cdn.vox-cdn.com/uploads/chorus_asset/file/22989270/digit_tactile_sensor.webp": "robot-1200x675.webp",
    "https://www.zdnet.com/a/img/resize/2021/07/23/ai-brain-circuit.jpg": "circuit-1920x1280.jpg",
    "https://www.zdnet.com/a/img/resize/2021/10/19/speech-translation.jpg": "newsroom-450x300.jpg",
    "https://venturebeat.com/wp-content/uploads/2021/12/deepmind-gopher.jpg": "faces-1024x681.jpg",
    "https://regmedia.co.uk/2021/11/18/shutterstock_gpu_board.jpg": "circuit-1920x1280.jpg",
    "https://www.reuters.com/resizer/2021/11/23/chip-wafer-inspection.jpg": "circuit-1920x1280.jpg",
    "https://www.datacenterdynamics.com/media/images/nvidia-earth-2.original.jpg": "datacenter-640x480.jpg",
    "https://imageio.forbes.com/specials-images/imageserve/6086e2b1a7d4c3e1f0b9a2c8/0x0.jpg": "newsroom-450x300.jpg",
    "https://image.cnbcfm.com/api/v1/image/106970312-1636546787398-gettyimages-1235521234.jpeg": "faces-1024x681.jpg",
    "https://www.techrepublic.com/a/hub/i/r/2021/10/05/ai-ethics-checklist.jpg": "skyline-900x500.jpg",
    "https://cdn.arstechnica.net/wp-content/uploads/2021/12/alphacode-760x380.jpg": "newsroom-450x300.jpg",  # articles say 760x380
    "https://s.yimg.com/os/creatr-uploaded-images/2021-11/spot-door-handle.jpg": "phone-800x600.jpg",
    "https://media.wired.com/photos/619b5a1e2f0c8d3b4a1e7f92/master/w_1600,c_limit/robots-improvise.jpg": "datacenter-640x480.jpg",
    "https://www.siliconrepublic.com/wp-content/uploads/2021/12/quantum-lab.jpg": "forum-400x225.jpg",
    "https://images.axios.com/2021/12/20/ai-funding-by-sector.gif": "chart-640x360.gif",  # article says 600x400
    "https://wp.technologyreview.com/wp-content/uploads/2021/12/ai-art-collage.jpg": "skyline-900x500.jpg",
    "https://media.springernature.com/w580h326/nature-cms/uploads/collections/ai-art-logo.png": "logo-256x256.png",
    "https://img-cdn.tnwcdn.com/image/tnw-blurple/uploads/2021/12/ai-recruiting.jpg": "faces-1024x681.jpg",  # article says 1280x640
    "https://www.cnet.com/a/img/resize/2021/12/28/ai-research-index.webp": "robot-1200x675.webp",
    "https://static.independent.co.uk/2021/09/29/15/rain-radar-nowcasting.jpg": "skyline-900x500.jpg",
    "https://images.newscientist.com/wp-content/uploads/2021/12/01115517/knot-theory.jpg": "forum-400x225.jpg",
    "https://ichef.bbci.co.uk/news/976/cpsprodpb/1457B/production/_122129418_ameca.jpg": "faces-1024x681.jpg",
    "https://i.guim.co.uk/img/media/3f9a1c7e2b5d0864/0_0_4000_2667/master/4000.jpg": "newsroom-450x300.jpg",
    "https://cdn.the-scientist.com/assets/articleNo/69081/hImg/41234/alphafold-protein-l.png": "paid-700x450.png",
    "https://image.computing.co.uk/img/wps/6d2a9f1/national-ai-strategy.jpg": "newsroom-450x300.jpg",
    "https://image.computing.co.uk/img/wps/7e3b0a2/ai-assurance-ecosystem.jpg": "circuit-1920x1280.jpg",
}  # fmt: skip

EDITS: dict[str, Edit] = {
    # The headline was rewritten after publication.
    "https://www.theverge.com/2021/11/1/22756437/meta-ai-research-tactile-sensing-robot-touch-digit": Edit(
        title="Meta's AI lab gives robots a fingertip that can feel"
    ),
    # The standfirst was corrected.
    "https://venturebeat.com/2021/12/08/deepmind-unveils-gopher-a-280-billion-parameter-language-model/": Edit(
        description="DeepMind's Gopher beats larger models on 100 of 124 tasks, the lab says, but trails on logical reasoning and maths."
    ),
    # An evergreen explainer, refreshed every year.
    "https://www.zdnet.com/article/what-is-ai-heres-everything-you-need-to-know-about-artificial-intelligence/": Edit(
        title="What is AI? Everything to know about artificial intelligence",
        description="An executive guide to artificial intelligence, from machine learning and general AI to neural networks, updated for 2022.",
    ),
}  # fmt: skip

REDIRECTS: dict[str, Redirect] = {
    # A moved article: 301 to an absolute URL, then 302 with a relative Location.
    "https://www.zdnet.com/article/google-ai-translation-model-2021/": Redirect(
        301, "https://www.zdnet.com/article/google-ai-translation-model/"
    ),
    "https://www.zdnet.com/article/google-ai-translation-model/": Redirect(
        302, "/article/googles-new-ai-model-translates-speech-across-100-languages/"
    ),
    # A trailing-slash rule fighting a CMS rule: the two URLs point at each other.
    "https://www.siliconrepublic.com/machines/quantum-inspired-ai-drug-discovery-ireland": Redirect(
        301, "https://www.siliconrepublic.com/machines/quantum-inspired-ai-drug-discovery-ireland/"
    ),
    "https://www.siliconrepublic.com/machines/quantum-inspired-ai-drug-discovery-ireland/": Redirect(
        301, "/machines/quantum-inspired-ai-drug-discovery-ireland"
    ),
}  # fmt: skip

BEHAVIOURS: dict[str, Behaviour] = {
    "https://www.ibtimes.com/robots-are-coming-warehouse-jobs-faster-expected-3332115": Behaviour.NOT_FOUND,
    "https://apnews.com/article/technology-business-eeoc-artificial-intelligence-hiring-8d2f3c6a1b9e": Behaviour.GONE,
    "https://www.techuk.org/resource/techuk-publishes-report-on-trustworthy-ai-assurance.html": Behaviour.FLAKY,
    "https://www.eweek.com/cloud/how-ai-is-changing-cloud-infrastructure-management/": Behaviour.SLOW,
    "https://www.datacenterdynamics.com/en/news/nvidia-and-partners-plan-ai-supercomputer-for-climate-research/": Behaviour.HANGING,
    "https://www.forbes.com/sites/alanohnsman/2021/04/26/ai-50-americas-most-promising-artificial-intelligence-companies/": Behaviour.BOT_WALL,
    "https://www.cnbc.com/2021/11/10/ai-start-ups-drew-record-venture-funding-this-year.html": Behaviour.RATE_LIMITED,
    "https://www.techrepublic.com/article/ai-ethics-policies-what-every-company-should-have-in-place/": Behaviour.SOFT_404,
    "https://analyticsindiamag.com/wp-content/uploads/2021/12/ai-chips-india.jpg": Behaviour.HTML_INSTEAD_OF_IMAGE,
}  # fmt: skip

# AMP (https://amp.dev/documentation/guides-and-tutorials/optimize-and-measure/discovery/):
# an article page names its AMP copy with <link rel=amphtml>, the copy names the
# article with <link rel=canonical>, and the copy is an AMP document (<html ⚡>).

# AMP URLs that now serve the regular article page: the publisher switched AMP
# off and the old address falls back to the canonical template.
AMP_SWITCHED_OFF: frozenset[str] = frozenset({
    "https://www.independent.co.uk/tech/deepmind-ai-weather-forecast-rain-b1929284.html?amp",
})  # fmt: skip

# AMP URL -> the page its <link rel=canonical> names instead of its article: the
# story was re-slugged after a headline change and the AMP template kept the old permalink.
AMP_CANONICALS: dict[str, str] = {
    "https://www.newscientist.com/article/2299564-deepmind-ai-collaborates-with-humans-on-two-mathematical-breakthroughs/amp/":
        "https://www.newscientist.com/article/2299564-deepmind-ai-helps-mathematicians-prove-new-theorems/",
}  # fmt: skip

# Article URL -> what its <link rel=amphtml> names instead of its AMP URL (None:
# no such link).  The AMP copies themselves are still served.
AMPHTML_LINKS: dict[str, str | None] = {
    # The site dropped AMP from its templates but left the old AMP pages up.
    "https://www.bbc.co.uk/news/technology-59551342": None,
    # The site moved its AMP copies from amp.<host> to ?amp=1 on the article URL.
    "https://www.theguardian.com/technology/2021/dec/05/ameca-humanoid-robot-lifelike-expressions":
        "https://www.theguardian.com/technology/2021/dec/05/ameca-humanoid-robot-lifelike-expressions?amp=1",
}  # fmt: skip


@dataclass(frozen=True)
class CatchAll:
    """The page a catch-all host serves, with 200, for every path it has no page for.

    Nothing in it says "not found": only a comparison with the answer to a path
    that cannot exist (the crawler's random-path probe) tells it from an article.
    """

    title: str
    description: str


# Host -> its catch-all page: a CMS that turns every unknown path into a search page.
CATCH_ALL_HOSTS: dict[str, CatchAll] = {
    "www.computing.co.uk": CatchAll(
        "Search results",
        "Search the latest IT news, analysis and opinion from Computing, for IT leaders and enterprise technology buyers.",
    ),
}  # fmt: skip

# Articles taken down since the feed was made: their URL gets what the host answers
# for a path it has no page for (404, or a catch-all host's 200 page).
REMOVED: frozenset[str] = frozenset({
    "https://www.computing.co.uk/news/4037651/uk-government-publishes-ten-national-ai-strategy",
})  # fmt: skip

# robots.txt (RFC 9309): path prefixes every crawler is asked to stay out of.
ROBOTS_DISALLOW: dict[str, tuple[str, ...]] = {
    "www.reuters.com": ("/investigates/", "/search/"),
}

# Hosts without a robots.txt (404), which RFC 9309 section 2.3.1.3 reads as "allow all".
ROBOTS_MISSING = frozenset(
    {
        "analyticsinsight.b-cdn.net",
        "cdn.vox-cdn.com",
        "images.axios.com",
        "img-cdn.tnwcdn.com",
        "pixl8-cloud-techuk.s3.eu-west-2.amazonaws.com",
        "regmedia.co.uk",
        "s.yimg.com",
        "storage.googleapis.com",
    }
)

# Image hosts that ignore Range and always send the whole file with 200, which
# RFC 9110 section 14.2 allows.
RANGE_IGNORED = frozenset({"s1.ibtimes.com"})
