"""What the tests share: the test upstream, a websocket client, daphne and manage.py processes.

`ROOT` is the project's root, where `manage.py` is and where every process the tests start runs.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
