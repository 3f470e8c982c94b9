"""Only what the author wrote: quoted history and signatures stripped from a mail body.

Why our own code and not a library: `mail-parser-reply` 1.36 (maintained, Dec 2025) covers en/de/fr/nl/it
and others but not Russian, marks Spanish untested and did not split a Gmail Spanish reply in our probe;
its signature pattern cuts everything after a line starting "Thanks," anywhere in the text, and its
attribution pattern backtracks catastrophically (40 s on a 30 KB line of "On On On ..."). `email-reply-parser`
0.5.12 was last released in 2020 and knows English only; talon was last released in 2017.

How: a few precompiled patterns scan the whole text in C; Python only looks at their matches. Every pattern
starts with the newline before a line (the scanner then jumps from newline to newline), never crosses more
than a bounded number of lines, and its repetitions are bounded, possessive or unambiguous, so a 1 MB input
of any shape stays linear (no per-line Python loop: 1 MB of one-character lines is half a million lines).
- ">" lines are dropped wherever they are, so interleaved answers keep the author's lines.
- An attribution ("On ... wrote:", "Le ... a écrit :", "Am ... schrieb ...:", "El ... escribió:",
  "... пишет:", "<date>, Name <addr>:", Italian, Portuguese, Dutch; also wrapped over two lines) is dropped
  when quoted lines follow it; when unquoted text follows a dated one, the rest is history and is cut.
- Outlook header blocks (From/Sent/To/Subject, localized), "-----Original Message-----" and forward
  markers, and "_____" separators cut the rest.
- Signatures: a "-- " line or a "Sent from my iPhone" line cuts the rest; a sign-off ("Best regards,")
  is dropped with the few short name/title lines after it, only when they end the message.
If signature stripping would leave nothing, the text above the quote is returned as it was.
"""

import re

SIGN_OFF_TAIL_LINES = 6
NAME_LINE_WORDS = 8

_VERBS = (
    "wrote", "a écrit", "schrieb", "escribió", "escribio", "пишет", "написал", "написала", "написал(а)",
    "ha scritto", "escreveu", "schreef", "napisał(a)", "skrev", "kirjoitti",
)
# Checked only at the ":" that ends the line, by looking back: one fixed-width look-behind per length (Python
# needs a fixed width), so a line costs one comparison a character plus a few look-behinds at its end.
_VERB_ENDINGS = [f"{verb}{space}:" for verb in _VERBS for space in ("", " ", "\u00a0", "\u202f")]
_VERB_BEFORE_COLON = "|".join(
    "(?<=" + "|".join(rf"\b{re.escape(ending)}" for ending in _VERB_ENDINGS if len(ending) == width) + ")"
    for width in sorted({len(ending) for ending in _VERB_ENDINGS})
)
_VERB_END = (
    rf"(?:[^\n]{{0,500}}?:(?=[ \t]*+$)(?:{_VERB_BEFORE_COLON})"
    # "пн, 1 янв. 2024 г. в 10:00, Bob <bob@example.com>:" (Gmail in Russian, Japanese, ...)
    r"|[^\n]{0,500}?<[^<>\s@]{1,100}@[^<>\s]{1,200}>[ \t]?:)[ \t]*+$"
)
_STARTER = r"(?:On|Le|Am|El|Il|Em|No|Op|Den|Dne|W dniu|\d|[^\x00-\x7f])"
_DATE = r"(?:\d{1,2}:\d{2}|(?<!\d)(?:19|20)\d{2}(?!\d)|\d{1,2}[./-]\d{1,2}[./-]\d{2,4})"
_ONE_LINE = (
    rf"(?:{_VERB_END}"
    # "Am 01.01.24 um 10:00 schrieb Bob Müller:" (Thunderbird in German, Dutch)
    r"|(?:Am|Op)[ \t][^\n]{0,400}?[ \t](?:schrieb|schreef)[ \t][^\n:]{1,120}:[ \t]*$)"
)
# Gmail wraps a long attribution: "On Mon, Jan 1, 2024 at 10:00 AM Bob Smith <\nbob@example.com> wrote:".
_TWO_LINES = rf"(?={_STARTER}[^\n]{{0,500}}?{_DATE}){_STARTER}[^\n]{{0,500}}[^.!?:\n][ \t]*+\n[ \t]*+{_ONE_LINE}"
_QUOTE_FOLLOWS = r"(?=\n(?:[ \t]*+\n)*+[ \t]*+>)"

