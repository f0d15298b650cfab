"""Governance projects (治理项目): proposal, approval at a council sitting, budget, implementation, acceptance,
half-yearly third-party evaluations and the exit rule that costs an operator its 运营资格 (DESIGN.md §2.3)."""
