"""Small template helpers."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """``{{ child.flags|get:q.flag }}``"""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
