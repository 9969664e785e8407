"""Peiban's write model: aggregates, their facts, the rules, and the application."""

from domain.actor import Actor
from domain.application import Peiban
from domain.errors import Conflict, DomainError, InvalidInput, NotFound, Problem, RuleBroken
from domain.stores import PostgresSettings, StoreSettings

__all__ = [
    "Actor",
    "Conflict",
    "DomainError",
    "InvalidInput",
    "NotFound",
    "Peiban",
    "PostgresSettings",
    "Problem",
    "RuleBroken",
    "StoreSettings",
]