# An attribution followed (after blank lines) by ">" lines: it is dropped with them, and the author's lines
# between quoted ones stay (interleaved answers).
QUOTED_ATTRIBUTION = re.compile(rf"\n[ \t]*+(?:{_TWO_LINES}|{_ONE_LINE}){_QUOTE_FOLLOWS}", re.MULTILINE)
# A dated attribution that no ">" line follows: the history under it is not marked, so the rest goes.
DATED_ATTRIBUTION = re.compile(
    rf"\n[ \t]*+(?:{_TWO_LINES}|(?={_STARTER}[^\n]{{0,500}}?{_DATE}){_ONE_LINE})", re.MULTILINE
)

_FROM = r"\*{0,2}(?:From|De|Von|Da|Van|Od|Från|Fra|От|Від|Expéditeur|Remitente)[ \t]?:\*{0,2}[ \t]*\S[^\n]*"
_OTHER = (
    r"\*{0,2}(?:Sent|Date|To|Subject|Cc|Envoyé|À|A|Objet|Gesendet|Datum|An|Betreff|Enviado|Fecha|Para|"
    r"Asunto|Inviato|Data|Oggetto|Verzonden|Aan|Onderwerp|Отправлено|Дата|Кому|Тема|Копия)[ \t]?:"
)
_HEADER_BLOCK = rf"{_FROM}(?:\n[^\n]*){{0,2}}?\n[ \t]*+{_OTHER}[^\n]*(?:\n[^\n]*){{0,2}}?\n[ \t]*+{_OTHER}"
_HEADER_ONE_LINE = (
    r"\*{0,2}(?:From|De|Von|Da|Van|От|Expéditeur)[ \t]?:[^\n]{0,500}?[ \t]\*{0,2}"
    r"(?:Sent|Envoyé|Gesendet|Enviado|Inviato|Verzonden|Отправлено)[ \t]?:"
)
_HISTORY_MARKER = (
    r"(?:_{20,}+|-{2,}+[ \t]*+(?:Original Message|Forwarded message|Ursprüngliche Nachricht|Original-Nachricht|"
    r"Weitergeleitete Nachricht|Message d'origine|Message transféré|Mensaje original|Mensaje reenviado|"
    r"Messaggio originale|Messaggio inoltrato|Mensagem original|Mensagem encaminhada|Oorspronkelijk bericht|"
    r"Doorgestuurd bericht|Исходное сообщение|Пересылаемое сообщение|Пересланное сообщение)[ \t]*-{2,}|"
    r"Begin forwarded message[ \t]?:|Début du message réexpédié[ \t]?:|Anfang der weitergeleiteten Nachricht[ \t]?:|"
    r"Inicio del mensaje reenviado[ \t]?:)[ \t]*$"
)
# Outlook's header blocks (also localized), "-----Original Message-----", forwards, "_____": the rest goes.
HISTORY_START = re.compile(
    rf"\n[ \t]*+(?:{_HISTORY_MARKER}|{_HEADER_BLOCK}|{_HEADER_ONE_LINE})", re.IGNORECASE | re.MULTILINE
)
QUOTED_LINE = re.compile(r"\n[ \t]*+>[^\n]*")
BLANK_RUNS = re.compile(r"\n{3,}")

