"""Managing saved searches and their alerts (agent pages, the client's alert settings) and
reverse prospecting on a listing's page. PLACEHOLDERS until the management UI lands."""

from django.http import Http404

from clients.decorators import agent_required, client_required


@agent_required
def screening_queue(request):
    raise Http404


@agent_required
def screening_review_view(request):
    raise Http404


@agent_required
def search_edit(request, pk: int):
    raise Http404


@agent_required
def search_pause_view(request, pk: int):
    raise Http404


@agent_required
def search_resume_view(request, pk: int):
    raise Http404


@agent_required
def search_delete_view(request, pk: int):
    raise Http404


@agent_required
def listing_prospects(request, pk: int):
    raise Http404


@client_required
def client_search_settings(request, pk: int):
    raise Http404
