"""The demo mailbox generator: deterministic, realistic enough to exercise sync and pair extraction, fast."""

import email
import email.header
import email.policy
import email.utils
import mailbox
import time
from collections import Counter

import pytest

from integrations.gmail.sandbox.demo import (
    LABEL_NAMES,
    MALFORMED_HEADER,
    generate_demo_mailbox,
    write_demo_mbox,
)


@pytest.fixture(scope="module")
def demo():
    return generate_demo_mailbox(count=2400)


@pytest.fixture(scope="module")
def parsed(demo):
    return [(email.message_from_bytes(raw, policy=email.policy.compat32), labels) for raw, labels in demo]


def kind_of(msg, labels):
    if msg["List-Id"]:
        return "list"
    if msg["Auto-Submitted"]:
        return "auto"
    if "SENT" in labels:
        return "sent"
    return "incoming"


def reply_pairs(parsed):
    """Our messages that answer a human message from someone else: the training pairs."""
    by_id = {msg["Message-ID"]: (msg, labels) for msg, labels in parsed}
    pairs = []
    for msg, labels in parsed:
        if "SENT" not in labels or msg["In-Reply-To"] not in by_id:
            continue
        question, question_labels = by_id[msg["In-Reply-To"]]
        if kind_of(question, question_labels) == "incoming":
            pairs.append((question, msg))
    return pairs


def test_it_is_deterministic_for_a_seed():
    first = generate_demo_mailbox(count=300, seed=11)
    assert first == generate_demo_mailbox(count=300, seed=11)
    assert first != generate_demo_mailbox(count=300, seed=12)


def test_it_honours_count_and_address():
    for count in (1, 37, 250):
        box = generate_demo_mailbox(address="support@shop.test", count=count)
        assert len(box) == count
    sent = [raw for raw, labels in box if "SENT" in labels]
    assert sent and all(b"From: Alex Morgan <support@shop.test>" in raw for raw in sent)


def test_it_is_in_chronological_order(parsed):
    dates = [email.utils.parsedate_to_datetime(msg["Date"]) for msg, _ in parsed if msg["Date"]]
    assert dates == sorted(dates)


def test_it_parses_with_the_default_policy_except_the_malformed_ones(demo):
    malformed = 0
    for raw, _ in demo:
        strict = email.message_from_bytes(raw, policy=email.policy.default)
        if strict[MALFORMED_HEADER]:
            malformed += 1
            lenient = email.message_from_bytes(raw, policy=email.policy.compat32)
            for part in lenient.walk():
                part.get_payload(decode=True)
            continue
        assert str(strict["From"]) and str(strict["Subject"]) and strict["Date"].datetime
        for part in strict.walk():
            assert not part.defects, (part.defects, raw[:400])
            if part.get_content_maintype() == "text":
                part.get_content()
        assert strict.get_body(("plain", "html")).get_content().strip()
    assert 2 <= malformed <= 20


def test_it_has_each_kind_of_malformed_message(parsed):
    flavours = {msg[MALFORMED_HEADER] for msg, _ in parsed if msg[MALFORMED_HEADER]}
    assert flavours == {"broken-boundary", "bad-charset", "missing-date", "raw-8bit-header"}


def test_it_chains_threads_through_references(parsed):
    by_id = {msg["Message-ID"]: msg for msg, _ in parsed}
    assert len(by_id) == len(parsed)
    long_threads = 0
    for msg, _ in parsed:
        if not msg["In-Reply-To"] or msg["In-Reply-To"] not in by_id:
            continue
        references = msg["References"].split()
        assert references[-1] == msg["In-Reply-To"]
        parent = by_id[msg["In-Reply-To"]]
        assert (parent["References"] or "").split() + [parent["Message-ID"]] == references[-len(references):] \
            or len(references) == 12
        if kind_of(msg, []) != "auto":
            subject = str(email.header.make_header(email.header.decode_header(msg["Subject"])))
            assert subject.lower().startswith(("re: ", "aw: ", "[")), subject
        long_threads += len(references) >= 3
    assert long_threads > 50


def test_it_writes_a_takeout_mbox_that_round_trips(tmp_path):
    demo = generate_demo_mailbox(count=400, seed=3)
    path = tmp_path / "Takeout.mbox"
    write_demo_mbox(path, count=400, seed=3)
    names_to_ids = {name: label_id for label_id, name in LABEL_NAMES.items()}
    box = mailbox.mbox(str(path), create=False)
    try:
        read = list(box)
    finally:
        box.close()
    assert len(read) == 400
    for message, (raw, labels) in zip(read, demo):
        original = email.message_from_bytes(raw, policy=email.policy.compat32)
        assert message["Message-ID"] == original["Message-ID"]
        assert [names_to_ids[name] for name in message["X-Gmail-Labels"].split(",")] == labels
        assert message["X-GM-THRID"].isdigit()
    threads = Counter(message["X-GM-THRID"] for message in read)
    assert threads.most_common(1)[0][1] >= 3


