"""config: --connect-to specs, Config validation, and loading from TOML or pyproject.toml."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from crawler import defaults
from crawler.config import Config, ConnectTo, from_mapping, load
from crawler.errors import UsageError

# ---------------------------------------------------------------------------
# ConnectTo
# ---------------------------------------------------------------------------

GOOD_SPECS = [
    pytest.param(
        "news.example.com:80:127.0.0.1:8080",
        ConnectTo("news.example.com", 80, "127.0.0.1", 8080),
        id="full",
    ),
    pytest.param(
        "News.Example.COM:443:Target.Example:8443",
        ConnectTo("news.example.com", 443, "Target.Example", 8443),
        id="host-lower-cased",
    ),
    pytest.param(":80:127.0.0.1:8080", ConnectTo("", 80, "127.0.0.1", 8080), id="any-host"),
    pytest.param(
        "news.example.com::127.0.0.1:",
        ConnectTo("news.example.com", None, "127.0.0.1", None),
        id="any-port-same-target-port",
    ),
    pytest.param(
        "news.example.com:80::8080",
        ConnectTo("news.example.com", 80, "", 8080),
        id="same-target-host",
    ),
    pytest.param(":::", ConnectTo("", None, "", None), id="all-empty"),
    pytest.param(
        "[2001:db8::1]:443:[::1]:8443", ConnectTo("2001:db8::1", 443, "::1", 8443), id="ipv6"
    ),
    pytest.param(
        "  a.example:80:b.example:81 ", ConnectTo("a.example", 80, "b.example", 81), id="spaces"
    ),
    pytest.param("a:65535:b:1", ConnectTo("a", 65535, "b", 1), id="highest-port"),
]


@pytest.mark.parametrize(("spec", "expected"), GOOD_SPECS)
def test_connect_to_spec_parses_like_curl(spec: str, expected: ConnectTo) -> None:
    assert ConnectTo.parse(spec) == expected


BAD_SPECS = [
    pytest.param("", "expected HOST:PORT:TARGET_HOST:TARGET_PORT", id="empty"),
    pytest.param("a:80:b", "expected HOST:PORT", id="three-parts"),
    pytest.param("a:80:b:81:c", "expected HOST:PORT", id="five-parts"),
    pytest.param("a:http:b:81", "expected HOST:PORT", id="named-port"),
    pytest.param("a:80:b:-1", "expected HOST:PORT", id="negative-port"),
    pytest.param("::1:80:b:81", "expected HOST:PORT", id="unbracketed-ipv6"),
    pytest.param("[::1:80:b:81", "expected HOST:PORT", id="unclosed-bracket"),
    pytest.param("a:0:b:81", "port 0 is out of range", id="port-zero"),
    pytest.param("a:80:b:65536", "port 65536 is out of range", id="port-too-high"),
]


@pytest.mark.parametrize(("spec", "message"), BAD_SPECS)
def test_bad_connect_to_spec_is_a_usage_error_naming_it(spec: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as raised:
        ConnectTo.parse(spec)
    assert repr(spec) in str(raised.value)


def test_connect_to_port_must_be_ascii_digits() -> None:
    with pytest.raises(UsageError):
        ConnectTo.parse("a:٨٠:b:81")


@pytest.mark.parametrize(
    ("rule", "host", "port", "expected"),
    [
        ("a.example:80:t:1", "a.example", 80, True),
        ("a.example:80:t:1", "A.EXAMPLE", 80, True),
        ("a.example:80:t:1", "a.example", 443, False),
        ("a.example:80:t:1", "b.example", 80, False),
        (":80:t:1", "anything", 80, True),
        ("a.example::t:1", "a.example", 12345, True),
        (":::", "anything", 1, True),
    ],
    ids=["exact", "case", "other-port", "other-host", "any-host", "any-port", "catch-all"],
)
def test_connect_to_rule_matches_host_and_port(
    rule: str, host: str, port: int, expected: bool
) -> None:
    assert ConnectTo.parse(rule).matches(host, port) is expected


# ---------------------------------------------------------------------------
# Config validation
# ---------------------------------------------------------------------------


def test_defaults_come_from_the_defaults_module() -> None:
    config = Config()
    assert config.timeout == defaults.TIMEOUT
    assert config.per_host == defaults.PER_HOST
    assert config.user_agent == defaults.USER_AGENT
    assert config.connect_to == () and config.cacert is None


def test_config_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Config().timeout = 1.0  # type: ignore[misc]


INVALID = [
    pytest.param({"concurrency": 0}, "concurrency must be at least 1", id="concurrency-0"),
    pytest.param({"per_host": 0}, "per-host must be at least 1", id="per-host-0"),
    pytest.param({"retries": -1}, "retries must not be negative", id="retries-negative"),
    pytest.param({"max_redirects": -1}, "max-redirects must not be negative", id="redirects"),
    pytest.param({"timeout": 0}, "timeout must be positive", id="timeout-0"),
    pytest.param({"timeout": -1.0}, "timeout must be positive", id="timeout-negative"),
    pytest.param({"connect_timeout": 0}, "connect-timeout must be positive", id="connect-0"),
    pytest.param({"max_body_bytes": 0}, "max-body-bytes must be positive", id="body-cap-0"),
    pytest.param({"max_decoded_bytes": 0}, "max-decoded-bytes must be positive", id="decoded-0"),
    pytest.param({"min_interval": -0.1}, "min-interval must not be negative", id="interval"),
    pytest.param({"backoff_base": -1.0}, "backoff-base must not be negative", id="backoff"),
    pytest.param({"jitter": -0.5}, "jitter must not be negative", id="jitter"),
    pytest.param({"retry_after_cap": -1.0}, "retry-after-cap must not be negative", id="ra-cap"),
    pytest.param({"exclude": ("(",)}, "exclude pattern '\\('", id="bad-regex"),
    pytest.param({"cacert": Path("/nonexistent/ca.pem")}, "--cacert .*no such file", id="cacert"),
]


@pytest.mark.parametrize(("fields", "message"), INVALID)
def test_invalid_value_fails_fast_with_a_usage_error(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        Config(**fields)  # type: ignore[arg-type]


def test_nan_timeout_is_rejected() -> None:
    with pytest.raises(UsageError):
        Config(timeout=float("nan"))


def test_overrides_replace_fields_and_ignore_none() -> None:
    config = Config().with_overrides({"timeout": 3.0, "retries": None})
    assert config.timeout == 3.0 and config.retries == defaults.RETRIES


def test_overrides_are_validated_too() -> None:
    with pytest.raises(UsageError, match="per-host"):
        Config().with_overrides({"per_host": 0})


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_config_file_with_top_level_keys_is_loaded(tmp_path: Path) -> None:
    ca = write(tmp_path / "ca.pem", "not checked here")
    path = write(
        tmp_path / "crawler.toml",
        f"""
