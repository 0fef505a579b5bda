"""A declared transition of a workflow (a status field with an explicit table): the action's
name and label, the states it leaves from, where it goes, who may take it, and whether it
needs a comment. Each app's workflow.py lists its own; its services enforce them."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Transition:
    name: str
    label: object
    sources: tuple[str, ...]
    target: str
    who: str
    needs_comment: bool = False
