"""Workbench URLs, with the noauth handler exempt from CSRF as the LMS's handler_noauth view is."""
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt
from workbench import views
from workbench.urls import urlpatterns as workbench_urlpatterns

urlpatterns = [
    re_path(
        r"^unauth_handler/(?P<usage_id>[^/]+)/(?P<handler_slug>[^/]*)(?:/(?P<suffix>.*))?$",
        csrf_exempt(views.handler),
        {"authenticated": False},
        name="unauth_handler",
    ),
] + workbench_urlpatterns
