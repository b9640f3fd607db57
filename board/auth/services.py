"""Accounts: sign-in, invitations, password resets and changes."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from board import audit
from board.auth.passwords import hash_password, needs_rehash, verify_password
from board.errors import Conflict
from board.extensions import db
from board.models import Member, User, utcnow
from board.notifications import announce


def find_user(email: str) -> User | None:
    """The user with this e-mail address, compared case-insensitively."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """The user these credentials sign in, or None; never says which part was wrong."""
    user = find_user(email)
    if not verify_password(user, password) or user is None or not user.is_active:
        return None
    if needs_rehash(user):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def sign_out(user: User) -> None:
    """End every session and remember cookie of the user, on every device."""
    user.rotate_session_token()
    db.session.commit()


class AddressTaken(Conflict):
    """The address belongs to someone an invitation cannot take: a user who has accepted
    theirs or, when a firm's user invites, someone invited to the staff or a firm's contact
    who has not been invited yet."""

    def __init__(self, user: User) -> None:
        super().__init__(_("This address already belongs to a user of the board."), "email")
        self.user = user


def invite_user(
    email: str,
    member: Member | None,
    invited_by: User | None,
    name: str = "",
    locale: str | None = None,
) -> User:
    """Create (or re-invite) a user without a password and e-mail an invitation.

    With a firm, the user acts for it; without one, the user joins the cluster staff. An
    invitation not accepted yet moves to the firm (or the staff) of the latest one, and the
    earlier link stops working. A firm's user moves only an invitation to another firm.
    The invitation is written in `locale` (the inviter's choice), which the account keeps.
    """
    user = find_user(email)
    moves = user is not None and (user.member is not member or user.is_staff != (member is None))
    if user is not None and (
        user.has_accepted_invitation
        or (moves and _by_firm(invited_by) and (user.is_staff or user.invited_at is None))
    ):
        raise AddressTaken(user)
    moved: dict[str, str] = {}
    if user is None:
        user = User(email=email, member=member, is_staff=member is None, name=name)
        db.session.add(user)
    elif moves:
        moved["moved_from"] = "staff" if user.is_staff else f"member:{user.member_id}"
        user.member = member
        user.is_staff = member is None
    if name:
        user.name = name
    if locale:
        user.locale = locale
    user.invited_at = utcnow()
    event = audit.record("user.invited", user, invited_by, email=user.email, **moved)
    announce.invitation(user, event)
    db.session.commit()
    return user


def _by_firm(user: User | None) -> bool:
    """Whether a firm's user (rather than staff or the command line) acts."""
    return user is not None and not user.is_staff


def tell_account_owner(user: User, actor: User | None, **detail: object) -> None:
    """E-mail a user that someone applied or invited with their address (`detail` says what
    was tried), in the caller's transaction: the form that tried answers as it answers for
    anyone, and only the owner of the address learns that it has an account."""
    event = audit.record("user.address_reused", user, actor, **detail)
    announce.account_exists(user, event)


def accept_invitation(user: User, name: str, password: str) -> None:
    """Set the invited user's name and password; the invitation link dies with it."""
    user.name = name
    set_password(user, password)
    audit.record("user.invitation_accepted", user, user)
    db.session.commit()


def request_password_reset(email: str) -> None:
    """E-mail a reset link if the address belongs to a registered user; say nothing otherwise.

    Both cases do the same work here, so that neither the answer nor its time tells whether
    the address has an account.
    """
    user = find_user(email)
    owner = user if user is not None and user.has_accepted_invitation and user.active else None
    announce.password_reset(email.strip().lower(), owner)
    db.session.commit()


def reset_password(user: User, password: str) -> None:
    """Set a new password from a reset link; every session of the user ends."""
    set_password(user, password)
    audit.record("user.password_reset", user, user)
    db.session.commit()


def change_password(user: User, current: str, new: str) -> None:
    """Change a signed-in user's password; their other sessions end."""
    if not verify_password(user, current):
        raise Conflict(_("The current password is not correct."), "current_password")
    set_password(user, new)
    audit.record("user.password_changed", user, user)
    db.session.commit()


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.rotate_session_token()


def create_staff(email: str, password: str, name: str = "") -> User:
    """Create a staff user, or make an existing staff user's password this one."""
    user = find_user(email)
    if user is not None and not user.is_staff:
        raise Conflict(_("This address belongs to a member's user, not to staff."), "email")
    if user is None:
        user = User(email=email, is_staff=True, name=name or email.partition("@")[0])
        db.session.add(user)
        audit.record("user.staff_created", user, None, email=user.email)
    set_password(user, password)
    db.session.commit()
    return user
