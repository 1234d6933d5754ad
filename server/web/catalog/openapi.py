"""The OpenAPI operations of the catalog feature: DCAT, VoID, CKAN."""

from __future__ import annotations

from server.web.common.operations import Operations, files, json_document, negotiated
from server.web.common.representations import MACHINE_FORMATS, PAGE_FORMATS

OPERATIONS: Operations = {
    "catalog.catalog": negotiated("The DCAT catalog (Turtle for */*)", MACHINE_FORMATS),
    "catalog.catalog_file": files("The catalog in the format its extension names", PAGE_FORMATS),
    "catalog.void": negotiated("VoID description of the dataset", MACHINE_FORMATS),
    "catalog.ckan": json_document("A CKAN package_create body", "CkanPackage", (404,), store=True),
}
