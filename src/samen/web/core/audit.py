"""The audit log: every office action, with who, what, when and the data before and after."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from django.db import models
from django.forms.models import model_to_dict
from django.http import HttpRequest

from samen.web.core.models import AuditEntry, Round
from samen.web.core.signin import client_ip


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(obj: models.Model | None, exclude: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """The fields of ``obj`` as JSON-safe values (secrets such as the seed left out)."""
    if obj is None:
        return None
    data = model_to_dict(obj)
    for key in ("seed", "token", *exclude):
        if data.get(key):
            data[key] = "(hidden)"
    return _plain(data)


def record(
    request: HttpRequest | None,
    action: str,
    *,
    round: Round | None = None,
    target: str = "",
    before: Any = None,
    after: Any = None,
    actor: Any = None,
) -> AuditEntry:
    """Write one entry; ``before``/``after`` are JSON-safe (see :func:`snapshot`)."""
    user = actor if actor is not None else (request.user if request is not None else None)
    if user is not None and not user.is_authenticated:
        user = None
    return AuditEntry.objects.create(
        actor=user,
        actor_label=(user.email or user.username) if user is not None else "system",
        action=action,
        round=round,
        target=target[:200],
        before=_plain(before),
        after=_plain(after),
        ip=client_ip(request) if request is not None else None,
    )
