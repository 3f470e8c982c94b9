"""A small fixed set of messages for tests: a three-message thread, HTML-only mail, an attachment,
a newsletter, spam, a user label and a non-ASCII subject. Same bytes on every run."""

from email.message import EmailMessage
from email.utils import format_datetime
import datetime

START = datetime.datetime(2024, 3, 1, 9, 0, tzinfo=datetime.timezone.utc)


def build(*, sender, to, subject, text=None, html=None, when, message_id, reply_to=None, attachment=None):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(when)
    message["Message-ID"] = f"<{message_id}@sandbox.example>"
    if reply_to:
        message["In-Reply-To"] = f"<{reply_to}@sandbox.example>"
        message["References"] = f"<{reply_to}@sandbox.example>"
    if text is not None:
        message.set_content(text)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    if attachment:
        filename, content_type, data = attachment
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    for index, part in enumerate(message.walk()):
        if part.is_multipart():
            part.set_boundary(f"=_sandbox_{message_id}_{index}")
    return message.as_bytes()


def sample_messages(address="me@example.com"):
    """(raw bytes, label ids or user label names) pairs, oldest first."""
    day = datetime.timedelta(days=1)
    hour = datetime.timedelta(hours=1)
    alice = "Alice Martin <alice@client.example>"
    return [
        (
            build(
                sender=alice,
                to=address,
                subject="Quote for the spring workshop",
                text="Hello,\n\nCould you send me a quote for a two-day workshop in April?\n\nThanks,\nAlice\n",
                when=START,
                message_id="quote-1",
            ),
            ["INBOX", "IMPORTANT", "CATEGORY_PERSONAL"],
        ),
        (
            build(
                sender=address,
                to=alice,
                subject="Re: Quote for the spring workshop",
                text="Hi Alice,\n\nTwo days in April cost 2,400 EUR. I'll send the contract tomorrow.\n\nBest\n",
                when=START + 2 * hour,
                message_id="quote-2",
                reply_to="quote-1",
            ),
            ["SENT"],
        ),
        (
            build(
                sender=alice,
                to=address,
                subject="Re: Quote for the spring workshop",
                text="Great, that works for us. Please send the contract.\n",
                when=START + day,
                message_id="quote-3",
                reply_to="quote-2",
            ),
            ["INBOX", "UNREAD", "IMPORTANT", "CATEGORY_PERSONAL"],
        ),
        (
            build(
                sender="Weekly Digest <news@letters.example>",
                to=address,
                subject="This week's deals & news",
                html="<html><body><h1>Deals</h1><p>Save 20% on <b>everything</b> this week.</p></body></html>",
                when=START + 2 * day,
                message_id="digest-1",
            ),
            ["INBOX", "UNREAD", "CATEGORY_PROMOTIONS"],
        ),
        (
            build(
                sender="Billing <billing@vendor.example>",
                to=address,
                subject="Your invoice INV-1042",
                text="Your invoice is attached.\n",
                when=START + 3 * day,
                message_id="invoice-1",
                attachment=("INV-1042.pdf", "application/pdf", b"%PDF-1.4\n% sandbox invoice\n" + bytes(range(256))),
            ),
            ["INBOX", "CATEGORY_UPDATES", "Receipts"],
        ),
        (
            build(
                sender="Lucky Winner <prize@spam.example>",
                to=address,
                subject="You have won!!!",
                text="Claim your prize now.\n",
                when=START + 4 * day,
                message_id="spam-1",
            ),
            ["SPAM", "UNREAD"],
        ),
        (
            build(
                sender="Jürgen Weiß <juergen@partner.example>",
                to=address,
                subject="Grüße aus München – Termin nächste Woche?",
                text="Hallo,\n\nhätten Sie nächste Woche Zeit für ein kurzes Gespräch?\n\nViele Grüße\nJürgen\n",
                when=START + 5 * day,
                message_id="termin-1",
            ),
            ["INBOX", "UNREAD", "STARRED", "CATEGORY_PERSONAL"],
        ),
    ]
