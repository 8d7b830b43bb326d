from django.apps import AppConfig


class WechatConfig(AppConfig):
    name = "beiyang.wechat"
    label = "wechat"
    verbose_name = "微信服务号 WeChat"
