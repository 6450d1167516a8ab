-- wrk script for bench/run: POSTs one chat completion request per call.
--   BENCH_MODE=json  (default) a plain request, answered with a ~1 KB chat.completion
--   BENCH_MODE=sse   the same with "stream":true, answered with a 50-event SSE stream
--   BENCH_KEY        sent as "Authorization: Bearer <key>" (the gateway's API key; the fake upstream and nginx
--                    ignore it). Default: a dummy value, which a gateway with keys refuses with 401.
-- wrk's latency for a stream is the time until the whole stream (and [DONE]) has arrived.
-- At the end it prints one machine-readable line for bench/run:
--   BENCH requests=N duration_us=N rps=N p50_us=N p90_us=N p99_us=N max_us=N errors=N non2xx=N

local mode = os.getenv("BENCH_MODE") or "json"
local stream = mode == "sse"

wrk.method = "POST"
wrk.path = "/v1/chat/completions"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_KEY") or "sk-bench-client")
wrk.body = '{"model":"bench-model","messages":[{"role":"system","content":"You are a benchmark."},'
        .. '{"role":"user","content":"Write a short paragraph about latency budgets in gateways."}],'
        .. '"max_tokens":150,"temperature":0' .. (stream and ',"stream":true' or '') .. '}'

function done(summary, latency, requests)
   local e = summary.errors
   local socket_errors = e.connect + e.read + e.write + e.timeout
   io.write(string.format(
      "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d errors=%d non2xx=%d\n",
      summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      socket_errors, e.status))
end
