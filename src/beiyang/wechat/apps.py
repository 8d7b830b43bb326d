from django.apps import AppConfig


class WechatConfig(AppConfig):
    name = "beiyang.wechat"
    label = "wechat"
    verbose_name = "微信服务号 WeChat"

    def ready(self) -> None:
        # The outbox's WeChat channel: registered from here, so that notifications (a floor
        # below) never imports this app.
        from beiyang.notifications.channels import SENDERS
        from beiyang.wechat.channel import send_template_message

        SENDERS["wechat"] = send_template_message
