-- wrk script for benchmarks/bench_ogcapi.py: cycle through a request list.
--
--   wrk -t T -c C -d 15s --latency -s cycle.lua http://127.0.0.1:PORT -- requests.txt T
--
-- requests.txt holds one path (with query) per line. Thread k starts at line
-- k * n / T, so the threads do not send the same request at the same moment.
-- Every response status (and the platform's X-Tile-Cache header) is counted. At the end one line is printed:
--   WRKJSON {...}   (requests, duration, bytes, errors, statuses, latency percentiles in µs)

local threads = {}
local counter = 0

function setup(thread)
    thread:set("tid", counter)
    counter = counter + 1
    table.insert(threads, thread)
end

local paths = {}
local i = 0
statuses = {}
caches = {}

function init(args)
    local file = args[1]
    local nthreads = tonumber(args[2]) or 1
    for line in io.lines(file) do
        if #line > 0 then
            paths[#paths + 1] = line
        end
    end
    if #paths == 0 then
        error("no requests in " .. tostring(file))
    end
    i = math.floor(#paths * tid / nthreads) % #paths
end

function request()
    i = i % #paths + 1
    return wrk.format("GET", paths[i])
end

function response(status, headers, body)
    local k = "s" .. status
    statuses[k] = (statuses[k] or 0) + 1
    -- the platform says whether a tile came from its cache (hit|miss|bypass)
    local c = headers["X-Tile-Cache"] or headers["x-tile-cache"]
    if c then
        caches[c] = (caches[c] or 0) + 1
    end
end

function done(summary, latency, requests)
    local merged = {}
    for _, thread in ipairs(threads) do
        local s = thread:get("statuses")
        if s then
            for k, v in pairs(s) do
                merged[k] = (merged[k] or 0) + v
            end
        end
    end
    local cmerged = {}
    for _, thread in ipairs(threads) do
        local s = thread:get("caches")
        if s then
            for k, v in pairs(s) do
                cmerged[k] = (cmerged[k] or 0) + v
            end
        end
    end
    local parts = {}
    for k, v in pairs(merged) do
        parts[#parts + 1] = string.format('"%s": %d', string.sub(k, 2), v)
    end
    local cparts = {}
    for k, v in pairs(cmerged) do
        cparts[#cparts + 1] = string.format('"%s": %d', k, v)
    end
    local e = summary.errors
    io.write(string.format(
        'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
        '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
        '"statuses": {%s}, "tile_cache": {%s}, "latency_us": {"mean": %.1f, "max": %d, "p50": %d, "p90": %d, "p95": %d, "p99": %d}}\n',
        summary.requests, summary.duration, summary.bytes,
        e.connect, e.read, e.write, e.status, e.timeout,
        table.concat(parts, ", "), table.concat(cparts, ", "),
        latency.mean, latency.max,
        latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99)))
end
