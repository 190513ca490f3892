"""The settings the tests run with: the app's own, as `make run` has them (DJANGO_DEBUG=true).

The app's debug is off unless asked for; the tests ask, as a developer's machine does, so that
static files are served from the source folders. Processes the tests start inherit this
environment; those that check production settings set their own.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")

from streamdemo.settings import *  # noqa: F403

# Long renderings go to a thread in the test process (tests/rendering/test_offloop.py and the
# servers the browser tests start use the rendering process), so that no test leaves one behind.
STREAMDEMO_RENDER_PROCESS = False
