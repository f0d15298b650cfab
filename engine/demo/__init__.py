"""Demo data: the organisation of a small street office and cases on every path of the loop."""
