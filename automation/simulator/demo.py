"""Demo account data, public on purpose: the simulator is a demo and test double, never a vault."""

from __future__ import annotations

ACCOUNT_ID = "1234567_SB1"
COMPANY_NAME = "Simulated Co."

ADMIN_NAME = "Admin User"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "Simulator-Passw0rd!"
ADMIN_TOTP_SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
ADMIN_ROLE = "Administrator"

JANE_NAME = "Jane Doe"
JANE_EMAIL = "jane@example.com"
