from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("pairs/", views.pair_list, name="pairs"),
    path("pairs/bulk/", views.pair_bulk, name="bulk"),
    path("pairs/export/", views.pair_export, name="export"),
    path("pairs/<int:pk>/", views.pair_detail, name="pair"),
    path("pairs/<int:pk>/<slug:action>/", views.pair_decide, name="decide"),
]
