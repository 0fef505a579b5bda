"""Classification labels (密级) carried by records and held by users as clearances."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Classification(models.IntegerChoices):
    """Ordered: a user may read a record whose label is at most the user's clearance."""

    UNCLASSIFIED = 0, _("Unclassified (非密)")
    INTERNAL = 1, _("Internal (内部)")
    SECRET = 2, _("Secret (秘密)")
    CONFIDENTIAL = 3, _("Confidential (机密)")
