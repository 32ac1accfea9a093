"""The plain-SQL get_user: the same user, field for field, as Django's ModelBackend; None for
an inactive or unknown user; logins go through it."""

import pytest
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.auth_backends import ModelBackend
from clients.models import User

pytestmark = pytest.mark.django_db


def columns(user):
    return {field.attname: getattr(user, field.attname) for field in User._meta.concrete_fields}


def test_the_same_user_field_for_field_in_one_statement(client_contact):
    user = client_contact.user
    User.objects.filter(pk=user.pk).update(must_change_password=True, first_name="Zoë")
    with CaptureQueriesContext(connection) as queries:
        mine = ModelBackend().get_user(user.pk)
    assert len(queries) == 1
    djangos = DjangoModelBackend().get_user(user.pk)
    assert columns(mine) == columns(djangos)
    assert mine._state.adding is False and mine._state.db == "default"
    mine.first_name = "Saved"
    mine.save()  # an ordinary instance: it saves as an update
    assert User.objects.get(pk=user.pk).first_name == "Saved"


def test_an_inactive_or_unknown_user_is_nobody(client_contact):
    User.objects.filter(pk=client_contact.user.pk).update(is_active=False)
    assert ModelBackend().get_user(client_contact.user.pk) is None
    assert ModelBackend().get_user(10**12) is None


def test_a_login_is_kept_through_this_backend(client_contact):
    client_contact.user.set_password("correct horse battery")
    client_contact.user.save()
    browser = Client()
    response = browser.post(
        reverse("account_login"),
        {"login": client_contact.user.email, "password": "correct horse battery"},
    )
    assert response.status_code == 302
    assert browser.session["_auth_user_backend"] == "clients.auth_backends.ModelBackend"
    assert browser.get(reverse("portal:dashboard")).status_code == 200
