"""WSGI entry point (gunicorn materiality.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "materiality.settings")
application = get_wsgi_application()
