"""The distributed mode: URL checks shared over Redis Streams by a fleet of workers.

:mod:`.coordinator` (the crawl process's transport), :mod:`.worker` and
:mod:`.session` (``crawler worker``), :mod:`.gate` (politeness decided in Redis
for the whole fleet), :mod:`.keys` and :mod:`.scripts` (where a run lives in
Redis and the Lua that changes it atomically), :mod:`.settings` (the run's
Config as JSON).
"""
