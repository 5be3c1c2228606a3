"""Django requests for handler calls, converted the way the LMS does (``django_to_webob_request``).

Handlers therefore see exactly what they would in the LMS: a ``DjangoWebobRequest`` whose ``.POST``
merges form fields and ``DjangoUploadedFile`` wrappers, a raw ``.body`` and the request headers.
"""
import json as jsonlib
import os
import secrets
from urllib.parse import urlencode

import django
from django.apps import apps
from django.conf import settings

SECRET_KEY = "openedx-test-runtime-secret"
# edx-platform defaults for _check_files_limits.
MAX_FILEUPLOADS_PER_INPUT = 20
STUDENT_FILEUPLOAD_MAX_SIZE = 4 * 1000 * 1000


def setup_django():
    """Configure a minimal Django (templates, CSRF) unless the test session already did."""
    if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
        settings.configure(
            SECRET_KEY=SECRET_KEY,
            ALLOWED_HOSTS=["*"],
            USE_I18N=True,
            INSTALLED_APPS=[],
            TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": False}],
            # Large packages must reach handlers; the LMS limits uploads by _check_files_limits instead.
            DATA_UPLOAD_MAX_MEMORY_SIZE=None,
        )
    # Once per process, as in the LMS: setting up again would reconfigure logging on every request.
    if not apps.ready:
        django.setup()


def build_request(method, path, user, *, https, host, query=None, json=None, body=None, form=None,
                  files=None, headers=None, csrf=None):
    """A Django ``HttpRequest`` as the LMS view receives it, with ``request.user`` set.

    ``csrf`` is ``None`` for no CSRF cookie or header, ``True`` for a matching cookie and header,
    ``False`` for a cookie without the header (what a cross-site form post looks like).
    """
    from django.core.files.uploadedfile import SimpleUploadedFile  # pylint: disable=import-outside-toplevel
    from django.test import RequestFactory  # pylint: disable=import-outside-toplevel
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart  # pylint: disable=import-outside-toplevel

    setup_django()
    headers = dict(headers or {})
    if query:
        path += "?" + (query if isinstance(query, str) else urlencode(query, doseq=True))
    content_type = headers.pop("Content-Type", None)
    if sum(part is not None for part in (json, body, form or files or None)) > 1:
        raise TypeError("pass only one of json, body or form/files")
    if json is not None:
        data, content_type = jsonlib.dumps(json).encode("utf-8"), content_type or "application/json"
    elif body is not None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        content_type = content_type or "application/octet-stream"
    elif files:
        fields = dict(form or {})
        for field_name, (filename, content, file_type) in files.items():
            raw = content if isinstance(content, bytes) else content.read()
            fields[field_name] = SimpleUploadedFile(filename, raw, content_type=file_type)
        data, content_type = encode_multipart(BOUNDARY, fields), MULTIPART_CONTENT
    elif form:
        data = urlencode(form, doseq=True).encode("ascii")
        content_type = "application/x-www-form-urlencoded"
    else:
        data, content_type = b"", content_type or "application/octet-stream"

    if csrf is not None:
        token = secrets.token_hex(16)       # an unmasked 32-character CSRF secret
        headers["Cookie"] = f"csrftoken={token}"
        if csrf:
            headers["X-CSRFToken"] = token
        if https:
            headers.setdefault("Referer", f"https://{host}/")   # Django checks Referer on HTTPS
    request = RequestFactory().generic(
        method, path, data, content_type, secure=https, headers={"Host": host, **headers},
    )
    request.user = user
    return request


def csrf_failure(request):
    """``CsrfViewMiddleware.process_view`` as ``handle_xblock_callback`` runs it for session users."""
    from django.middleware.csrf import CsrfViewMiddleware  # pylint: disable=import-outside-toplevel

    return CsrfViewMiddleware(get_response=lambda req: None).process_view(request, None, (), {})


def files_limit_error(request):
    """``_check_files_limits``: the message for too many or too large uploads, else ``None``."""
    if request.method != "POST" or not request.content_type.startswith("multipart/"):
        return None
    for field_name in request.FILES.keys():
        uploaded = request.FILES.getlist(field_name)
        if len(uploaded) > MAX_FILEUPLOADS_PER_INPUT:
            return f"Submission aborted! Maximum {MAX_FILEUPLOADS_PER_INPUT} files may be submitted at once"
        for upload in uploaded:
            if upload.size > STUDENT_FILEUPLOAD_MAX_SIZE:
                return (f'Submission aborted! Your file "{upload.name}" is too large '
                        f"(max size: {STUDENT_FILEUPLOAD_MAX_SIZE / 1000 ** 2:.0f} MB)")
    return None
