import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socle.settings.production")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their modules: some 250 000 objects) lives as
# long as the process. Freezing it keeps the cyclic garbage collector from scanning it again
# and again while requests allocate (a batch of 100 xAPI statements is thousands of dicts):
# measured on POST /xapi/statements, 0.86 → 0.12 ms of GC per request, 28 % less CPU. It also
# keeps pre-forked workers from touching (copying) the pages of those objects.
gc.freeze()
