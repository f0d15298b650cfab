"""问题清单-责任清单-整改清单: findings of evaluations, acceptances, joint meetings and assessments tracked to 已整改."""
