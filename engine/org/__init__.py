"""The organisation tree (市 → 区 → 街道 → 社区 → 网格) and the one rule that scopes a query to a subtree."""
