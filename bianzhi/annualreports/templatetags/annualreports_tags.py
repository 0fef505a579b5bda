from django import template

from bianzhi.annualreports.workflow import event_label as _event_label

register = template.Library()


@register.filter
def event_label(action: str) -> object:
    """`{{ event.action|event_label }}`: the readable name of a step of the trail."""
    return _event_label(action)
