"""Celery tasks: named, taking ids only, each one call into board code.

Every task here has the name of a board job (`board.jobs.JOBS`); the board publishes by name
and never imports this module.
"""

from __future__ import annotations

from celery import Task, shared_task

from board.auth import services as accounts
from board.mail import TransientMailError
from board.members import applications
from board.needs import services as needs
from board.notifications import deliver, match
from board.notifications import sweep as sweeping

# Transient SMTP trouble (connection refused, 4xx) is retried with growing, jittered delays.
MAIL_RETRY = {
    "autoretry_for": (TransientMailError,),
    "retry_backoff": 10,
    "retry_backoff_max": 900,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="accounts.send_invitation", **MAIL_RETRY)
def send_invitation(user_id: int) -> None:
    """E-mail an invited user the link that sets their password."""
    accounts.send_invitation(user_id)


@shared_task(name="accounts.send_password_reset", **MAIL_RETRY)
def send_password_reset(user_id: int) -> None:
    """E-mail a user a link to choose a new password."""
    accounts.send_password_reset(user_id)


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


@shared_task(name="applications.send_rejection", **MAIL_RETRY)
def send_rejection(application_id: int) -> None:
    """E-mail a refused applicant the reason."""
    applications.send_rejection(application_id)
