from django.urls import path

from . import views

app_name = "identite_federation"

urlpatterns = [
    path("<slug:slug>/login", views.start, name="start"),
    path("<slug:slug>/callback", views.callback, name="callback"),
    path("<slug:slug>/confirm", views.confirm, name="confirm"),
]
