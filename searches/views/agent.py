from django.shortcuts import render

from clients.decorators import agent_required


@agent_required
def search_list(request):
    return render(request, "searches/agent_search_list.html", {})
