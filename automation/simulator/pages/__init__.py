"""One module per NetSuite page group; each exposes ROUTES."""
