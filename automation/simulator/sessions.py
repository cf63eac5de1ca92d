"""Browser sessions, kept in memory: a restart logs everyone out, as a NetSuite outage would.

A session also carries what NetSuite shows once: flash banners and the one-time display of
freshly issued secrets (consumed by the first page view that shows them).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

COOKIE_NAME = "JSESSIONID"


@dataclass
class Session:
    sid: str
    csrf: str
    user_id: int | None = None
    role_id: int | None = None
    # "challenge": password accepted, 2FA pending; "active": fully logged in.
    stage: str = "challenge"
    redirect_after_login: str = ""
    flashes: list[str] = field(default_factory=list)
    reveals: set[tuple[str, int]] = field(default_factory=set)
    last_seen: float = field(default_factory=time.time)

    @property
    def active(self) -> bool:
        return self.stage == "active" and self.user_id is not None

    def flash(self, message: str) -> None:
        self.flashes.append(message)

    def take_flashes(self) -> list[str]:
        out, self.flashes = self.flashes, []
        return out

    def allow_reveal(self, kind: str, record_id: int) -> None:
        self.reveals.add((kind, record_id))

    def take_reveal(self, kind: str, record_id: int) -> bool:
        """True once after `allow_reveal`: the secrets block is shown on that one page view."""
        key = (kind, record_id)
        if key in self.reveals:
            self.reveals.discard(key)
            return True
        return False


class SessionStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

    def new(self) -> Session:
        session = Session(secrets.token_urlsafe(24), secrets.token_urlsafe(24))
        with self._lock:
            self._sessions[session.sid] = session
        return session

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        with self._lock:
            session = self._sessions.get(sid)
        if session:
            session.last_seen = time.time()
        return session

    def drop(self, sid: str) -> None:
        with self._lock:
            self._sessions.pop(sid, None)

    def clear(self) -> None:
        with self._lock:
            self._sessions.clear()


def session_cookie(session: Session | None) -> str:
    if session is None:
        return f"{COOKIE_NAME}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
    return f"{COOKIE_NAME}={session.sid}; Path=/; HttpOnly; SameSite=Lax"
