"""Fukushima Prefecture DX KPI table → validated linked open data.

Public API: :func:`converter.build.build` (publication → dist/),
:func:`converter.build.convert_table` (one table → graph).
"""

__version__ = "0.1.0"
