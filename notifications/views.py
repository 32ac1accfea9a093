"""Pages a person reaches from an email: no login, the signed token is the authority.

GET only shows; POST acts. The unsubscribe URL is CSRF-exempt because RFC 8058 one-click POSTs
arrive from mail providers without cookies (the signed token is the authority); the opt-in page
is an ordinary form and keeps Django's CSRF protection.
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from clients.models import ConsentEvent, Contact

from .emails import opt_in_url
from .services import consent_opt_in_from_link, consent_opt_out
from .tokens import make_contact_token, read_contact_token


def _contact_from_token(token: str, purpose: str) -> Contact | None:
    contact_id = read_contact_token(token, purpose)
    if contact_id is None:
        return None
    return Contact.objects.select_related("agent", "agent__user").filter(pk=contact_id).first()


def _invalid_link(request):
    return render(request, "notifications/invalid_link.html", {"agent": None}, status=400)


@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    contact = _contact_from_token(token, "unsubscribe")
    if contact is None:
        return _invalid_link(request)
    if request.method == "POST" and request.POST.get("List-Unsubscribe") == "One-Click":
        # RFC 8058: opt out at once, answer 200, nothing else.
        consent_opt_out(contact=contact, via=ConsentEvent.Via.ONE_CLICK)
        return HttpResponse("You are unsubscribed.", content_type="text/plain")
    context = {
        "contact": contact,
        "agent": contact.agent,
        "opt_in_url": opt_in_url(contact.pk),
        "token": token,
    }
    if request.method == "POST":
        consent_opt_out(contact=contact, via=ConsentEvent.Via.EMAIL_LINK)
        return render(request, "notifications/unsubscribe_done.html", context)
    return render(request, "notifications/unsubscribe_confirm.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def opt_in(request, token: str):
    contact = _contact_from_token(token, "opt_in")
    if contact is None:
        return _invalid_link(request)
    context = {
        "contact": contact,
        "agent": contact.agent,
        "unsubscribe_token": make_contact_token(contact.pk, "unsubscribe"),
    }
    if request.method == "POST":
        consent_opt_in_from_link(contact=contact)
        return render(request, "notifications/opt_in_done.html", context)
    return render(request, "notifications/opt_in_confirm.html", context)
