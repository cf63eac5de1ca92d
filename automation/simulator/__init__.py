"""A local imitation of the NetSuite admin pages used by the TBA setup.

Standard library only: the tool must reach it over HTTP exactly as it reaches NetSuite, so nothing
here may import the tool (or anything outside the standard library).
"""
