from django.shortcuts import render

from clients.decorators import client_required


@client_required
def dashboard(request):
    return render(request, "messaging/portal_dashboard.html", {})
