import json

from django.core.management.base import BaseCommand

from beiyang.agent.actions import do_agent_turn


class Command(BaseCommand):
    help = "Ask the service agent one question (as a signed-in founder with no profile) / 向服务智能体提问"

    def add_arguments(self, parser):
        parser.add_argument("text", nargs="+")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, text, as_json, **options):
        result = do_agent_turn(None, " ".join(text), rate_key="cli")
        if as_json:
            self.stdout.write(
                json.dumps(
                    {k: result[k] for k in ("intent", "slots", "reply", "citations")}, ensure_ascii=False
                )
            )
        else:
            self.stdout.write(result["reply"])
