"""bench/workerprofile.py: where a gunicorn worker's CPU goes, per stretch of the request loop and per pass tag."""

import json

from bench import workerprofile


class FakeClock:
    """A CPU clock the test advances by hand; os.times-like (user, system) follow it."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def times(self):
        return (self.now * 0.75, self.now * 0.25)

    def advance(self, seconds):
        self.now += seconds


def serve(profile, clock, tag, *, between=0.0, environ=0.0, app=0.0, write=0.0, log=0.0, close=0.0, post=0.0):
    """One request through the hooks in gunicorn's order, each stretch taking the given CPU seconds."""
    clock.advance(between)
    profile.pre_request(tag)
    clock.advance(environ)
    profile.app_called()
    clock.advance(app)
    profile.app_returned()
    clock.advance(write)
    profile.access_log_started()
    clock.advance(log)
    profile.access_log_ended()
    profile.close_started()
    clock.advance(close)
    profile.close_ended()
    clock.advance(post)
    profile.post_request()


def make(tmp_path):
    clock = FakeClock()
    profile = workerprofile.WorkerProfile(tmp_path, pid=1, clock=clock, times=clock.times)
    profile.written_at = float("inf")  # the test writes when it wants: never on its own
    return profile, clock


def test_each_stretch_is_charged_to_its_own_column_per_tag(tmp_path):
    profile, clock = make(tmp_path)
    serve(profile, clock, "page", environ=0.001, app=0.010, write=0.002, log=0.003, close=0.004, post=0.0005)
    serve(profile, clock, "page", between=0.006, environ=0.001, app=0.012, write=0.002, log=0.003, close=0.004)
    serve(profile, clock, "baseline", between=0.001, app=0.0002)
    profile.write()

    summary = workerprofile.summary(tmp_path)
    page = summary["page"]
    assert page["requests"] == 2
    per_request = page["ms_per_request"]
    assert round(per_request["app"], 6) == 11.0
    assert round(per_request["environ"], 6) == 1.0
    assert round(per_request["write"], 6) == 2.0
    assert round(per_request["access_log"], 6) == 3.0
    assert round(per_request["close"], 6) == 4.0
    assert round(per_request["post"], 6) == 0.25
    # The CPU between two requests (closing the previous connection, accepting and parsing this one) goes to the
    # request that follows: the first request of the worker has none.
    assert round(per_request["between"], 6) == 3.0
    assert round(page["app_p50_ms"], 6) == 11.0
    assert summary["baseline"]["requests"] == 1
    assert round(summary["baseline"]["ms_per_request"]["between"], 6) == 1.0


def test_the_stretches_add_up_to_the_workers_cpu(tmp_path):
    profile, clock = make(tmp_path)
    serve(profile, clock, "page", app=0.004)
    start = clock.now
    for _ in range(3):
        serve(profile, clock, "page", between=0.001, environ=0.0001, app=0.004, write=0.0002, log=0.0003,
              close=0.0001, post=0.0001)
    profile.write()

    row = workerprofile.summary(tmp_path)["page"]
    spent_ms = (clock.now - start) * 1000 + 4.0  # the first request: its app stretch only
    assert round(row["total_ms_per_request"] * row["requests"], 6) == round(spent_ms, 6)
    # user + system from each request's end to the next one's: the cycles after the first
    assert round((row["user_ms_per_request"] + row["system_ms_per_request"]) * row["requests"], 6) == round(
        (clock.now - start) * 1000, 6)


def test_the_time_between_two_requests_is_split_around_closing_the_previous_connection(tmp_path):
    profile, clock = make(tmp_path)
    serve(profile, clock, "page", app=0.003)
    clock.advance(0.0002)  # the previous request's objects freed
    profile.connection_closing()
    clock.advance(0.0001)
    profile.connection_closed()
    clock.advance(0.0004)  # the loop, accept, parsing
    serve(profile, clock, "page", app=0.003)
    serve(profile, clock, "page", between=0.0006, app=0.003)  # no connection closed meanwhile: not split
    profile.write()

    row = workerprofile.summary(tmp_path)["page"]
    assert round(row["ms_per_request"]["between"] * 3, 6) == 1.3
    split = {name: round(value * 3, 6) for name, value in row["between_ms_per_request"].items()}
    assert split == {"free": 0.2, "close_connection": 0.1, "accept_parse": 0.4}