# A "-- " line or a phone's signature line: the rest goes.
SIGNATURE_START = re.compile(
    r"\n[ \t]*+(?:--[ \t]?$|Sent from my\b|Sent from (?:Mail|Outlook|Yahoo Mail|Gmail)\b|Get Outlook for\b|"
    r"Sent via\b|Envoyé de mon\b|Envoyé depuis mon\b|Envoyé à partir de\b|Von meinem\b[^\n]*\bgesendet|"
    r"Gesendet von meinem\b|Gesendet mit\b|Enviado desde mi\b|Enviado do meu\b|Enviado de meu\b|"
    r"Inviato da(?:l mio)?\b|Verzonden met\b|Verstuurd vanaf mijn\b|Отправлено с\b|Отправлено из\b)",
    re.IGNORECASE | re.MULTILINE,
)
SIGN_OFF = re.compile(
    r"^(?:(?:best|kind|warm|warmest|with kind|many thanks and|thanks and|thanks and best)?\s*regards|"
    r"best(?: wishes)?|all the best|cheers|thanks(?: again| a lot| so much| in advance)?|thank you(?: again| very much| in advance)?|"
    r"many thanks|thx|sincerely|yours(?: sincerely| truly| faithfully)?|respectfully|take care|talk soon|"
    r"(?:bien )?cordialement|bien à vous|(?:meilleures |sinc[èe]res )?salutations|merci(?: beaucoup| encore)?|"
    r"bonne journée|amicalement|à bientôt|merci d'avance|d'avance merci|"
    r"mit freundlichen gr(?:ü|ue)(?:ß|ss)en|(?:freundliche|viele|beste|liebe|herzliche) gr(?:ü|ue)(?:ß|ss)e|"
    r"gr(?:ü|ue)(?:ß|ss)e|gruß|gruss|lg|vg|mfg|danke(?: schön| im voraus)?|vielen dank(?: im voraus)?|"
    r"(?:un )?saludos?(?: cordiales)?|atentamente|cordialmente|(?:muchas )?gracias(?: de antemano| por adelantado)?|un abrazo|"
    r"с уважением|спасибо(?: большое)?|всего доброго|всего хорошего|"
    r"cordiali saluti|distinti saluti|saluti|grazie(?: mille)?|"
    r"atenciosamente|abraços|obrigad[oa]|"
    r"met vriendelijke groet(?:en)?|groeten|bedankt)"
    r"[ \t,.!]*(?:,[ \t]*[^\W\d][\w .'-]{0,40})?$",
    re.IGNORECASE,
)
# A name, title, company, phone or web line under a sign-off: short, few words, not a sentence, not a P.S.
NAME_LINE = re.compile(r"^(?!p\.?\s?s\b)(?!.*(?:[?!]|\w{4,}\.)$).{1,80}$", re.IGNORECASE)


def clean_reply_text(text: str, *, author: str = "") -> str:
    """What the author wrote in this mail. author (the From display name) lets a bare closing name go too."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    own = _own_text(text)
    return _strip_author_name(_strip_signature(own), author) or own


def _own_text(text: str) -> str:
    """The text above any history, without quoted lines and the attributions that introduce them."""
    # The patterns start with the newline before a line, so the scanner jumps from newline to newline;
    # a leading one lets the first line match too. A scan that cannot match is skipped.
    text = "\n" + text
    if ">" in text:
        text = QUOTED_ATTRIBUTION.sub("\n", text)
    if ":" in text or "__" in text or "--" in text:
        ends = [match.start() for match in (HISTORY_START.search(text), DATED_ATTRIBUTION.search(text)) if match]
        if ends:
            text = text[: min(ends)]
    if ">" in text:
        text = QUOTED_LINE.sub("", text)
    text = "\n".join([line.rstrip() for line in text.split("\n")])
    return BLANK_RUNS.sub("\n\n", text).strip()


def _strip_signature(text: str) -> str:
    match = SIGNATURE_START.search("\n" + text)
    if match:
        text = text[: match.start()].rstrip()
    head, *tail = text.rsplit("\n", 3 * SIGN_OFF_TAIL_LINES)
    return "\n".join(_strip_sign_off([head, *tail])).strip()


def _strip_author_name(text: str, author: str) -> str:
    """Drop a last line that is only the author's name or first name ("Alex", "— Alex Morgan")."""
    names = {author.strip().lower(), author.strip().split()[0].lower()} if author.strip() else set()
    head, _, last = text.rpartition("\n")
    if names and head.strip() and last.strip(" \t-–—,.").lower() in names:
        return head.rstrip()
    return text


def _strip_sign_off(lines: list[str]) -> list[str]:
    """Drop a closing "Best regards," and the short name lines after it, only where they end the message."""
    tail = [index for index, line in enumerate(lines) if line.strip()][-(SIGN_OFF_TAIL_LINES + 1) :]
    for position, index in enumerate(tail):
        line = lines[index].strip()
        if len(line) > 120 or not SIGN_OFF.match(line):
            continue
        if all(_is_name_line(lines[later].strip()) for later in tail[position + 1 :]):
            return lines[:index]
    return lines


def _is_name_line(line: str) -> bool:
    # Words with letters only: "Finance Director | Acme S.L. | +34 911 555 0100" is a title line, not a sentence.
    words = sum(1 for word in line.split() if any(character.isalpha() for character in word))
    return len(line) <= 80 and words <= NAME_LINE_WORDS and bool(NAME_LINE.match(line))
