"""The staff console: upload a table, read its check report and changes, preview the site
over it, publish it, roll back (issue 24). Its own app and process; the public server never
imports it (``python -m console``, ``make console``)."""
