-- wrk script for Benchmarks/load/run.sh.
--
-- Without BODY_FILE in the environment it sends the URL's GET (the /healthz rows). With it, every
-- request is a POST of that file's bytes (read in binary mode, so a raw float32 body is sent as
-- is; wrk adds Content-Length) with the Content-Type from CONTENT_TYPE.
--
-- At the end it prints one machine-readable line for run.sh:
--   RESULT requests=N duration_us=N p50_us=N p99_us=N status_errors=N socket_errors=N
-- status_errors counts responses that were not 2xx or 3xx.

local body_file = os.getenv("BODY_FILE")
if body_file and body_file ~= "" then
    local f = assert(io.open(body_file, "rb"))
    wrk.method = "POST"
    wrk.body = f:read("*a")
    f:close()
    wrk.headers["Content-Type"] = os.getenv("CONTENT_TYPE") or "application/json"
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d status_errors=%d socket_errors=%d\n",
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
        e.status, e.connect + e.read + e.write + e.timeout))
end
