"""Celery tasks: named, taking ids only, each one call into board code.

Every task here has the name of a board job (`board.jobs.JOBS`); the board publishes by name
and never imports this module.
"""

from __future__ import annotations

from celery import shared_task

from board import notifications
from board.auth import services as accounts
from board.mail import TransientMailError
from board.members import applications

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


@shared_task(name="notify.deliver", **MAIL_RETRY)
def deliver(event_id: int) -> None:
    """Send the pending e-mails about one event; rows already sent are skipped."""
    notifications.deliver(event_id)


@shared_task(name="applications.send_rejection", **MAIL_RETRY)
def send_rejection(application_id: int) -> None:
    """E-mail a refused applicant the reason."""
    applications.send_rejection(application_id)
