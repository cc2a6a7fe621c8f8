"""What a credential change ends: every link and code of the space still waiting.

A new password, a new login address or a new trust question makes every pending
« Mot de passe oublié » link, sign-in code and address-change code of the space inoperative:
each was sent under the old credentials (e.g. a reset link to the old address).

And the one refusal of a code or link that cannot be used any more (`check_usable`).
"""
from ..models import USED, EmailChange, PasswordReset, SigninCode
from .errors import Refused

ENDED_BY_A_CREDENTIAL_CHANGE = (PasswordReset, SigninCode, EmailChange)


def end_pending(space_id, kinds=ENDED_BY_A_CREDENTIAL_CHANGE):
    """Supersede them all (or only those of `kinds`). Returns how many."""
    return sum(model.supersede_pending(space_id) for model in kinds)


def check_usable(row, now, used_message, expired_message, field="code"):
    """A code's or link's row (models.Expiring) still usable, or the refusal saying why not:
    used, or else superseded or past its time."""
    if row.usable(now):
        return row
    raise Refused(used_message if row.state == USED else expired_message, field)
