from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def dashboard(request):
    return render(request, "accounts/dashboard.html")


@login_required
def pending(request):
    return render(request, "accounts/pending.html")