def test_it_mixes_every_category(parsed):
    kinds = Counter(kind_of(msg, labels) for msg, labels in parsed)
    labels = Counter(label for _, message_labels in parsed for label in message_labels)
    print("\nmix at 2400:", dict(kinds), "labels:", dict(labels))
    assert 0.25 <= kinds["list"] / 2400 <= 0.35
    assert 0.07 <= kinds["auto"] / 2400 <= 0.14
    for label in ("INBOX", "SENT", "UNREAD", "IMPORTANT", "CATEGORY_PERSONAL", "CATEGORY_PROMOTIONS",
                  "CATEGORY_UPDATES", "CATEGORY_FORUMS", "Label_1", "Label_2", "Label_3"):
        assert labels[label] > 10, label
    assert set(labels) <= set(LABEL_NAMES)

    auto = Counter(msg["Auto-Submitted"] for msg, _ in parsed if msg["Auto-Submitted"])
    assert auto["auto-replied"] > 10 and auto["auto-generated"] > 10
    assert any(msg["X-Autoreply"] == "yes" and "out of office" in msg["Subject"].lower() for msg, _ in parsed)
    bounces = [msg for msg, _ in parsed if msg.get_content_type() == "multipart/report"]
    assert bounces and all("mailer-daemon" in msg["From"].lower() for msg in bounces)
    assert all(msg["List-Unsubscribe"] and msg["Precedence"] in ("bulk", "list")
               for msg, _ in parsed if msg["List-Id"])

    types = Counter(part.get_content_type() for msg, _ in parsed for part in msg.walk())
    for content_type in ("multipart/alternative", "multipart/mixed", "application/pdf", "image/png", "text/csv",
                         "message/rfc822", "message/delivery-status", "text/calendar"):
        assert types[content_type], content_type
    assert any(msg.get_content_type() == "text/html" for msg, _ in parsed)
    assert max(len(raw) for raw in (msg.as_bytes() for msg, _ in parsed)) > 300_000


def test_it_quotes_in_many_reply_styles(parsed):
    text = "\n".join(
        part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8", "replace").replace("\r\n", "\n")
        for msg, _ in parsed if not msg[MALFORMED_HEADER]
        for part in msg.walk() if part.get_content_type() in ("text/plain", "text/html")
    )
    for marker in (" wrote:\n\n> ", 'class="gmail_quote"', "-----Original Message-----", "\nSent: ",
                   " a écrit :", " Uhr schrieb ", ") escribió:", " г. в ", "-- \n", "Sent from my iPhone",
                   "Best regards,", "Von meinem iPhone gesendet", "\n>> "):
        assert marker in text, marker


def test_it_uses_many_charsets_and_transfer_encodings(parsed):
    charsets = Counter(part.get_content_charset() for msg, _ in parsed for part in msg.walk())
    for charset in ("utf-8", "iso-8859-1", "windows-1252", "koi8-r", "iso-2022-jp", "gb2312", "shift_jis"):
        assert charsets[charset], charset
    encodings = Counter(part["Content-Transfer-Encoding"] for msg, _ in parsed for part in msg.walk())
    assert encodings["quoted-printable"] and encodings["base64"] and encodings["7bit"]
    subject_charsets = {
        charset for msg, _ in parsed if not msg[MALFORMED_HEADER]
        for _, charset in email.header.decode_header(msg["Subject"])
    }
    assert subject_charsets >= {"utf-8", "iso-8859-1", "windows-1252", "koi8-r", "iso-2022-jp", "gb2312", "shift_jis"}


def test_it_has_at_least_300_reply_pairs_at_2400(parsed):
    pairs = reply_pairs(parsed)
    print(f"\nreply pairs at 2400: {len(pairs)}")
    assert len(pairs) >= 300
    questions = {question["Message-ID"] for question, _ in pairs}
    assert len(questions) == len(pairs)


def test_it_generates_10000_messages_quickly():
    started, cpu = time.perf_counter(), time.process_time()
    box = generate_demo_mailbox(count=10_000)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"\n10,000 messages in {elapsed:.2f} s ({cpu:.2f} s CPU), {sum(len(raw) for raw, _ in box) / 1e6:.1f} MB")
    assert len(box) == 10_000
    assert cpu < 30
