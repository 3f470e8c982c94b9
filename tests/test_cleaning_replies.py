"""clean_reply_text keeps only what the author wrote: quoted history and signatures go."""

import time

from integrations.gmail.parsing import html_to_text
from training.cleaning import clean_reply_text


def test_it_leaves_a_message_with_nothing_to_strip_alone():
    text = "Hi Anna,\n\nThe invoice is attached.\nIt covers March and April.\n\nCan you confirm by Friday?"
    assert clean_reply_text(text) == text


def test_it_trims_trailing_spaces_and_collapses_blank_lines():
    assert clean_reply_text("\n\nFirst line   \n\n\n\n\nSecond line\t\n\n") == "First line\n\nSecond line"


def test_it_strips_an_english_gmail_quote():
    text = (
        "Sounds good, see you then.\n\n"
        "On Mon, Jan 1, 2024 at 10:00 AM Bob Smith <bob@example.com> wrote:\n\n"
        "> Can we meet on Tuesday?\n>\n> Bob\n"
    )
    assert clean_reply_text(text) == "Sounds good, see you then."


def test_it_strips_an_attribution_wrapped_over_two_lines():
    text = (
        "Sounds good.\n\n"
        "On Mon, Jan 1, 2024 at 10:00 AM Bob Smith via Support Desk <\n"
        "support-desk@example.com> wrote:\n\n"
        "> Can we meet?\n"
    )
    assert clean_reply_text(text) == "Sounds good."


def test_it_cuts_unprefixed_history_after_a_dated_attribution():
    text = "Done.\n\nOn Jan 1, 2024, at 10:00, Bob <bob@example.com> wrote:\n\nPlease do it.\nBob"
    assert clean_reply_text(text) == "Done."


def test_it_strips_a_french_quote():
    text = "Oui, c'est parfait.\n\nLe lun. 1 janv. 2024 à 10:00, Bob Martin <bob@example.fr> a écrit :\n> Ça vous va ?"
    assert clean_reply_text(text) == "Oui, c'est parfait."


def test_it_strips_german_quotes():
    gmail = "Passt.\n\nAm Mo., 1. Jan. 2024 um 10:00 Uhr schrieb Bob <bob@example.de>:\n> Passt es?"
    thunderbird = "Passt.\n\nAm 01.01.24 um 10:00 schrieb Bob Müller:\n> Passt es?"
    assert clean_reply_text(gmail) == "Passt."
    assert clean_reply_text(thunderbird) == "Passt."


def test_it_strips_a_spanish_quote():
    text = "Sí, gracias por avisar.\n\nEl lun, 1 ene 2024 a las 10:00, Bob (<bob@example.es>) escribió:\n> ¿Vale?"
    assert clean_reply_text(text) == "Sí, gracias por avisar."


def test_it_strips_russian_quotes():
    gmail = "Да, подходит.\n\nпн, 1 янв. 2024 г. в 10:00, Боб <bob@example.ru>:\n> Подходит?"
    old_gmail = "Да, подходит.\n\n1 января 2024 г., 10:00 пользователь Боб <bob@example.ru> написал:\n> Подходит?"
    thunderbird = "Да, подходит.\n\n01.01.2024 10:00, Боб пишет:\n> Подходит?"
    for text in (gmail, old_gmail, thunderbird):
        assert clean_reply_text(text) == "Да, подходит.", text


def test_it_strips_italian_portuguese_and_dutch_quotes():
    italian = "Va bene.\n\nIl giorno lun 1 gen 2024 alle ore 10:00 Bob <bob@example.it> ha scritto:\n> Va bene?"
    portuguese = "Pode ser.\n\nEm seg., 1 de jan. de 2024 às 10:00, Bob <bob@example.pt> escreveu:\n> Pode?"
    dutch = "Prima.\n\nOp ma 1 jan. 2024 om 10:00 schreef Bob <bob@example.nl>:\n> Goed?"
    assert clean_reply_text(italian) == "Va bene."
    assert clean_reply_text(portuguese) == "Pode ser."
    assert clean_reply_text(dutch) == "Prima."


def test_it_strips_an_outlook_original_message_block():
    text = (
        "Approved.\n\n-----Original Message-----\nFrom: Bob Smith\nSent: Monday, January 1, 2024 10:00 AM\n"
        "To: Anna\nSubject: Budget\n\nPlease approve."
    )
    assert clean_reply_text(text) == "Approved."


