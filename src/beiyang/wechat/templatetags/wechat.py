from django import template
from django.utils.translation import get_language

register = template.Library()


@register.inclusion_tag("wechat/_binding.html", takes_context=True)
def wechat_binding(context):
    """The 我的 page's WeChat card: bind, or the kinds of message sent there and unbind."""
    from beiyang.wechat import client
    from beiyang.wechat.models import KIND_LABELS
    from beiyang.wechat.queries import follower_of

    follower = follower_of(context.get("user"))
    declined = set(follower.declined_kinds) if follower else set()
    english = (get_language() or "").startswith("en")
    return {
        "enabled": client.enabled(),
        "follower": follower,
        "kinds": [(k, en if english else zh, k not in declined) for k, (zh, en) in KIND_LABELS.items()],
        "csrf_token": context.get("csrf_token"),
    }
