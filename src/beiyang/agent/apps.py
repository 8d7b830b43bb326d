from django.apps import AppConfig


class AgentConfig(AppConfig):
    name = "beiyang.agent"
    label = "agent"
    verbose_name = "服务智能体 Service agent"

    def ready(self) -> None:
        from beiyang.agent import receivers
        from beiyang.service.signals import handover_answered, handover_reopened

        handover_answered.connect(
            receivers.on_handover_answered, dispatch_uid="beiyang.agent.handover_answered"
        )
        handover_reopened.connect(
            receivers.on_handover_reopened, dispatch_uid="beiyang.agent.handover_reopened"
        )
