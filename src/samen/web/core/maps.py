"""The map of a round's schools: its data, its background tiles and their place in the CSP.

The page is a list of the schools (names, addresses, links) that works without JavaScript;
``samen/map.js`` adds a Leaflet map (served by the platform itself) drawn from
:func:`map_data`. Schools with latitude and longitude are placed on the earth (on the tiles of
``SAMEN_MAP_TILES`` when set, else on a plain background); a round whose schools have only x,y
(projected metres, ``distance = "euclidean"``) is drawn on a plain background scaled to the
schools' bounding box (Leaflet's ``CRS.Simple``), because x,y may be in any projection and
cannot be put on tiles.

The tile server is allowed in the Content-Security-Policy of the map page only, and only when
it is set; a tile URL that is not a plain http(s) URL with ``{z}``, ``{x}`` and ``{y}`` is
refused (``manage.py check`` reports it, and the map is drawn without tiles).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import checks
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samen.web.core.models import Round, School

log = logging.getLogger(__name__)

_TILE_URL = re.compile(
    r"^(?P<scheme>https?)://"
    r"(?P<host>(?:\{s\}\.)?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d{1,5})?)"
    r"(?P<path>/[^\s'\";,\\<>]*)$"
)


@dataclass(frozen=True)
class Tiles:
    url: str
    #: plain text (escaped before Leaflet, which shows attributions as HTML, gets it)
    attribution: str
    #: the CSP source that allows the tile server ("https://tile.example.org",
    #: "https://*.tile.example.org" for a URL with {s})
    source: str


def tile_problem(url: str) -> str:
    """Why ``url`` cannot be a tile URL ("" when it can)."""
    m = _TILE_URL.match(url)
    if m is None:
        return (
            "SAMEN_MAP_TILES must be an http(s) URL without spaces, quotes, commas or "
            "semicolons, such as https://tile.example.org/{z}/{x}/{y}.png"
        )
    if not all(part in m.group("path") for part in ("{z}", "{x}", "{y}")):
        return "SAMEN_MAP_TILES must contain {z}, {x} and {y} in its path"
    return ""


def tiles() -> Tiles | None:
    """The configured tiles, or None (not set, or not a valid tile URL)."""
    url = (getattr(settings, "SAMEN_MAP_TILES", "") or "").strip()
    if not url:
        return None
    problem = tile_problem(url)
    if problem:
        log.warning("%s; the map is drawn without tiles", problem)
        return None
    m = _TILE_URL.match(url)
    assert m is not None
    host = m.group("host").replace("{s}.", "*.")
    attribution = (getattr(settings, "SAMEN_MAP_ATTRIBUTION", "") or "").strip()
    return Tiles(url=url, attribution=attribution, source=f"{m.group('scheme')}://{host}")


def csp(found: Tiles | None) -> str:
    """The site's Content-Security-Policy, with the tile server added to ``img-src``."""
    policy: str = settings.SAMEN_CSP
    if found is None:
        return policy
    parts = [p.strip() for p in policy.split(";") if p.strip()]
    for k, part in enumerate(parts):
        if part.split()[0] == "img-src":
            parts[k] = f"{part} {found.source}"
            break
    else:
        parts.append(f"img-src 'self' {found.source}")
    return "; ".join(parts)


@checks.register()
def check_tiles(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``manage.py check`` (and every ``samen web`` command) names a tile URL it refuses."""
    url = (getattr(settings, "SAMEN_MAP_TILES", "") or "").strip()
    problem = tile_problem(url) if url else ""
    if problem:
        return [checks.Warning(problem, hint="The map is drawn without tiles.", id="samen.W001")]
    return []


# --------------------------------------------------------------------------- the data


def kind(schools: list[School]) -> str:
    """``geo`` (some school has lat,lon), ``plane`` (only x,y) or ``none`` (no coordinates)."""
    if any(s.lat is not None and s.lon is not None for s in schools):
        return "geo"
    if any(s.x is not None and s.y is not None for s in schools):
        return "plane"
    return "none"


def _placed(school: School, how: str) -> dict[str, float] | None:
    if how == "geo" and school.lat is not None and school.lon is not None:
        return {"lat": school.lat, "lon": school.lon}
    if how == "plane" and school.x is not None and school.y is not None:
        return {"x": school.x, "y": school.y}
    return None


def schools_of(rnd: Round) -> list[School]:
    return list(rnd.schools.order_by("seq", "id"))


def map_data(rnd: Round, schools: list[School] | None = None) -> dict[str, Any]:
    """What ``samen/map.js`` draws: how to place the schools, the tiles, and per school with
    coordinates its name, address, seats and page (the texts in the reader's language)."""
    schools = schools_of(rnd) if schools is None else schools
    how = kind(schools)
    found = tiles() if how == "geo" else None
    items = []
    for s in schools:
        where = _placed(s, how)
        if where is None:
            continue
        items.append(
            {
                "code": s.code,
                "name": s.display_name,
                "address": s.address,
                "seats": ngettext("%(n)s seat", "%(n)s seats", s.capacity) % {"n": s.capacity},
                "url": reverse("school", args=[rnd.slug, s.code]),
                **where,
            }
        )
    return {
        "round": rnd.name,
        "kind": how,
        "tiles": {"url": found.url, "attribution": escape(found.attribution)} if found else None,
        "label": _("Map of the schools"),
        "schools": items,
    }


def unplaced(schools: list[School]) -> list[School]:
    """The schools the map cannot show (no coordinates of the kind the map uses)."""
    how = kind(schools)
    return [s for s in schools if _placed(s, how) is None]
