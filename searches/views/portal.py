from django.shortcuts import render

from clients.decorators import client_required


@client_required
def my_searches(request):
    return render(request, "searches/portal_my_searches.html", {})
