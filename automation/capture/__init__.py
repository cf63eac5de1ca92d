"""Sanitized captures of the pages a read-only `check` or `inspect` visits (issue 16).

`sanitize.py` turns rendered HTML into a shareable copy (pure functions, a count of what it
replaced); `writer.py` collects pages during a run, sanitizes them, searches the result for the
run's own secrets and writes one directory with a ``capture.json`` index. The bundled simulator
serves such a directory back (`nsauto simulator --replay DIR`, automation/simulator/replay.py).
"""