timeout = 5
per-host = 2
min_interval = 0.25
allow-private = true
user-agent = "ExampleBot/1.0"
connect-to = ["news.example.com:443:127.0.0.1:8443"]
exclude = "^https://ads\\\\."
cacert = "{ca}"
seed = 7
""",
    )
    config = load(path)
    assert config.timeout == 5.0 and isinstance(config.timeout, float)
    assert (config.per_host, config.min_interval, config.allow_private) == (2, 0.25, True)
    assert config.user_agent == "ExampleBot/1.0"
    assert config.connect_to == (ConnectTo("news.example.com", 443, "127.0.0.1", 8443),)
    assert config.exclude == ("^https://ads\\.",)
    assert config.cacert == ca and config.seed == 7


def test_config_file_with_a_crawler_table_is_loaded(tmp_path: Path) -> None:
    path = write(tmp_path / "crawler.toml", "[crawler]\nretries = 0\nrobots = false\n")
    config = load(path)
    assert (config.retries, config.robots) == (0, False)


def test_setting_outside_the_crawler_table_is_not_silently_ignored(tmp_path: Path) -> None:
    path = write(tmp_path / "crawler.toml", "timeout = 5\n[crawler]\nretries = 0\n")
    with pytest.raises(UsageError):
        load(path)


def test_pyproject_tool_crawler_table_is_used_without_a_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n\n[tool.crawler]\nper-host = 1\n')
    monkeypatch.chdir(tmp_path)
    assert load(None).per_host == 1


def test_pyproject_without_tool_crawler_gives_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    monkeypatch.chdir(tmp_path)
    assert load(None) == Config()


def test_no_config_file_and_no_pyproject_gives_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load(None) == Config()


def test_unknown_key_in_pyproject_is_rejected_naming_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "pyproject.toml", "[tool.crawler]\ntimout = 5\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        UsageError, match=r"pyproject.toml \[tool.crawler\]: unknown setting 'timout'"
    ):
        load(None)


LOAD_ERRORS = [
    pytest.param("timout = 5\n", "unknown setting 'timout'", id="unknown-key"),
    pytest.param("[crawler]\nverbose = true\n", "unknown setting 'verbose'", id="unknown-in-table"),
    pytest.param('timeout = "5"\n', "timeout must be float", id="string-for-float"),
    pytest.param("retries = 1.5\n", "retries must be int", id="float-for-int"),
    pytest.param("retries = true\n", "retries must be int", id="bool-for-int"),
    pytest.param('robots = "no"\n', "robots must be bool", id="string-for-bool"),
    pytest.param("connect-to = 5\n", "connect_to must be a list", id="connect-to-not-list"),
    pytest.param("crawler = 5\n", "\\[crawler\\] must be a table", id="crawler-not-table"),
    pytest.param("timeout = \n", "invalid TOML", id="invalid-toml"),
]


@pytest.mark.parametrize(("text", "message"), LOAD_ERRORS)
def test_bad_config_file_is_a_usage_error_naming_the_file(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path / "crawler.toml", text)
    with pytest.raises(UsageError, match=message) as raised:
        load(path)
    assert str(path) in str(raised.value)


@pytest.mark.parametrize(
    "text",
    ["per-host = 0\n", 'connect-to = ["nonsense"]\n'],
    ids=["value-check", "bad-connect-to"],
)
def test_invalid_value_in_a_config_file_names_the_file(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "crawler.toml", text)
    with pytest.raises(UsageError) as raised:
        load(path)
    assert str(path) in str(raised.value)


def test_missing_config_file_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(UsageError, match="cannot read config") as raised:
        load(path)
    assert str(path) in str(raised.value)


def test_from_mapping_accepts_kebab_and_snake_case_keys() -> None:
    config = from_mapping({"max-redirects": 3, "crawl_delay_cap": 2}, "test")
    assert (config.max_redirects, config.crawl_delay_cap) == (3, 2.0)
