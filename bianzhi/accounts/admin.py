from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class BianzhiUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Bianzhi", {"fields": ("node", "full_name")}))
    list_display = ("username", "full_name", "node", "is_active")
