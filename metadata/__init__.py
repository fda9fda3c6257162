"""Dublin Core records, their validation, crosswalks and text folding (floor 1).

Imports no other project package. See docs/architecture.md for the names other
packages rely on.
"""