def test_the_wrapped_connection_close_closes_and_is_timed(tmp_path):
    profile, clock = make(tmp_path)
    closed = []

    def close_graceful(sock, timeout=2.0):
        clock.advance(0.0001)
        closed.append((sock, timeout))

    serve(profile, clock, "page", app=0.001)
    workerprofile.wrap_connection_close(close_graceful, profile)("socket", timeout=1.0)
    serve(profile, clock, "page", app=0.001)
    profile.write()

    assert closed == [("socket", 1.0)]
    row = workerprofile.summary(tmp_path)["page"]
    assert round(row["between_ms_per_request"]["close_connection"] * 2, 6) == 0.1


def test_a_request_that_never_reached_the_application_is_charged_to_the_stretch_it_was_in(tmp_path):
    profile, clock = make(tmp_path)
    profile.pre_request("page")
    clock.advance(0.002)
    profile.post_request()  # e.g. a request gunicorn refused before calling the application
    profile.write()

    row = workerprofile.summary(tmp_path)["page"]
    assert row["requests"] == 1
    assert round(row["ms_per_request"]["environ"], 6) == 2.0
    assert row["ms_per_request"]["app"] == 0.0
    assert row["app_p50_ms"] is None


def test_garbage_collections_are_counted_per_generation_for_the_request_being_served(tmp_path):
    profile, clock = make(tmp_path)
    profile.pre_request("page")
    profile.gc_callback("start", {"generation": 2})
    clock.advance(0.020)
    profile.gc_callback("stop", {"generation": 2, "collected": 0})
    profile.gc_callback("start", {"generation": 0})
    clock.advance(0.001)
    profile.gc_callback("stop", {"generation": 0, "collected": 3})
    profile.post_request()
    profile.write()

    row = workerprofile.summary(tmp_path)["page"]
    assert round(row["gc_ms_per_request"], 6) == 21.0
    assert row["gc_collections"] == {"2": 1, "0": 1}


def test_the_summary_adds_up_every_workers_file(tmp_path):
    for pid, app in ((1, 0.002), (2, 0.004)):
        clock = FakeClock()
        profile = workerprofile.WorkerProfile(tmp_path, pid=pid, clock=clock, times=clock.times)
        serve(profile, clock, "page", app=app)
        profile.write()

    assert sorted(p.name for p in tmp_path.iterdir()) == ["worker-1.json", "worker-2.json"]
    row = workerprofile.summary(tmp_path)["page"]
    assert row["requests"] == 2
    assert round(row["ms_per_request"]["app"], 6) == 3.0
    assert json.loads((tmp_path / "worker-1.json").read_text())["tags"]["page"]["requests"] == 1


def test_the_wrapped_application_returns_the_same_response_and_closes_it(tmp_path):
    profile, clock = make(tmp_path)
    closed = []

    class Response(list):
        def close(self):
            clock.advance(0.003)
            closed.append(True)

    def application(environ, start_response):
        clock.advance(0.005)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Response([b"o", b"k"])

    started = []
    wrapped = workerprofile.wrap_application(application, profile)
    profile.pre_request("page")
    body = wrapped({}, lambda status, headers: started.append(status))
    assert started == ["200 OK"]
    assert b"".join(body) == b"ok"
    body.close()
    profile.post_request()
    profile.write()

    assert closed == [True]
    row = workerprofile.summary(tmp_path)["page"]
    assert round(row["ms_per_request"]["app"], 6) == 5.0
    assert round(row["ms_per_request"]["close"], 6) == 3.0


def test_the_access_log_wrapper_times_the_call_and_passes_it_through(tmp_path):
    profile, clock = make(tmp_path)
    logged = []

    def access(resp, req, environ, request_time):
        clock.advance(0.0004)
        logged.append((resp, req))

    profile.pre_request("page")
    workerprofile.wrap_access_log(access, profile)("resp", "req", {}, 0)
    profile.post_request()
    profile.write()

    assert logged == [("resp", "req")]
    assert round(workerprofile.summary(tmp_path)["page"]["ms_per_request"]["access_log"], 6) == 0.4


def test_off_unless_the_environment_names_a_directory(monkeypatch):
    monkeypatch.delenv(workerprofile.ENV_DIR, raising=False)
    assert not workerprofile.enabled()
    monkeypatch.setenv(workerprofile.ENV_DIR, "/tmp/somewhere")
    assert workerprofile.enabled()
