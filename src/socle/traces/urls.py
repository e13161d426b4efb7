"""/xapi/: the Learning Record Store endpoint base."""

from django.urls import path

from . import views

app_name = "traces"

urlpatterns = [
    path("about", views.about, name="about"),
    path("statements", views.statements, name="statements"),
    path("activities/state", views.state, name="state"),
    path("activities/profile", views.activity_profile, name="activity-profile"),
    path("activities", views.activities_view, name="activities"),
    path("agents/profile", views.agent_profile, name="agent-profile"),
    path("agents", views.agents_view, name="agents"),
]
