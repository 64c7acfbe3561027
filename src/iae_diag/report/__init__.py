"""The annual diagnostic, organised as the document is.

- :mod:`iae_diag.report.run`: ``iae-diag report``: plans the runs (region and départements),
  executes the notebook per territory with papermill, writes HTML, PDF, key-figures JSON,
  workbook and CSV, publishes the year's folder atomically.
- :mod:`iae_diag.report.context`: the notebook parameters checked, the indicator tables loaded,
  the secrecy decision, the key figures: what every section reads.
- :mod:`iae_diag.report.html`: the HTML fragments (tables, figures with their data, notes).
- :mod:`iae_diag.report.sections`: one module per section of the document, in its order.
"""
