"""Grid workers in the field (issue 23): door-to-door visits (入户走访 / 民情日志), visit plans and the due
visits they generate, the monthly 民情恳谈会, and the needs found there that become cases.

A domain on the generic case layer: it opens cases through :mod:`engine.cases.operations`; nothing in
``engine/cases`` imports it.
"""
