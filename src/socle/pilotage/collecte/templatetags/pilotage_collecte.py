from django import template

register = template.Library()


@register.filter
def field_value(declaration, name):
    return getattr(declaration, name)
