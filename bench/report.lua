-- wrk reporter: prints one JSON line with throughput, latency percentiles (ms) and errors.
-- wrk counts HTTP statuses >= 400 in summary.errors.status.
-- Optional env: BENCH_COOKIE (session cookie), BENCH_METHOD/BENCH_BODY/BENCH_CSRF/BENCH_REFERER for POST,
-- BENCH_PATHS (a file of paths, one a line: each request sends the next one; BENCH_THREADS = wrk's -t,
-- BENCH_PATHS_START = the index of the first path sent), BENCH_PASS (sent as the X-Bench-Pass header: gunicorn's
-- access log tags each request with it, bench/accesslog.py).
local cookie = os.getenv("BENCH_COOKIE")
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local csrf = os.getenv("BENCH_CSRF")
local referer = os.getenv("BENCH_REFERER")

wrk.method = method
if cookie then wrk.headers["Cookie"] = cookie end
if body then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
if csrf then wrk.headers["X-CSRFToken"] = csrf end
if referer then wrk.headers["Referer"] = referer end
local pass = os.getenv("BENCH_PASS")
if pass then wrk.headers["X-Bench-Pass"] = pass end

-- Every POST carries a distinct text: the forums store a resubmitted identical reply once
-- (forums.services.DUPLICATE_WINDOW), so a constant body would measure the duplicate check
-- after the first request instead of posting. Suffix: " (<start time>-<thread>-<n>)".
local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
  thread:set("tid", #threads)
end
sent = 0  -- global: done() reads each thread's count (paths_next)
local started = tostring(os.time())
local paths = nil
local paths_file = os.getenv("BENCH_PATHS")
if paths_file then
  paths = {}
  for line in io.lines(paths_file) do
    if line ~= "" then paths[#paths + 1] = line end
  end
end
local paths_start = tonumber(os.getenv("BENCH_PATHS_START") or "0")
local paths_stride = tonumber(os.getenv("BENCH_THREADS") or "1")

if paths and #paths > 0 then
  -- Thread t (1-based) sends paths start + (t - 1), + stride, + 2 * stride...: no two requests of a
  -- run send the same path until the list is exhausted (then it wraps around).
  request = function()
    local index = (paths_start + ((tid or 1) - 1) + paths_stride * sent) % #paths
    sent = sent + 1
    return wrk.format(nil, paths[index + 1])
  end
elseif body then
  request = function()
    sent = sent + 1
    return wrk.format(nil, nil, nil, body .. "+%28" .. started .. "-" .. tostring(tid or 0) .. "-" .. sent .. "%29")
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  -- With BENCH_PATHS: the index after the last path any thread sent (unbounded; run.py wraps it), where the
  -- next round of the page starts, so that a round's requests are first visits too.
  local paths_next = paths_start
  for _, thread in ipairs(threads) do
    local after = paths_start + (thread:get("tid") - 1) + paths_stride * (thread:get("sent") or 0)
    if after > paths_next then paths_next = after end
  end
  io.write(string.format(
    '\nBENCH_JSON {"requests": %d, "duration_s": %.3f, "rps": %.2f, "p50_ms": %.2f, "p95_ms": %.2f, ' ..
    '"p99_ms": %.2f, "max_ms": %.2f, "errors": %d, "status_errors": %d, "socket_errors": %d, "paths_next": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, socket_errors + e.status, e.status, socket_errors, paths_next))
end
