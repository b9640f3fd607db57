"""The Celery entry point: `celery -A worker worker` and `celery -A worker beat`."""

from board import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]

from worker import tasks  # noqa: E402,F401  (registers the tasks with `celery`)
