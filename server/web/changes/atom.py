"""``/changes.atom``: the changes between editions as an Atom 1.0 feed (RFC 4287).

A feed reader subscribed to it learns of a new edition by its changes. Each entry is one
change: its id is the change's IRI, its alternate link the change's page, and two ``related``
links the changed resource's earlier and later versions. The dates are the publication's own
(the edition's or the dataset's ``dct:issued`` / ``dct:modified``), so the feed is the same
on every request of one build.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from rdflib import Literal

from converter.xmltext import replaced
from server.web.changes.queries import Change
from server.web.common.batch import Row
from server.web.common.urls import iri_for_path

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MEDIA_TYPE = "application/atom+xml"


@dataclass(frozen=True)
class FeedText:
    """What the feed says of itself, in its language."""

    title: str
    subtitle: str
    author: str
    lang: str
    self_url: str  #: this feed on this host
    page_url: str  #: /changes on this host
    rights: str = ""
    versions: tuple[str, str] = ("前の版", "新しい版")  #: titles of the two related links


#: The sub-select of the dates of the dataset and of each edition's dataset.
DATES = {
    "dates": "SELECT ?s ?d WHERE { ?s a dcat:Dataset ; dct:modified|dct:issued ?d }",
}


def updated(parts: Mapping[str, list[Row]], year: int | None) -> str:
    """The date of edition ``year`` (or of the dataset) as an RFC 3339 timestamp (JST)."""
    subjects = [iri_for_path(f"id/dataset/dx-kpi/fy{year}")] if year else []
    subjects.append(iri_for_path("id/dataset/dx-kpi"))
    rows = parts["dates"]
    for subject in subjects:
        dates = [r["d"] for r in rows if str(r["s"]) == subject and isinstance(r["d"], Literal)]
        if dates:
            return _timestamp(max(str(d) for d in dates))
    return "2000-01-01T00:00:00+09:00"  # no date published: a fixed one, never "now"


def _timestamp(text: str) -> str:
    """``2026-11-28`` → ``2026-11-28T00:00:00+09:00``; a full timestamp is kept."""
    if "T" in text:
        zoned = text.endswith("Z") or "+" in text[10:] or "-" in text[10:]
        return text if zoned else text + "+09:00"
    return date.fromisoformat(text[:10]).isoformat() + "T00:00:00+09:00"


def _sub(parent: ET.Element, tag: str, text: str = "", **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text:
        element.text = text
    return element


def _entry(
    feed: ET.Element, change: Change, stamp: str, links: dict[str, str], text: FeedText
) -> None:
    entry = _sub(feed, "entry")
    _sub(entry, "id", change.iri)
    _sub(entry, "title", change.sentence(text.lang))
    _sub(entry, "updated", stamp)
    _sub(entry, "link", rel="alternate", type="text/html", href=links["page"])
    for role, title in zip(("previous", "current"), text.versions, strict=True):
        if links.get(role):
            _sub(entry, "link", rel="related", type="text/html", href=links[role], title=title)
    if change.old or change.new:
        _sub(entry, "content", f"{change.old or '—'} → {change.new or '—'}", type="text")


def feed_xml(
    found: list[Change],
    stamps: dict[int, str],
    links: list[dict[str, str]],
    text: FeedText,
) -> bytes:
    """The feed; ``stamps`` dates each edition year, ``links`` the URLs of each change.

    A character XML 1.0 cannot carry (in a label from the store) becomes U+FFFD: the feed is
    for people and stays well-formed (:mod:`converter.xmltext`).
    """
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: text.lang})
    _sub(feed, "id", iri_for_path("changes.atom"))
    _sub(feed, "title", text.title)
    _sub(feed, "subtitle", text.subtitle)
    _sub(feed, "updated", max(stamps.values()))
    _sub(_sub(feed, "author"), "name", text.author)
    _sub(feed, "link", rel="self", type=MEDIA_TYPE, href=text.self_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=text.page_url)
    if text.rights:
        _sub(feed, "rights", text.rights)
    for change, urls in zip(found, links, strict=True):
        _entry(feed, change, stamps.get(change.year, max(stamps.values())), urls, text)
    ET.indent(feed)
    return replaced(ET.tostring(feed, encoding="utf-8", xml_declaration=True))
