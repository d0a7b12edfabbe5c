"""The authentication backend: Django's ModelBackend, with the signed-in user read on every
request by one plain statement (:func:`samen.web.core.lean.get_by_pk`) instead of the ORM.

Nobody has a password (sign-in is by e-mail code, :mod:`samen.web.core.signin`); permissions
and the checks on inactive users are ModelBackend's.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from samen.web.core.lean import get_by_pk

#: the backend that sign-in records in the session
PATH = "samen.web.core.backends.UserBackend"


class UserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = get_by_pk(model, pk)
        return user if user is not None and self.user_can_authenticate(user) else None
