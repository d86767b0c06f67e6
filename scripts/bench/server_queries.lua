-- wrk script for scripts/bench/server.sh: GET /api/search with text queries in rotation,
-- and one JSON line of results at the end (requests/s, latency percentiles, errors).
local queries = {
  "red leather handbag", "blue denim jacket", "black suede boot", "white cotton shirt",
  "green wool scarf", "pink silk dress", "brown canvas backpack", "navy knit sweater",
  "yellow linen skirt", "grey velvet coat", "orange sandal", "purple watch",
}
local counter = 0

request = function()
  counter = counter + 1
  local query = queries[(counter % #queries) + 1]:gsub(" ", "+")
  return wrk.format("GET", "/api/search?q=" .. query .. "&k=9")
end

done = function(summary, latency, requests)
  local errors = summary.errors
  local failed = errors.connect + errors.read + errors.write + errors.status + errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.2f, "requests_per_second": %.1f, "p50_ms": %.2f, "p90_ms": %.2f, ' ..
    '"p99_ms": %.2f, "max_ms": %.2f, "errors": %d, "non_2xx": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3, failed, errors.status))
end
