"""Cases, their work items, and the operations that move them."""
