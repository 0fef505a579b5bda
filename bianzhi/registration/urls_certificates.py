from django.urls import path

from . import views_certificates as views

urlpatterns: list = [
    path("certificates/<int:certificate_id>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("code-blocks/", views.code_blocks, name="code_blocks"),
    path("export.xlsx", views.export, name="export"),
]
