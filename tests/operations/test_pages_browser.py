"""The operators' scheduled-jobs page in headless Chromium at phone width: French, axe-core
clean, the failed job shown with its error."""

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client, override_settings
from playwright.sync_api import expect

from socle.identite.models import Account, AccountKind, AccountState
from socle.operations import scheduler

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCHEDULE = {
    "sweep": {"command": "diffusion-deliver-due", "every": 300},
    "broken": {"command": "viescolaire-purge", "args": ["--today", "not-a-date"], "daily": "02:10"},
}


IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@override_settings(SOCLE_SCHEDULE=SCHEDULE, TASKS=IMMEDIATE)
def test_jobs_page_is_french_and_axe_clean(page, live_server, django_user_model, axe_check):
    scheduler.tick(dt.datetime.now(dt.UTC))
    operator = django_user_model.objects.create_user("exploitant", password="x-Unused-42!", is_staff=True)
    Account.objects.create(user=operator, kind=AccountKind.OPERATOR, state=AccountState.ACTIVE)
    client = Client()
    client.force_login(operator)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/exploitation/taches/")
    expect(page.locator("h1")).to_have_text("Tâches planifiées")
    expect(page.get_by_role("table", name="Tâches, dernières et prochaines exécutions")).to_be_visible()
    expect(page.get_by_text("toutes les 5 min")).to_be_visible()
    expect(page.get_by_role("table", name="Les dernières exécutions en échec")).to_contain_text("not-a-date")
    axe_check(page)
