"""The detail view: full texts and original messages; Save, Save and approve; a stale save is a conflict."""

import pytest
from django.urls import reverse

from tests.fixtures_review import make_pair
from training.models import TrainingPair

pytestmark = pytest.mark.django_db


def _url(pair):
    return reverse("training:pair", args=[pair.pk])


def _form(pair, **changes):
    data = {"client_text": pair.final_client_text, "reply_text": pair.final_reply_text,
            "version": pair.updated_at.isoformat(), "filters": "status=new&q=lamp"}
    data.update(changes)
    return data


def test_it_shows_both_texts_and_the_original_messages_with_headers(client, users, accounts, django_assert_max_num_queries):
    pair = make_pair(accounts.alpha, subject="Broken lamp", client_text="My lamp is broken.",
                     reply_text="We will send a new one.", with_messages=True)
    client.force_login(users.reviewer)
    with django_assert_max_num_queries(10):
        response = client.get(_url(pair))
    html = response.content.decode()
    for text in ["My lamp is broken.", "We will send a new one.", "Carla Client", "client@client.example",
                 "alpha@example.com", "Broken lamp", "Re: Broken lamp", "&lt;c", "@client.example&gt;",
                 "&gt; quoted history", "Message-ID", "From", "To", "Date", "Subject"]:
        assert text in html, text


def test_it_renders_the_drawer_partial_for_htmx(client, users, accounts):
    pair = make_pair(accounts.alpha)
    client.force_login(users.reviewer)
    html = client.get(_url(pair), headers={"HX-Request": "true", "HX-Target": "drawer"}).content.decode()
    assert 'id="detail"' in html and "<html" not in html and 'hx-post="' in html


def test_it_saves_an_edit_and_keeps_the_originals(client, users, accounts):
    pair = make_pair(accounts.alpha, client_text="orig client", reply_text="orig reply")
    client.force_login(users.reviewer)
    response = client.post(_url(pair), _form(pair, reply_text="better reply"))
    assert response.status_code == 302 and response["Location"] == _url(pair) + "?status=new&q=lamp"
    pair.refresh_from_db()
    assert (pair.client_text, pair.reply_text) == ("orig client", "orig reply")
    assert (pair.edited_client_text, pair.edited_reply_text) == ("", "better reply")
    assert pair.final_reply_text == "better reply" and pair.status == "new"
    assert pair.reviewed_by == users.reviewer and pair.reviewed_at is not None


def test_it_saves_and_approves_in_one_go_and_goes_back_to_the_list(client, users, accounts):
    pair = make_pair(accounts.alpha, client_text="orig client")
    client.force_login(users.reviewer)
    response = client.post(_url(pair), _form(pair, client_text="clean client", approve="1"))
    assert response["Location"] == reverse("training:pairs") + "?status=new&q=lamp"
    pair.refresh_from_db()
    assert pair.status == "approved" and pair.edited_client_text == "clean client"


def test_it_answers_htmx_with_the_drawer_the_row_and_the_counts(client, users, accounts, django_assert_max_num_queries):
    pair = make_pair(accounts.alpha)
    client.force_login(users.reviewer)
    with django_assert_max_num_queries(10):
        response = client.post(_url(pair), _form(pair, reply_text="edited!", approve="1"),
                               headers={"HX-Request": "true", "HX-Target": "drawer"})
    html = response.content.decode()
    assert response.status_code == 200 and "Saved and approved" in html
    assert f'<tr id="pair-{pair.pk}"' in html and 'id="status-tabs"' in html and html.count('hx-swap-oob="true"') == 2


def test_it_refuses_a_stale_save_and_shows_the_current_texts(client, users, accounts):
    pair = make_pair(accounts.alpha, reply_text="orig reply")
    stale = _form(pair, reply_text="mine, from an old page")
    # Someone else saves first.
    other = TrainingPair.objects.get(pk=pair.pk)
    other.edit(by=users.admin, client_text=other.client_text, reply_text="theirs, saved first", version=other.updated_at)
    client.force_login(users.reviewer)
    response = client.post(_url(pair), stale, headers={"HX-Request": "true", "HX-Target": "drawer"})
    html = response.content.decode()
    assert response.status_code == 409
    assert "someone else changed this pair" in html and "theirs, saved first" in html and "alice" in html
    assert "mine, from an old page" in html  # the reviewer's text is still in the form
    pair.refresh_from_db()
    assert pair.edited_reply_text == "theirs, saved first" and pair.reviewed_by == users.admin
    # Saving again from the conflict form is a deliberate overwrite against the current version.
    client.post(_url(pair), _form(pair, reply_text="mine after all"))
    pair.refresh_from_db()
    assert pair.edited_reply_text == "mine after all"


def test_it_treats_a_decision_made_meanwhile_as_a_conflict_too(client, users, accounts):
    pair = make_pair(accounts.alpha)
    stale = _form(pair, reply_text="edited", approve="1")
    TrainingPair.objects.get(pk=pair.pk).reject(by=users.admin)
    client.force_login(users.reviewer)
    assert client.post(_url(pair), stale).status_code == 409
    pair.refresh_from_db()
    assert pair.status == "rejected" and pair.edited_reply_text == ""


def test_it_rejects_an_empty_text_without_saving(client, users, accounts):
    pair = make_pair(accounts.alpha)
    client.force_login(users.reviewer)
    response = client.post(_url(pair), _form(pair, client_text=""))
    assert response.status_code == 422 and "Not saved" in response.content.decode()
    pair.refresh_from_db()
    assert pair.edited_client_text == "" and pair.reviewed_by is None
