"""Helpers shared by the test folders: builders, fakes, workspaces, servers and checks, no fixtures.

Fixtures stay in the ``conftest.py`` files (pytest finds them there); what a fixture or a
test needs to build, fake, start or check lives here, in a module named after what it
holds, and is imported as ``from tests.support.<module> import …``. A helper used by one
folder only stays in that folder.
"""
