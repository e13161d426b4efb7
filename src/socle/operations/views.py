"""Operators' page of the scheduled jobs (last run, next run, failures), and the health and
readiness endpoints."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from socle.identite import services as identite

from . import health, scheduler
from .models import JobRun, RunStatus


@never_cache
def liveness(request):
    return JsonResponse({"status": "alive"})


@never_cache
def readiness(request):
    ready, checks = health.readiness()
    return JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks}, status=200 if ready else 503
    )


@login_required
def jobs(request):
    identite.ensure(request, "platform.operate")
    now = timezone.now()
    return render(
        request,
        "operations/jobs.html",
        {
            "now": now,
            "jobs": scheduler.status(now),
            "failures": JobRun.objects.filter(status=RunStatus.FAILED)[:20],
            "breadcrumb": [{"label": _("Home"), "url": "/"}, {"label": _("Scheduled jobs"), "url": ""}],
        },
    )
