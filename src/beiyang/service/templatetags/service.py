from django import template

register = template.Library()


@register.inclusion_tag("service/_officer.html", takes_context=True)
def my_officer(context):
    """The founder's officer card, for the 我的 page."""
    from beiyang.service.queries import officer_card

    user = context.get("user")
    return {"officer": officer_card(user) if user is not None and user.is_authenticated else None}
