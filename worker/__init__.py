"""The Celery entry point: `celery -A worker worker` and `celery -A worker beat`."""

import gc
from datetime import date
from pathlib import Path
from typing import Any

from celery.signals import worker_init
from flask_babel import force_locale, format_date, get_translations
from sqlalchemy.orm import configure_mappers

from board import create_app
from board.i18n import available_locales, money

flask_app = create_app(web=False)
celery = flask_app.extensions["celery"]

from worker import tasks  # noqa: E402,F401  (registers the tasks with `celery`)


@worker_init.connect
def prepare_before_fork(**kwargs: Any) -> None:
    """Do in the main process, before the pool is forked, what every pool process would do.

    The pool processes then share the result with the main process (copy-on-write) instead of
    each building its own: the mappers, the compiled e-mail templates, each language's
    translations and locale data. Frozen, those objects are left alone by the garbage
    collector, whose passes would otherwise write to, and so copy, every page they are on.
    """
    with flask_app.app_context():
        configure_mappers()
        folder = Path(flask_app.template_folder or "templates") / "email"
        for template in sorted(folder.iterdir()):
            flask_app.jinja_env.get_template(f"email/{template.name}")
        for locale in available_locales():
            with force_locale(locale):
                get_translations()
                format_date(date.today())
                money(1, "EUR")
    gc.collect()
    gc.freeze()
