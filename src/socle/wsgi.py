import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socle.settings.production")
application = get_wsgi_application()
# What the first request would load otherwise: the URLconf imports every brick's views (and
# with them most of the code and libraries), and its reverse lookup tables are built once.
get_resolver().reverse_dict  # noqa: B018 (the access builds them)

# Everything loaded so far (Django, the apps, the views, their libraries: some 400 000 objects)
# lives as long as the process. Freezing it keeps the cyclic garbage collector from scanning it
# again and again while requests allocate (a batch of 100 xAPI statements is thousands of dicts).
# It also keeps pre-forked workers from touching (copying) the pages of those objects. Loading
# the URLconf first matters: frozen before it, 140 000 objects were left to the collector, and
# its full collections (about every 80 requests of 100 statements, 100 ms each) took a quarter
# of the CPU of a server under load.
gc.freeze()