def test_it_strips_an_outlook_header_block_after_underscores():
    text = (
        "Approved.\n\n________________________________\nFrom: Bob Smith <bob@example.com>\n"
        "Sent: Monday, January 1, 2024 10:00 AM\nTo: Anna <anna@example.com>\nSubject: Budget\n\nPlease approve."
    )
    assert clean_reply_text(text) == "Approved."


def test_it_strips_an_outlook_header_block_without_separator():
    text = (
        "Approved.\n\n**From:** Bob Smith <bob@example.com>\n**Sent:** Monday, January 1, 2024 10:00 AM\n"
        "**To:** Anna\n**Subject:** Budget\n\nPlease approve."
    )
    assert clean_reply_text(text) == "Approved."


def test_it_strips_localized_outlook_header_blocks():
    french = "D'accord.\n\nDe : Bob\nEnvoyé : lundi 1 janvier 2024 10:00\nÀ : Anna\nObjet : Budget\n\nMerci"
    german = "Einverstanden.\n\nVon: Bob\nGesendet: Montag, 1. Januar 2024 10:00\nAn: Anna\nBetreff: Budget\n\nDanke"
    spanish = "De acuerdo.\n\nDe: Bob\nEnviado: lunes, 1 de enero de 2024 10:00\nPara: Anna\nAsunto: Budget\n\nX"
    assert clean_reply_text(french) == "D'accord."
    assert clean_reply_text(german) == "Einverstanden."
    assert clean_reply_text(spanish) == "De acuerdo."


def test_it_strips_a_header_block_on_one_line():
    text = "Fine by me.\n\nFrom: Bob Sent: Monday, January 1, 2024 To: Anna Subject: Budget\nPlease approve."
    assert clean_reply_text(text) == "Fine by me."


def test_it_strips_a_forwarded_message():
    text = "FYI, see below.\n\n---------- Forwarded message ---------\nFrom: Bob <bob@example.com>\nDate: Mon\n\nOld"
    assert clean_reply_text(text) == "FYI, see below."


def test_it_strips_a_gmail_quote_turned_from_html():
    html = (
        '<div dir="ltr">Works for me.<br><br>Anna</div><br><div class="gmail_quote"><div dir="ltr" '
        'class="gmail_attr">On Mon, Jan 1, 2024 at 10:00 AM Bob Smith &lt;<a href="mailto:bob@example.com">'
        'bob@example.com</a>&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px">'
        "<div>Can we meet?</div><div><br></div><div>Bob</div></blockquote></div>"
    )
    assert clean_reply_text(html_to_text(html)) == "Works for me.\n\nAnna"


def test_it_keeps_the_authors_lines_in_an_interleaved_reply():
    text = (
        "On Mon, Jan 1, 2024 at 10:00 AM Bob <bob@example.com> wrote:\n"
        "> What is the price?\n\n"
        "It is 40 euros.\n\n"
        "> And the delivery time?\n\n"
        "Two days.\n"
    )
    assert clean_reply_text(text) == "It is 40 euros.\n\nTwo days."


def test_it_keeps_content_written_below_a_quote():
    text = "> Can you send the file?\n\nHere it is.\n\n> And the invoice?\nAttached as well."
    assert clean_reply_text(text) == "Here it is.\n\nAttached as well."


def test_it_keeps_a_sentence_that_merely_mentions_writing():
    text = "Here is what the customer wrote:\n\nThe box arrived damaged."
    assert clean_reply_text(text) == text


def test_it_strips_a_dash_dash_signature():
    text = "See you tomorrow.\n\n-- \nAnna Lopez\nSupport lead, Example Ltd\n+33 1 23 45 67 89"
    assert clean_reply_text(text) == "See you tomorrow."


def test_it_strips_mobile_signatures_in_several_languages():
    for signature in ("Sent from my iPhone", "Sent from my Android", "Envoyé de mon iPhone",
                      "Von meinem iPhone gesendet", "Enviado desde mi iPhone", "Get Outlook for iOS"):
        assert clean_reply_text(f"Yes, that works.\n\n{signature}") == "Yes, that works.", signature


