from django.contrib import admin

from beiyang.agent.models import Conversation, HandoverTicket, Turn

admin.site.register(Conversation)
admin.site.register(Turn)
admin.site.register(HandoverTicket)
