"""The plugin's Alembic environment (``env.py``) and revisions (``versions/``); see :mod:`..schema`."""
