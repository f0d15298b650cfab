"""The adapter around SpiffWorkflow: parsing, restricted expressions, determinism, snapshots.

Nothing outside ``engine/bpmn`` and :mod:`engine.runtime` imports SpiffWorkflow.
"""
