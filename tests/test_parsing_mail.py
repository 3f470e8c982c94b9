"""parse_message on raw mail as Gmail hands it over, including the broken kinds; automatic_reason."""

import base64
import random
from datetime import datetime, timezone

from integrations.gmail.parsing import ParsedMessage, automatic_reason, parse_message


def raw_mail(body: bytes = b"Hello", *, headers: str = "", content_type: str = "text/plain; charset=utf-8",
             encoding: str = "8bit", extra: bytes = b"") -> bytes:
    head = (
        "From: Claire Client <Claire@Client.example>\r\n"
        "To: Support <support@example.com>, other@example.com\r\n"
        "Subject: Invoice question\r\n"
        "Date: Mon, 01 Jan 2024 10:00:00 +0100\r\n"
        "Message-ID: <m1@client.example>\r\n"
        f"{headers}"
        "MIME-Version: 1.0\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Transfer-Encoding: {encoding}\r\n"
    )
    return head.encode() + extra + b"\r\n" + body


def multipart(parts: list[bytes], subtype: str = "alternative", headers: str = "") -> bytes:
    body = b"".join(b"--BOUNDARY\r\n" + part + b"\r\n" for part in parts) + b"--BOUNDARY--\r\n"
    return raw_mail(body, headers=headers, content_type=f'multipart/{subtype}; boundary="BOUNDARY"', encoding="7bit")


def part(body: bytes, content_type: str = "text/plain; charset=utf-8", headers: str = "") -> bytes:
    return f"Content-Type: {content_type}\r\n{headers}\r\n".encode() + body


def test_it_reads_the_envelope_headers():
    raw = raw_mail(headers="In-Reply-To: <m0@example.com>\r\nReferences: <a@x> <m0@example.com>\r\n"
                   "Cc: CC@Example.com\r\nBcc: hidden@example.com\r\nReply-To: billing@client.example\r\n")
    parsed = parse_message(raw)
    assert parsed.message_id == "<m1@client.example>"
    assert parsed.in_reply_to == "<m0@example.com>"
    assert parsed.references == ["<a@x>", "<m0@example.com>"]
    assert parsed.from_address == "claire@client.example"
    assert parsed.from_name == "Claire Client"
    assert parsed.to == ["support@example.com", "other@example.com"]
    assert parsed.cc == ["cc@example.com"]
    assert parsed.bcc == ["hidden@example.com"]
    assert parsed.reply_to == ["billing@client.example"]
    assert parsed.sent_at == datetime(2024, 1, 1, 9, 0, tzinfo=timezone.utc)
    assert parsed.text_body == "Hello"
    assert parsed.size == len(raw)
    assert parsed.note == ""


def test_it_normalises_a_message_id_with_spaces_or_without_brackets():
    assert parse_message(b"Message-ID: < abc@x >\r\n\r\nx").message_id == "<abc@x>"
    assert parse_message(b"Message-ID: abc@x\r\n\r\nx").message_id == "<abc@x>"


def test_it_decodes_iso_8859_1():
    parsed = parse_message(raw_mail("Café crème".encode("iso-8859-1"), content_type="text/plain; charset=iso-8859-1"))
    assert parsed.text_body == "Café crème"


def test_it_decodes_windows_1252_quotes_and_euro():
    body = "“Quoted” – 10 €".encode("cp1252")
    assert parse_message(raw_mail(body, content_type="text/plain; charset=windows-1252")).text_body == "“Quoted” – 10 €"


def test_it_decodes_koi8_r():
    parsed = parse_message(raw_mail("Привет, мир".encode("koi8-r"), content_type="text/plain; charset=koi8-r"))
    assert parsed.text_body == "Привет, мир"


def test_it_decodes_iso_2022_jp():
    body = "こんにちは、請求書について".encode("iso-2022-jp")
    parsed = parse_message(raw_mail(body, content_type="text/plain; charset=iso-2022-jp", encoding="7bit"))
    assert parsed.text_body == "こんにちは、請求書について"


def test_it_decodes_shift_jis_including_windows_extensions():
    body = "お世話になります ①".encode("cp932")
    parsed = parse_message(raw_mail(body, content_type="text/plain; charset=shift_jis"))
    assert parsed.text_body == "お世話になります ①"


def test_it_decodes_gb2312_and_its_gbk_superset():
    body = "您好，发票镕".encode("gbk")  # 镕 is GBK only, as mail clients labelled gb2312 often send
    parsed = parse_message(raw_mail(body, content_type="text/plain; charset=gb2312"))
    assert parsed.text_body == "您好，发票镕"


