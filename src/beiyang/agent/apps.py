from django.apps import AppConfig


class AgentConfig(AppConfig):
    name = "beiyang.agent"
    label = "agent"
    verbose_name = "服务智能体 Service agent"
