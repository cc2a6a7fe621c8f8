"""What a credential change ends: every link and code of the space still waiting.

A new password, a new login address or a new trust question makes every pending
« Mot de passe oublié » link, sign-in code and address-change code of the space inoperative:
each was sent under the old credentials (e.g. a reset link to the old address).
"""
from ..models import PENDING, SUPERSEDED, EmailChange, PasswordReset, SigninCode

ENDED_BY_A_CREDENTIAL_CHANGE = (PasswordReset, SigninCode, EmailChange)


def end_pending(space_id, kinds=ENDED_BY_A_CREDENTIAL_CHANGE):
    """Supersede them all (or only those of `kinds`). Returns how many."""
    return sum(model.update(state=SUPERSEDED).where((model.space == space_id) & (model.state == PENDING)).execute()
               for model in kinds)
