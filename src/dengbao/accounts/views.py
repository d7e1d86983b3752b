from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def otp_verify(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/login.html", {})
