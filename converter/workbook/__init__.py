"""The staff's workbook: a template for the next edition, and reading it back.

``schema`` says what the template holds (sheets, columns and their roles, the notes on the
headings, the version stamp); ``template`` writes it with openpyxl from the schema and the
edition it carries forward (``instructions`` its sheet 記入方法); ``archive`` opens a
workbook within fixed bounds (zip members, bytes, no DTD or entity); ``worksheet`` parses
one sheet in a single streaming pass; ``cells`` turns a stored value into the text Excel
shows; ``sheet`` reads the input sheet back as the table's records, refusing what a
spreadsheet does behind the staff's back (dates, formulas without a value, hidden rows,
merged cells, other sheets, another template version).

This package reads and writes sheets only: it knows the table's columns
(:mod:`converter.table`) and the error types, not the model or the build.
"""
