from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "emailassist"
admin.site.site_title = "emailassist admin"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("integrations/", include("integrations.urls")),
    path("training/", include("training.urls")),
    path("api/", include("emailassist.api")),
    path("assistants/", include("assistants.urls")),
]