def test_it_decodes_utf8_with_encoded_word_headers():
    raw = (
        "From: =?utf-8?q?Jos=C3=A9_D=C3=ADaz?= <jose@example.com>\r\n"
        "Subject: =?utf-8?b?RmFjdHVyYSBkZSBlbmVybw==?= =?utf-8?q?_n=C2=BA_5?=\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    ).encode() + "Buenos días".encode()
    parsed = parse_message(raw)
    assert parsed.from_name == "José Díaz"
    assert parsed.subject == "Factura de enero nº 5"
    assert parsed.text_body == "Buenos días"


def test_it_keeps_a_quoted_display_name_with_a_comma():
    parsed = parse_message(b'From: "Doe, John" <John@Example.com>\r\nTo: "A, B" <a@b.example>, c@d.example\r\n\r\nx')
    assert (parsed.from_name, parsed.from_address) == ("Doe, John", "john@example.com")
    assert parsed.to == ["a@b.example", "c@d.example"]


def test_it_reads_unusual_address_headers():
    parsed = parse_message(
        b"From: =?utf-8?q?M=C3=BCller=2C_Hans?= <H@X.de>\r\n"
        b"To: Team: a@x.example, b@y.example;, undisclosed-recipients:;\r\n"
        b"Cc: jane@example.com (Jane Doe), <c@z.example>,, \r\n\r\nx"
    )
    assert (parsed.from_name, parsed.from_address) == ("M\u00fcller, Hans", "h@x.de")
    assert parsed.to == ["a@x.example", "b@y.example"]
    assert parsed.cc == ["jane@example.com", "c@z.example"]


def test_it_never_stores_a_broken_address_from_a_header_missing_its_comma():
    parsed = parse_message(b"From: a@x.example\r\nTo: b@y.example c@z.example\r\n\r\nx")
    assert all("@" in address and not address.startswith("@") for address in parsed.to)
    assert parsed.from_address == "a@x.example"


def test_it_decodes_raw_8bit_headers():
    parsed = parse_message("Subject: Réunion\r\nFrom: Zoë <z@example.com>\r\n\r\nx".encode("utf-8"))
    assert parsed.subject == "Réunion"
    assert parsed.from_name == "Zoë"
    parsed = parse_message("Subject: Réunion\r\n\r\nx".encode("cp1252"))
    assert parsed.subject == "Réunion"


def test_it_replaces_a_bogus_charset_and_says_so():
    parsed = parse_message(raw_mail("Café".encode("utf-8"), content_type="text/plain; charset=x-unknown-bogus"))
    assert parsed.text_body == "Café"
    assert "charset 'x-unknown-bogus' replaced" in parsed.note


def test_it_survives_bytes_that_fit_no_charset():
    parsed = parse_message(raw_mail(b"Caf\xe9 \x81\x8d ok", content_type="text/plain; charset=utf-8"))
    assert parsed.text_body.startswith("Caf")
    assert parsed.text_body.endswith("ok")


def test_it_reads_utf8_mislabelled_as_latin1():
    parsed = parse_message(raw_mail("Müller".encode("utf-8"), content_type="text/plain; charset=iso-8859-1"))
    assert parsed.text_body == "Müller"


def test_it_decodes_quoted_printable():
    body = b"Bonjour, voil=C3=A0 la facture =E2=82=AC.=\r\nSuite de la ligne"
    parsed = parse_message(raw_mail(body, encoding="quoted-printable"))
    assert parsed.text_body == "Bonjour, voilà la facture €.Suite de la ligne"


def test_it_decodes_base64():
    body = base64.encodebytes("Grüße aus Köln\nZeile 2".encode("utf-8"))
    parsed = parse_message(raw_mail(body, encoding="base64"))
    assert parsed.text_body == "Grüße aus Köln\nZeile 2"


def test_it_turns_html_only_mail_into_readable_text():
    html = (
        b"<html><head><style>p {color: red}</style><script>alert('x')</script></head><body>"
        b"<p>Hi team,</p><p>Line one<br>Line two &amp; more</p>"
        b"<ul><li>first</li><li>second</li></ul>"
        b'<p>See <a href="https://example.com/pricing">our prices</a>.</p></body></html>'
    )
    parsed = parse_message(raw_mail(html, content_type="text/html; charset=utf-8"))
    assert parsed.text_body == (
        "Hi team,\n\nLine one\nLine two & more\n\n- first\n- second\n\nSee our prices (https://example.com/pricing)."
    )
    assert "color" not in parsed.text_body and "alert" not in parsed.text_body
    assert parsed.html_body.startswith("<html>")
    assert "HTML" in parsed.note


def test_it_turns_an_html_blockquote_into_quoted_lines():
    html = (
        b'<div dir="ltr">Works for me</div><div class="gmail_quote"><div class="gmail_attr">'
        b"On Mon, Jan 1, 2024 at 10:00 AM Bob &lt;<a href=\"mailto:bob@example.com\">bob@example.com</a>&gt; wrote:"
        b'<br></div><blockquote class="gmail_quote">Can we meet?<br>Bob</blockquote></div>'
    )
    text = parse_message(raw_mail(html, content_type="text/html; charset=utf-8")).text_body
    assert text == (
        "Works for me\nOn Mon, Jan 1, 2024 at 10:00 AM Bob <bob@example.com> wrote:\n\n> Can we meet?\n> Bob"
    )


def test_it_prefers_the_plain_part_of_multipart_alternative():
    raw = multipart([part(b"Plain version"), part(b"<p>HTML version</p>", "text/html; charset=utf-8")])
    parsed = parse_message(raw)
    assert parsed.text_body == "Plain version"
    assert parsed.html_body == "<p>HTML version</p>"


def test_it_uses_html_when_the_plain_part_is_empty():
    raw = multipart([part(b"  \r\n"), part(b"<p>HTML version</p>", "text/html; charset=utf-8")])
    assert parse_message(raw).text_body == "HTML version"


def test_it_lists_attachments_and_keeps_them_out_of_the_body():
    attachment = part(
        base64.encodebytes(b"%PDF-1.4"), "application/pdf",
        'Content-Disposition: attachment; filename="=?utf-8?q?facture_d=C3=A9c.pdf?="\r\n'
        "Content-Transfer-Encoding: base64\r\n",
    )
    text_file = part(b"notes", "text/plain", 'Content-Disposition: attachment; filename="notes.txt"\r\n')
    forwarded = part(b"Subject: old\r\n\r\nold body", "message/rfc822")
    raw = multipart([part(b"See attached."), attachment, text_file, forwarded], subtype="mixed")
    parsed = parse_message(raw)
    assert parsed.text_body == "See attached."
    assert parsed.has_attachments
    assert parsed.attachment_names == ["facture déc.pdf", "notes.txt", "forwarded message.eml"]


def test_it_keeps_the_text_of_a_truncated_multipart():
    raw = raw_mail(
        b"--BOUNDARY\r\nContent-Type: text/plain\r\n\r\nFirst part survives\r\n--BOUNDARY\r\nContent-Type: text/h",
        content_type='multipart/alternative; boundary="BOUNDARY"',
    )
    assert parse_message(raw).text_body == "First part survives"


def test_it_keeps_the_text_when_the_boundary_never_appears():
    raw = raw_mail(b"Just text, no parts at all", content_type='multipart/mixed; boundary="NOPE"')
    parsed = parse_message(raw)
    assert parsed.text_body == "Just text, no parts at all"
    assert "malformed MIME" in parsed.note


def test_it_survives_garbage():
    for raw in (b"", b"\x00\xff\xfe", b"Content-Type: multipart/mixed\r\n\r\n--", b"no headers at all\r\n"):
        assert isinstance(parse_message(raw), ParsedMessage)


def test_it_treats_charset_names_that_are_no_text_encoding_as_unknown():
    for charset in ("base64", "rot13", "utf\x008", "zlib"):
        raw = b"Subject: =?" + charset.encode() + b"?q?caf=C3=A9?=\r\nContent-Type: text/plain; charset=\"" + (
            charset.encode() + b'"\r\n\r\ncaf\xc3\xa9'
        )
        parsed = parse_message(raw)
        assert parsed.text_body == "café", charset
        assert "\x00" not in parsed.note


def test_it_never_raises_on_mangled_mail():
    rng = random.Random(5)
    samples = [
        multipart([part(b"Plain \xe9"), part(b"<p>x</p>", "text/html; charset=koi8-r")], subtype="mixed"),
        raw_mail(base64.encodebytes("Grüße".encode()), encoding="base64"),
    ]
    splices = [b"\x00", b"--BOUNDARY\r\n", b"=?utf-8?b?!!?=", b"charset=bogus", b"\r\n\r\n", b"=?", b"\xff"]
    for _ in range(300):
        raw = bytearray(rng.choice(samples))
        for _ in range(rng.randint(1, 20)):
            position = rng.randrange(len(raw))
            if rng.random() < 0.5:
                raw[position] = rng.randrange(256)
            else:
                raw[position:position] = rng.choice(splices)
        parsed = parse_message(bytes(raw))
        assert "\x00" not in parsed.text_body + parsed.subject + parsed.html_body + parsed.note


def test_it_leaves_sent_at_empty_without_a_usable_date():
    assert parse_message(b"Subject: x\r\n\r\nbody").sent_at is None
    assert parse_message(b"Date: the day after tomorrow\r\n\r\nbody").sent_at is None


def test_it_treats_a_date_without_zone_as_utc():
    sent_at = parse_message(b"Date: Mon, 01 Jan 2024 10:00:00 -0000\r\n\r\nx").sent_at
    assert sent_at == datetime(2024, 1, 1, 10, 0, tzinfo=timezone.utc)


def test_it_keeps_headers_but_no_body_past_max_bytes():
    raw = raw_mail(b"x" * (12 * 1024 * 1024), headers="Auto-Submitted: auto-replied\r\n")
    parsed = parse_message(raw, max_bytes=10 * 1024 * 1024)
    assert parsed.subject == "Invoice question"
    assert parsed.auto_submitted == "auto-replied"
    assert parsed.text_body == "" and parsed.html_body == ""
    assert parsed.size == len(raw)
    assert parsed.note == "body omitted: message of 12 MB exceeds the 10 MB limit"


def test_it_removes_nul_bytes_everywhere():
    raw = b"Subject: a\x00b\r\nFrom: N\x00ame <n@example.com>\r\nContent-Type: text/plain\r\n\r\nbo\x00dy"
    parsed = parse_message(raw)
    assert (parsed.subject, parsed.from_name, parsed.text_body) == ("ab", "Name", "body")


def test_it_removes_nul_bytes_from_html_and_base64_parts():
    html = base64.encodebytes(b"<p>a\x00b</p>")
    parsed = parse_message(raw_mail(html, content_type="text/html", encoding="base64"))
    assert "\x00" not in parsed.html_body and parsed.text_body == "ab"


# --- automatic_reason --------------------------------------------------------------------------------------


def reason(headers: str = "", sender: str = "Claire <claire@client.example>", subject: str = "Invoice") -> str | None:
    raw = f"From: {sender}\r\nSubject: {subject}\r\n{headers}\r\nbody".encode()
    return automatic_reason(parse_message(raw))


def test_it_finds_no_reason_in_a_normal_client_mail():
    assert reason() is None
    assert reason("Auto-Submitted: no\r\nX-Mailer: Outlook\r\nReturn-Path: <claire@client.example>\r\n") is None
    assert reason(subject="Re: question about your out of office policy") is None


def test_it_flags_auto_submitted():
    assert reason("Auto-Submitted: auto-replied\r\n") == "Auto-Submitted: auto-replied"
    assert reason("Auto-Submitted: auto-generated\r\n") == "Auto-Submitted: auto-generated"


def test_it_flags_bulk_precedence():
    for value in ("bulk", "junk", "list"):
        assert reason(f"Precedence: {value}\r\n") == f"Precedence: {value}"


def test_it_flags_list_headers():
    assert "List-Id" in reason("List-Id: <news.example.com>\r\n")
    assert "List-Unsubscribe" in reason("List-Unsubscribe: <mailto:u@example.com>\r\n")


def test_it_flags_autoreply_headers():
    for header in ("X-Autoreply: yes", "X-Autorespond: yes", "X-Auto-Response-Suppress: All"):
        assert header.split(":")[0] in reason(header + "\r\n")


def test_it_flags_an_empty_return_path():
    assert reason("Return-Path: <>\r\n") == "bounce (empty Return-Path)"


def test_it_flags_automatic_senders():
    for sender in ("MAILER-DAEMON@mx.example.com", "postmaster@example.com", "no-reply@shop.example",
                   "noreply@example.com", "donotreply@bank.example", "do-not-reply@x.example",
                   "Shop <orders-noreply@shop.example>", "noreply+abc@x.example"):
        assert reason(sender=sender) is not None, sender
    assert reason(sender="norbert@example.com") is None
    assert reason(sender="replyteam@example.com") is None


def test_it_flags_automatic_subjects_in_several_languages():
    for subject in ("Out of Office: Invoice", "Automatic reply: Invoice", "Autoreply: Invoice",
                    "Auto-Reply: Invoice", "Delivery Status Notification (Failure)", "Undeliverable: Invoice",
                    "Réponse automatique : Facture", "Abwesenheitsnotiz: Rechnung",
                    "Respuesta automática: Factura", "[Out of office] back Monday"):
        assert reason(subject=subject) is not None, subject
