"""Messages per second for parse_message and clean_reply_text on a generated corpus, on one core.

    .venv/bin/python bench/cleaning.py [--count 5000] [--seconds 3]

The corpus mixes what a support mailbox receives: plain and multipart/alternative replies, HTML-only Gmail
replies, quoted-printable and base64 bodies, legacy charsets, English/French/German/Spanish/Russian quote
styles, Outlook header blocks, signatures and sign-offs. No Django, no database.
"""

import argparse
import base64
import os
import platform
import quopri
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from integrations.gmail.parsing import parse_message  # noqa: E402
from training.cleaning import clean_reply_text  # noqa: E402

SENTENCES = [
    "Thank you for the quick answer about the invoice.",
    "Could you send me the updated quote for the second quarter?",
    "We received the parcel this morning but one item was missing.",
    "Merci pour votre retour, je vous envoie les documents demain.",
    "Vielen Dank, die Lieferung ist heute angekommen.",
    "Gracias por la información, lo revisaré esta tarde.",
    "Спасибо, счёт получили, оплатим до пятницы.",
    "Is it possible to move our call to Thursday at 3 pm?",
]
ATTRIBUTIONS = [
    "On Mon, Jan 1, 2024 at 10:00 AM Bob Smith <bob@example.com> wrote:",
    "Le lun. 1 janv. 2024 à 10:00, Bob Martin <bob@example.fr> a écrit :",
    "Am Mo., 1. Jan. 2024 um 10:00 Uhr schrieb Bob <bob@example.de>:",
    "El lun, 1 ene 2024 a las 10:00, Bob (<bob@example.es>) escribió:",
    "пн, 1 янв. 2024 г. в 10:00, Боб <bob@example.ru>:",
]
SIGNATURES = ["", "\n\nBest regards,\nJane Doe\nExample Ltd", "\n\n-- \nJane Doe\n+1 555 0100",
              "\n\nSent from my iPhone", "\n\nCordialement,\nJeanne"]


def reply_text(rng: random.Random) -> str:
    own = "\n\n".join(" ".join(rng.choices(SENTENCES, k=rng.randint(1, 4))) for _ in range(rng.randint(1, 3)))
    own += rng.choice(SIGNATURES)
    history = "\n".join(f"> {sentence}" for sentence in rng.choices(SENTENCES, k=rng.randint(3, 25)))
    if rng.random() < 0.2:
        quote = ("\n\n-----Original Message-----\nFrom: Bob <bob@example.com>\nSent: Monday, January 1, 2024\n"
                 "To: Support\nSubject: Invoice\n\n" + history.replace("> ", ""))
    else:
        quote = f"\n\n{rng.choice(ATTRIBUTIONS)}\n{history}"
    return own + quote


def raw_message(rng: random.Random, index: int) -> bytes:
    text = reply_text(rng)
    head = (
        f"From: Client {index} <client{index}@example.com>\r\nTo: support@example.com\r\n"
        f"Subject: =?utf-8?q?Re=3A_Facture_n=C2=BA_{index}?=\r\nDate: Mon, 01 Jan 2024 10:00:00 +0100\r\n"
        f"Message-ID: <m{index}@example.com>\r\nMIME-Version: 1.0\r\n"
    )
    kind = rng.random()
    if kind < 0.4:
        body = quopri.encodestring(text.encode("utf-8"))
        return (head + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n"
                "\r\n").encode() + body
    if kind < 0.55:
        charset = rng.choice(["iso-8859-1", "windows-1252", "koi8-r"])
        body = text.encode(charset, errors="replace")
        return (head + f"Content-Type: text/plain; charset={charset}\r\n\r\n").encode() + body
    html = "<div dir=\"ltr\">" + text.replace("&", "&amp;").replace("<", "&lt;").replace("\n", "<br>") + "</div>"
    if kind < 0.7:
        return (head + "Content-Type: text/html; charset=utf-8\r\n\r\n").encode() + html.encode()
    parts = (
        b"--B\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(text.encode()) + b"\r\n--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        + html.encode() + b"\r\n--B--\r\n"
    )
    return (head + 'Content-Type: multipart/alternative; boundary="B"\r\n\r\n').encode() + parts


def rate(function, items: list, seconds: float) -> float:
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for item in items:
            function(item)
        done += len(items)
    return done / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    rng = random.Random(7)
    corpus = [raw_message(rng, index) for index in range(args.count)]
    bodies = [parse_message(raw).text_body for raw in corpus]

    print(f"CPU count: {os.cpu_count()}  Python: {platform.python_version()}  ({platform.machine()}, one core used)")
    print(f"corpus: {len(corpus)} messages, {sum(map(len, corpus)) / 1e6:.1f} MB raw, "
          f"mean body {sum(map(len, bodies)) / len(bodies):.0f} characters")
    print(f"parse_message:    {rate(parse_message, corpus, args.seconds):8.0f} messages/s")
    print(f"clean_reply_text: {rate(clean_reply_text, bodies, args.seconds):8.0f} messages/s")


if __name__ == "__main__":
    main()
