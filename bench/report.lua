-- wrk script: optional JSON POST body (WRK_BODY) or If-None-Match (WRK_ETAG), and one JSON line with throughput and
-- latency percentiles.
local etag = os.getenv("WRK_ETAG")
if etag and etag ~= "" then
  wrk.headers["If-None-Match"] = etag
end
local body = os.getenv("WRK_BODY")
if body and body ~= "" then
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "errors": %d, "non2xx": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
