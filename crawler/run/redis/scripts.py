"""The Lua scripts that change a run in Redis: each one step, atomic on the server.

Every script that a worker runs first checks that the run's ``settings`` key
exists and does nothing once the run has ended, so no key of a finished run is
ever created again.  Times are the Redis server's own clock (``TIME``, in ms):
the fleet's politeness never depends on the workers' clocks agreeing.
"""

from __future__ import annotations

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# KEYS: queued, work, counts, left.  ARGV: url, host, request, url, host, request, ...
# Queues each URL not queued before in this run; returns how many were queued.
ENQUEUE = """
local added = 0
for i = 1, #ARGV, 3 do
  if redis.call('SADD', KEYS[1], ARGV[i]) == 1 then
    redis.call('XADD', KEYS[2], '*', 'url', ARGV[i], 'host', ARGV[i + 1], 'request', ARGV[i + 2])
    redis.call('HINCRBY', KEYS[4], ARGV[i + 1], 1)
    added = added + 1
  end
end
redis.call('HINCRBY', KEYS[3], 'queued', added)
return added
"""

# KEYS: settings, work, results, counts, left.
# ARGV: group, entry id, url, host, answer (JSON), counter to raise.
# The answer goes on the results stream and the entry is acknowledged and deleted,
# in one step: a worker that dies before it has neither, one that dies after has
# both.  An entry no longer pending was answered already (by a worker that took it
# over): the second answer is dropped, so each URL has one answer on the stream.
ANSWER = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local pending = redis.call('XPENDING', KEYS[2], ARGV[1], ARGV[2], ARGV[2], 1)
if #pending == 0 then return 0 end
redis.call('XADD', KEYS[3], '*', 'url', ARGV[3], 'answer', ARGV[5])
redis.call('XACK', KEYS[2], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[2], ARGV[2])
redis.call('HINCRBY', KEYS[4], ARGV[6], 1)
if redis.call('HINCRBY', KEYS[5], ARGV[4], -1) <= 0 then redis.call('HDEL', KEYS[5], ARGV[4]) end
return 1
"""

# KEYS: settings, work.  ARGV: group, consumer, entry id, entry id, ...
# Renews the lease of the entries this consumer still holds (XCLAIM resets their
# idle time without counting a delivery); an entry another worker took over is
# left to it.  Returns how many were renewed.
RENEW = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local renewed = 0
for i = 3, #ARGV do
  local pending = redis.call('XPENDING', KEYS[2], ARGV[1], ARGV[i], ARGV[i], 1)
  if #pending == 1 and pending[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[2], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    renewed = renewed + 1
  end
end
return renewed
"""

# KEYS: settings, work.  ARGV: group, consumer, entry id, url, host, request.
# Hands an entry back (a worker stopping with SIGTERM): queued again as a new
# entry, the old one acknowledged, in one step.
HAND_BACK = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local pending = redis.call('XPENDING', KEYS[2], ARGV[1], ARGV[3], ARGV[3], 1)
if #pending == 0 or pending[1][2] ~= ARGV[2] then return 0 end
redis.call('XADD', KEYS[2], '*', 'url', ARGV[4], 'host', ARGV[5], 'request', ARGV[6])
redis.call('XACK', KEYS[2], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[2], ARGV[3])
return 1
"""

# KEYS: settings, workers.  ARGV: worker name, heartbeat JSON (without its time).
HEARTBEAT = (
    """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
"""
    + _NOW
    + """
redis.call('HSET', KEYS[2], ARGV[1], now .. ' ' .. ARGV[2])
return now
"""
)

# KEYS: settings, host, slots.  ARGV: token, per-host limit, default interval (ms),
# slot lease (ms).  Takes one of the host's slots if one is free: returns
# {ms to wait before starting, interval}; {-1, interval} when every slot is held;
# {-2, 0} when the run has ended.  The start is reserved before the wait, so
# concurrent takers start one interval apart; a slot is a lease that lapses on its
# own, so a crashed worker's slot frees itself.
ACQUIRE = (
    """
if redis.call('EXISTS', KEYS[1]) == 0 then return {-2, 0} end
"""
    + _NOW
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local interval = tonumber(redis.call('HGET', KEYS[2], 'interval') or ARGV[3])
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[2]) then return {-1, interval} end
local start = math.max(now, tonumber(redis.call('HGET', KEYS[2], 'next') or '0'))
redis.call('HSET', KEYS[2], 'next', start + interval, 'interval', interval)
redis.call('ZADD', KEYS[3], start + tonumber(ARGV[4]), ARGV[1])
return {start - now, interval}
"""
)

# KEYS: settings, host.  ARGV: default interval (ms).  The moment a request
# starts, confirmed: 0 when at least an interval has passed since the host's last
# confirmed start (which becomes now), else the ms still to wait.  A worker that
# woke late from its reserved start cannot start close behind one that did not.
START = (
    """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
"""
    + _NOW
    + """
local interval = tonumber(redis.call('HGET', KEYS[2], 'interval') or ARGV[1])
local last = redis.call('HGET', KEYS[2], 'last')
if last and now < tonumber(last) + interval then return tonumber(last) + interval - now end
redis.call('HSET', KEYS[2], 'last', now)
return 0
"""
)

# KEYS: settings, slots.  ARGV: token.
RELEASE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
return redis.call('ZREM', KEYS[2], ARGV[1])
"""

# KEYS: settings, host.  ARGV: default interval, floor, cap (ms).  A 429: the
# host's interval doubles (at least the floor, at most the cap) for the fleet.
SLOW_DOWN = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local interval = tonumber(redis.call('HGET', KEYS[2], 'interval') or ARGV[1])
interval = math.min(tonumber(ARGV[3]), math.max(tonumber(ARGV[2]), interval * 2))
redis.call('HSET', KEYS[2], 'interval', interval, 'slowed', 1)
return interval
"""

# KEYS: settings, host.  ARGV: default interval, the Crawl-delay (ms).
CRAWL_DELAY = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local interval = tonumber(redis.call('HGET', KEYS[2], 'interval') or ARGV[1])
if tonumber(ARGV[2]) > interval then
  interval = tonumber(ARGV[2])
  redis.call('HSET', KEYS[2], 'interval', interval)
end
return interval
"""

# KEYS: settings, host.  ARGV: default interval, the Retry-After (ms).  No start
# for the host before now + Retry-After, on the server's clock; returns the interval.
HOLD = (
    """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
"""
    + _NOW
    + """
local interval = tonumber(redis.call('HGET', KEYS[2], 'interval') or ARGV[1])
local until_ms = now + tonumber(ARGV[2])
if until_ms > tonumber(redis.call('HGET', KEYS[2], 'next') or '0') then
  redis.call('HSET', KEYS[2], 'next', until_ms)
end
return interval
"""
)

__all__ = [
    "ACQUIRE",
    "ANSWER",
    "CRAWL_DELAY",
    "ENQUEUE",
    "HAND_BACK",
    "HEARTBEAT",
    "HOLD",
    "RELEASE",
    "RENEW",
    "SLOW_DOWN",
    "START",
]
