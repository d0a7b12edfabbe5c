"""The office's pages: how many e-mails to families failed (a link to the e-mail page)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext

from samen.web.core.models import Notification

register = template.Library()


@register.simple_tag
def failed_mail(round: Any = None) -> int:
    """``{% failed_mail round as n %}``: failed e-mails of ``round`` (of all, without it)."""
    qs = Notification.objects.filter(status=Notification.FAILED)
    if round is not None:
        qs = qs.filter(round=round)
    return qs.count()


@register.filter
def mail_error(value: str) -> str:
    """Why an e-mail failed or was not needed, in the page's language: the platform's own
    reasons are stored as their English text (a message id); a mail server's answer is shown
    as it came."""
    return gettext(value) if value else ""
