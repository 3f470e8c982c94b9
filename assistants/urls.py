from django.urls import path

from . import views

app_name = "assistants"

urlpatterns = [
    path("settings/", views.ai_settings, name="settings"),
    path("settings/new/", views.provider_add, name="provider_add"),
    path("settings/models/", views.model_suggestions, name="model_suggestions"),
    path("settings/<int:pk>/", views.provider_edit, name="provider_edit"),
    path("settings/<int:pk>/test/", views.provider_test, name="provider_test"),
    path("settings/<int:pk>/move/", views.provider_move, name="provider_move"),
    path("settings/<int:pk>/enable/", views.provider_enable, name="provider_enable"),
    path("settings/<int:pk>/delete/", views.provider_delete, name="provider_delete"),
]