def test_it_strips_a_sign_off_and_name_at_the_end():
    text = "The parcel left this morning.\n\nBest regards,\nJane Doe\nCustomer Success | Example Inc.\nwww.example.com"
    assert clean_reply_text(text) == "The parcel left this morning."


def test_it_strips_a_title_line_with_phone_numbers_under_the_name():
    for text in (
        "When will it ship?\n\nThank you,\nKevin Fischer\nPurchasing | Umbrella Labs | +43 402 384 5066",
        "How does upgrading work?\n\nUn saludo,\nJavier López\nFinance Director | Talleres García S.L. | +14 196 599 1464",
    ):
        assert clean_reply_text(text) == text.split("\n\n")[0]


def test_it_strips_the_authors_bare_name_at_the_end():
    text = "It ships on Monday.\n\nHope this helps!\n\nAlex"
    assert clean_reply_text(text, author="Alex Morgan") == "It ships on Monday.\n\nHope this helps!"
    assert clean_reply_text(text) == text  # without the author's name a last word is the author's text
    assert clean_reply_text("Alex", author="Alex Morgan") == "Alex"


def test_it_strips_thanks_in_advance_sign_offs():
    for sign_off in ("Merci d'avance,", "Thanks in advance,", "Vielen Dank im Voraus", "Gracias de antemano,"):
        assert clean_reply_text(f"Can I change the address?\n\n{sign_off}\nInès") == "Can I change the address?", sign_off


def test_it_strips_localized_sign_offs():
    for sign_off in ("Cordialement,", "Mit freundlichen Grüßen", "Saludos,", "С уважением,", "Thanks,", "Cheers"):
        assert clean_reply_text(f"C'est fait.\n\n{sign_off}\nJane") == "C'est fait.", sign_off


def test_it_keeps_a_sign_off_word_inside_the_text():
    text = "Thanks,\nI will send the files tomorrow morning.\nThen we can talk about the price."
    assert clean_reply_text(text) == text


def test_it_keeps_sentences_after_a_sign_off_word():
    text = "Can you send the invoice?\n\nThanks,\nI'll send the files tomorrow as promised.\nJane"
    assert clean_reply_text(text) == text


def test_it_never_empties_a_message_that_is_only_a_sign_off_above_a_quote():
    text = "Thanks,\nJane\n\nOn Mon, Jan 1, 2024 at 10:00 AM Bob <bob@example.com> wrote:\n> Here it is."
    assert clean_reply_text(text) == "Thanks,\nJane"


def test_it_returns_nothing_for_a_message_that_is_only_a_quote():
    assert clean_reply_text("> Only a quote\n> here") == ""


def test_it_handles_windows_line_endings_and_nul_bytes():
    text = "Yes.\r\n\r\nOn Mon, Jan 1, 2024 at 10:00 AM Bob <bob@example.com> wrote:\r\n> Q?\x00\r\n"
    assert clean_reply_text(text) == "Yes."


def test_it_cleans_pathological_megabyte_inputs_fast():
    megabyte = 1024 * 1024
    inputs = [
        "On " * (megabyte // 3),
        ("On " * 150 + ":\n") * (megabyte // 452),
        ("Am " + "schrieb " * 60 + "x\n") * (megabyte // 490),
        ("1 10:00 <a@b " * 30 + ">:\n") * (megabyte // 392),
        " " * megabyte + "x",
        "_" * megabyte,
        "> " * (megabyte // 2),
        ("Thanks,\n" * 7 + "text\n") * (megabyte // 61),
        ("From: a\n" + "x\n" * 9) * (megabyte // 26),
        "a" * megabyte + ":",
        "a\n" * (megabyte // 2),
        "a:\n" * (megabyte // 3),
        "\n" * megabyte,
        "> a\n" * (megabyte // 4),
        ("On 1 2024 wrote:\n\n\n> x\n" * 3 + "a wrote:\n") * (megabyte // 80),
        ("x <a@b " + "<a@b " * 40 + ">:\n") * (megabyte // 250),
        "a:\n" * (megabyte // 3) + ">",
        "-" * megabyte + ":",
        (" \n" * 1000 + "x wrote:\n") * (megabyte // 2010),
    ]
    for text in inputs:
        started = time.process_time()  # CPU time: other work on the machine does not count
        clean_reply_text(text)
        # Linear work takes well under a second; catastrophic backtracking would take minutes or hours.
        assert time.process_time() - started < 5, text[:40]
