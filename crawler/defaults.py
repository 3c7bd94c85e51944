"""Every default of the crawler, in one place, each with its unit.

``crawler.config.Config`` takes its field defaults from here; the README's
"Defaults" table mirrors this module.
"""

from __future__ import annotations

from pathlib import Path

from crawler import PRODUCT, __version__

CONCURRENCY = 32  # URL checks in flight at once, whole run
WORKERS = None  # worker processes; None: one per CPU for runs of at least WORKERS_FROM files
WORKERS_FROM = 200  # article files below which a run stays in one process (start-up cost)
PER_HOST = 4  # requests in flight at once to one host
MIN_INTERVAL = 0.1  # seconds between the starts of two requests to one host
TIMEOUT = 20.0  # seconds for one attempt at a URL, every redirect hop and body read included
CONNECT_TIMEOUT = 10.0  # seconds to open a TCP/TLS connection (inside TIMEOUT)
RETRIES = 2  # further attempts after the first, for 408/429/5xx/timeouts/resets
BACKOFF_BASE = 0.5  # seconds before the first retry; doubles on each further retry
BACKOFF_CAP = 8.0  # seconds, the longest computed backoff
JITTER = 0.25  # fraction: each backoff is stretched by a random 0..25 %
RETRY_AFTER_CAP = 30.0  # seconds, the longest Retry-After the crawler will honour
SLOWDOWN_INTERVAL = 1.0  # seconds: a host that answered 429 gets at least this interval
SLOWDOWN_CAP = 30.0  # seconds, the longest interval a 429 can push a host to
MAX_REDIRECTS = 10  # redirect hops followed before the result is "error"
MAX_BODY_BYTES = 1024 * 1024  # bytes read from the wire per response
MAX_DECODED_BYTES = 4 * 1024 * 1024  # bytes of a body after gzip/deflate decoding
MAX_FILE_BYTES = 16 * 1024 * 1024  # bytes: a larger article file is rejected unread
MAX_FRONT_MATTER_BYTES = 1024 * 1024  # bytes of YAML between the fences; more is rejected
SNIFF_BYTES = 16 * 1024  # bytes of an error page read to recognise a bot wall
ROBOTS = True  # honour robots.txt (RFC 9309)
ROBOTS_MAX_BYTES = 500 * 1024  # bytes of robots.txt parsed, RFC 9309 section 2.5
CRAWL_DELAY_CAP = 10.0  # seconds, the longest robots.txt Crawl-delay honoured
ALLOW_PRIVATE = False  # fetch URLs whose host resolves to a private address
USER_AGENT = f"{PRODUCT}/{__version__} (+link and metadata checker)"
REFRESH = False  # --refresh: correct stale front-matter values in place
REFRESH_FIELDS = ("title", "excerpt", "images")  # what --refresh may change
REFRESHABLE = frozenset(REFRESH_FIELDS)  # "images" means every image's declared width/height
SOFT404_PROBE = True  # ask each host for a random path once, to recognise its soft 404s
# File name endings searched for in folders: Markdown, and the plain .txt the
# feeds export (front matter first, as in the seeds).
EXTENSIONS = (".md", ".markdown", ".txt")
STATE = Path(".crawler-state.db")  # the state store, relative to the working folder
REDIS = None  # --redis URL: the distributed mode's Redis; None: this machine only
REDIS_LEASE = 30.0  # seconds: a check held this long unrenewed is taken over by another worker
ROBOTS_TOKEN = PRODUCT  # product token matched against robots.txt User-agent lines
