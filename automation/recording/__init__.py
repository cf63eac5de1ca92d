"""Recorded runs: video, scrubbed trace, HTML report and timeline, with secrets masked before render.

``RunRecorder`` plugs into ``engine.orchestrate.run_account(..., recorder=...)``; ``nsauto demo``
always records, ``nsauto run --record`` records any account. See docs/demo.md.
"""

from automation.recording.recorder import RunRecorder

__all__ = ["RunRecorder"]
