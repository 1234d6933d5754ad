"""The OpenAPI operations of the pages feature."""

from __future__ import annotations

from server.web.common.operations import Operations, page

OPERATIONS: Operations = {
    "pages.landing": page("The landing page"),
    "pages.plan": page("The plan's structure with its projects"),
    "pages.projects": page("Projects by department and division"),
    "pages.kpis": page("KPIs with baselines, targets and actual values"),
}
