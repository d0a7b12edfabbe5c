"""Template filters that put the platform's codes into words: runs by their public name
(:mod:`samen.web.core.run_names`), jobs by what they do, staff roles."""

from __future__ import annotations

from typing import Any

from django import template

from samen.web.core import audit_words, rule_words, run_names
from samen.web.core.roles import ROLE_GROUPS

register = template.Library()


@register.filter
def run_name(run_or_number: Any) -> str:
    """``{{ run|run_name }}``: "the allocation", "waiting-list round 2"."""
    return run_names.run_name(run_or_number)


@register.filter
def run_title(run_or_number: Any) -> str:
    """``{{ run|run_title }}``: "The allocation", "Waiting-list round 2"."""
    return run_names.run_title(run_or_number)


@register.filter
def job_kind(kind: str) -> str:
    """``{{ job.kind|job_kind }}``: what the job does, in words."""
    return audit_words.job_kind(kind)


@register.filter
def role_name(role: str) -> str:
    """``{{ member.role|role_name }}``: "office admin" or "school viewer", translated."""
    from django.utils.translation import gettext as _

    names = {"office": _("office admin"), "school": _("school viewer")}
    return names.get(role, role) if role in ROLE_GROUPS else ""


@register.filter
def mechanism_name(code: str) -> str:
    """``{{ round.mechanism|mechanism_name }}``: the method in words, with its code."""
    return rule_words.mechanism(code)


@register.filter
def tie_breaking_name(code: str) -> str:
    return rule_words.tie_breaking(code)
