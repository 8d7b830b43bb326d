from __future__ import annotations

from django.db.models import Model, QuerySet

from beiyang.core.models import AuditEntry


def audit_trail(obj: Model) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("id")
