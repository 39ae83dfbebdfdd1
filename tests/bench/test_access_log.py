"""bench/accesslog.py: gunicorn's access log, in the benchmark's format, parsed into per-page server times.

One test runs a real gunicorn with the benchmark's log format (a tiny WSGI app, no Django), so a change of
the format, of gunicorn's atoms or of the parser that breaks the reading fails here."""

import math
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from bench import accesslog
from bench.accesslog import Entry

GUNICORN = Path(sys.executable).with_name("gunicorn")

APP = '''
import time

def application(environ, start_response):
    if environ["PATH_INFO"] == "/slow/":
        time.sleep(0.12)
    if environ["REQUEST_METHOD"] == "POST":
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("302 Found", [("Location", "/")])
        return [b""]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
'''


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # as wrk: a redirect is a response, not followed


def send(base, path, tag=None, data=None):
    headers = {accesslog.PASS_HEADER: tag} if tag else {}
    request = urllib.request.Request(base + path, data=data, headers=headers)
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=10) as response:
            response.read()
    except urllib.error.HTTPError as exc:  # the POST's 302
        exc.read()


@pytest.fixture
def gunicorn_log(tmp_path):
    (tmp_path / "tinyapp.py").write_text(APP)
    log = tmp_path / "access.log"
    port = free_port()
    proc = subprocess.Popen([str(GUNICORN), "tinyapp:application", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                             "--access-logfile", str(log), "--access-logformat", accesslog.ACCESS_LOG_FORMAT,
                             "--error-logfile", str(tmp_path / "error.log")], cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(base + "/ready/", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        while not log.exists() or not log.stat().st_size:  # the probe's line follows its response
            if time.monotonic() > deadline:
                raise TimeoutError("no access-log line")
            time.sleep(0.05)
        yield base, log
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_real_gunicorn_log_is_read_per_page(gunicorn_log):
    base, log = gunicorn_log
    offset = log.stat().st_size  # the readiness probe is before the pass
    varied = ["/recherche/?" + urllib.parse.urlencode({"q": q}) for q in ("compétences", "bilan vae", "écoute")]
    for path in varied[:2]:
        send(base, path, tag="search-varied")
    send(base, varied[2], tag="warmup:search-varied")  # the warm-up: never the measured pass
    send(base, "/slow/", tag="thread-50-posts")
    send(base, "/slow/", tag="thread-50-posts")
    send(base, "/other/", tag="thread-50-posts")  # tagged, but not the page's path: counted apart
    send(base, "/slow/")  # untagged (e.g. run.py's query-count probe)
    send(base, "/echanges/sujet/7/repondre/", tag="post-reply", data=b"body=Merci+%28x%29")
    deadline = time.monotonic() + 10  # a line is written after its response
    while len(entries := accesslog.read_entries(log, offset)) < 8 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(entries) == 8
    assert {e.tag for e in entries} == {"search-varied", "warmup:search-varied", "thread-50-posts", "-",
                                        "post-reply"}

    searched = accesslog.page_times(entries, {"name": "search-varied", "path": varied[0], "paths": varied})
    assert searched["requests"] == 2
    assert searched["unmatched"] == 0
    assert searched["statuses"] == {"200": 2}
    assert {s["target"] for s in searched["slowest"]} == {"/recherche/?q=compétences", "/recherche/?q=bilan+vae"}

    thread = accesslog.page_times(entries, {"name": "thread-50-posts", "path": "/slow/"})
    assert thread["requests"] == 2
    assert thread["unmatched"] == 1
    assert 120 <= thread["p50_ms"] < 1000  # gunicorn's %(D)s is microseconds: read as ms here
    assert thread["p95_ms"] == thread["p99_ms"] == thread["max_ms"] >= thread["p50_ms"]

    posted = accesslog.page_times(entries, {"name": "post-reply", "path": "/echanges/sujet/7/repondre/",
                                            "method": "POST"})
    assert posted["requests"] == 1
    assert posted["statuses"] == {"302": 1}
    # The same path with GET under the POST page's tag would not be the page.
    assert accesslog.page_times(entries, {"name": "post-reply", "path": "/echanges/sujet/7/repondre/"}) \
        ["requests"] == 0


def test_parse_line():
    entry = accesslog.parse_line('search-varied 200 48213 "GET /recherche/?q=bilan+vae&kind=thread HTTP/1.1"\n')
    assert entry == Entry(tag="search-varied", status=200, micros=48213, method="GET",
                          target="/recherche/?q=bilan+vae&kind=thread")
    assert accesslog.parse_line('- 302 900 "POST /echanges/sujet/3/repondre/ HTTP/1.1"').method == "POST"
    # A line cut by a crash, or from another format, is skipped, not misread.
    assert accesslog.parse_line('home 200 1234 "GET / HTT') is None
    assert accesslog.parse_line('127.0.0.1 - - [29/Nov/2026:12:00:00 +0000] "GET / HTTP/1.1" 200 2') is None
    assert accesslog.parse_line("") is None


def test_read_entries_from_an_offset(tmp_path):
    log = tmp_path / "access.log"
    log.write_text('home 200 1000 "GET / HTTP/1.1"\n')
    offset = log.stat().st_size
    with log.open("a") as handle:
        handle.write('home 200 3000 "GET / HTTP/1.1"\nhome 200 5000 "GET / HT')  # the last line is still written
    assert [e.micros for e in accesslog.read_entries(log)] == [1000, 3000]
    assert [e.micros for e in accesslog.read_entries(log, offset)] == [3000]


def test_page_times_percentiles_and_matching():
    entries = [Entry("home", 200, ms * 1000, "GET", "/") for ms in range(100, 0, -1)]  # 1..100 ms, reversed
    entries += [Entry("warmup:home", 200, 999_000, "GET", "/"), Entry("-", 200, 999_000, "GET", "/"),
                Entry("home", 200, 999_000, "GET", "/autre/"), Entry("home", 200, 999_000, "POST", "/")]
    times = accesslog.page_times(entries, {"name": "home", "path": "/"})
    assert times["requests"] == 100
    assert (times["p50_ms"], times["p95_ms"], times["p99_ms"], times["max_ms"]) == (50, 95, 99, 100)
    assert times["unmatched"] == 2
    assert times["slowest"] == [{"ms": ms, "target": "/", "status": 200} for ms in (100, 99, 98, 97, 96)]


def test_targets_match_percent_encoded_and_raw_utf8_paths():
    # wrk sends the paths of bench/targets.py as they are (percent-encoded by urlencode); a page path with
    # UTF-8 bytes comes back from gunicorn decoded as latin-1.
    page = {"name": "resource-page", "path": "/ressources/fiche-écoute/"}
    raw = "/ressources/fiche-écoute/".encode().decode("latin-1")
    encoded = "/ressources/fiche-%C3%A9coute/"
    times = accesslog.page_times([Entry("resource-page", 200, 2000, "GET", raw),
                                  Entry("resource-page", 200, 4000, "GET", encoded)], page)
    assert times["requests"] == 2
    assert times["unmatched"] == 0


def test_no_request_gives_no_numbers():
    times = accesslog.page_times([], {"name": "home", "path": "/"})
    assert times["requests"] == 0
    assert math.isnan(times["p95_ms"])
    assert times["slowest"] == []
