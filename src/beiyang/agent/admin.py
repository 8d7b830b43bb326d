from django.contrib import admin

from beiyang.agent.models import Conversation, Turn

admin.site.register(Conversation)
admin.site.register(Turn)
