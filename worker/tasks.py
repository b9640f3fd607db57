"""Celery tasks: named, taking ids only, each one call into board code.

Every task here has the name of a board job (`board.jobs.JOBS`); the board publishes by name
and never imports this module.
"""

from __future__ import annotations

from celery import Task, shared_task

from board.needs import services as needs
from board.notifications import deliver, match
from board.notifications import sweep as sweeping
from board.privacy import retention


@shared_task(name="notify.fan_out")
def fan_out(need_id: int) -> None:
    """Turn an open need's matches into outbox rows and start their delivery."""
    match.fan_out(need_id)


# The outbox row counts attempts and fails for good after MAIL_MAX_ATTEMPTS, so the task may
# retry as long as rows are left; max_retries only stops a runaway loop.
@shared_task(name="notify.send", bind=True, max_retries=100)
def send(self: Task, *notification_ids: int) -> None:
    """Deliver a batch of outbox rows over one SMTP connection; retry those that failed for now."""
    delay = deliver.send(*notification_ids)
    if delay is not None:
        raise self.retry(countdown=delay)


# Beat publishes it every SWEEP_INTERVAL seconds, expiring when the next one is due.
@shared_task(name="notify.sweep")
def sweep() -> None:
    """Restart what was left undone; send due digests and reminders."""
    sweeping.sweep()


# Beat publishes it every EXPIRY_INTERVAL seconds.
@shared_task(name="needs.expire")
def expire_needs() -> None:
    """Expire open needs left without an award long after their deadline."""
    needs.expire_needs()


# Beat publishes it every RETENTION_INTERVAL seconds.
@shared_task(name="privacy.retention")
def apply_retention() -> None:
    """Remove what the retention policy says has served its purpose."""
    retention.apply_retention()
