from django.urls import path

from . import views

app_name = "integrations"

urlpatterns = [
    path("gmail/", views.gmail_accounts, name="gmail"),
    path("gmail/connect", views.gmail_connect, name="gmail_connect"),
    path("gmail/callback", views.gmail_callback, name="gmail_callback"),
    path("gmail/<int:account_id>/disconnect", views.gmail_disconnect, name="gmail_disconnect"),
    path("gmail/push", views.gmail_push, name="gmail_push"),
]
