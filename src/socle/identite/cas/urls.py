from django.urls import path

from . import views

app_name = "identite_cas"

urlpatterns = [
    path("login", views.login, name="login"),
    path("logout", views.logout, name="logout"),
    path("serviceValidate", views.service_validate, name="service-validate"),
    path("p3/serviceValidate", views.p3_service_validate, name="p3-service-validate"),
]
