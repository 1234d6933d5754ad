"""What XML 1.0 cannot carry, and what every XML answer of the project does about it.

XML 1.0 admits TAB, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD and U+10000–U+10FFFF (§2.2,
``Char``). The other C0 controls (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F) and U+FFFE,
U+FFFF cannot appear, not even as character references: ``&#1;`` breaks the well-formedness
constraint "Legal Character" (§4.1). An RDF literal may hold them all: a query's own
``"a\\u0001b"``, or data that other tools loaded into a remote store (the converter refuses
them in its input, converter/cells.py).

Two rules, one per kind of XML document:

- **Data** (SPARQL Results XML, RDF/XML) is *refused* (:func:`checked`): any escape would
  have to change the value (a replacement character, a private notation), so a client would
  silently read another literal from XML than from JSON or Turtle for the same answer. The
  writers raise :class:`~converter.errors.NotXmlText`; the server answers 406 and names the
  character and the formats that carry it.
- **Documents for people** (the Atom feed, a chart's SVG) get U+FFFD, the replacement
  character, in place of each such character (:func:`replaced`): they show labels, they are
  not the data (which stays readable in the RDF formats), and a feed reader should not lose
  the whole feed over one label.

The one control character XML keeps, CR, is written ``&#13;`` in text by the writers of
this project: a parser turns a raw CR into LF (§2.11), which would change the value too.

The checks work on the UTF-8 bytes: the bytes 0x00–0x1F never occur inside a multi-byte
sequence, and EF BF BE / EF BF BF encode U+FFFE / U+FFFF and nothing else.
"""

from __future__ import annotations

import re

from converter.errors import NotXmlText

_NOT_XML = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
_REPLACEMENT = "\ufffd".encode()
#: ``xml.sax.saxutils.escape`` entities for text that keeps a CR (see the module docstring).
TEXT_ENTITIES = {"\r": "&#13;"}


def is_xml(media_type: str) -> bool:
    """True for an XML media type (``application/rdf+xml``, ``…+xml``, ``text/xml`` …)."""
    bare = media_type.split(";", 1)[0].strip().lower()
    return bare.endswith(("/xml", "+xml"))


def checked(body: bytes) -> bytes:
    """``body`` (UTF-8 XML data) unchanged.

    :raises NotXmlText: it holds a character XML 1.0 cannot carry.
    """
    found = _NOT_XML.search(body)
    if found is not None:
        raise NotXmlText(found.group().decode("utf-8"))
    return body


def replaced(body: bytes) -> bytes:
    """``body`` (a UTF-8 XML document for people) with U+FFFD for each character XML 1.0
    cannot carry."""
    return _NOT_XML.sub(_REPLACEMENT, body)
