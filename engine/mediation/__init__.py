"""Dispute mediation (矛盾纠纷调解, DESIGN.md §2.2): the ``mediation`` process's domain rows, form hooks,
rules, operations and the mediator's workspace service (:class:`engine.mediation.service.MediationService`)."""
