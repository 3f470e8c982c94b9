"""A realistic, deterministic demo mailbox for the Gmail sandbox, the demo and the benchmarks.

`generate_demo_mailbox()` returns `(raw RFC 822 bytes, Gmail label ids)` pairs in chronological order;
`write_demo_mbox()` writes the same messages as a Google Takeout mbox. The same seed always gives the same
bytes. Roughly 45 % of the messages are customer-support and sales threads (a client writes, we answer,
sometimes over several rounds, quoting in the reply styles of Gmail, Outlook, Apple Mail and the French,
German, Spanish and Russian Gmail locales), 30 % newsletters and mailing lists, 10 % notifications,
auto-replies and bounces, and the rest personal mail, odd charsets, attachments and a few malformed messages.

Messages are built as `email.message.Message` trees and flattened with a compat32 policy whose header folding
has a fast path for plain ASCII values: the stock folder is about four times slower, and the 10,000-message
benchmark generates its mailbox with this module.
"""

import base64
import binascii
import hashlib
import html
import random
import struct
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import Message
from email.policy import Compat32
from email.utils import format_datetime, formataddr, parsedate_to_datetime

UTC = timezone.utc

LABEL_NAMES = {
    "INBOX": "Inbox",
    "SENT": "Sent",
    "UNREAD": "Unread",
    "IMPORTANT": "Important",
    "CATEGORY_PERSONAL": "Category Personal",
    "CATEGORY_PROMOTIONS": "Category Promotions",
    "CATEGORY_UPDATES": "Category Updates",
    "CATEGORY_FORUMS": "Category Forums",
    "Label_1": "Customers",
    "Label_2": "Sales",
    "Label_3": "Billing",
    "Label_4": "Newsletters",
    "Label_5": "Receipts",
    "Label_6": "Follow-up",
}

# Present only on the intentionally malformed messages, so tests can tell them apart.
MALFORMED_HEADER = "X-Demo-Malformed"

OWNER_NAME = "Alex Morgan"
OWNER_COMPANY = "Brightwater Supply"
OWNER_SIGNATURE = f"{OWNER_NAME}\nCustomer Success | {OWNER_COMPANY} | +1 415 555 0142"
OUR_TZ = timezone(timedelta(hours=-8))


class _FastPolicy(Compat32):
    """compat32, but plain ASCII headers are folded at spaces without going through email.header."""

    def _fold(self, name, value, sanitize):
        if value.__class__ is not str or not value.isascii():
            return super()._fold(name, value, sanitize)
        if "\n" in value:  # folded by the caller; refold the same words
            value = " ".join(value.split())
        line = f"{name}: {value}"
        if len(line) <= 78:
            return line + self.linesep
        # Never fold right after the colon: parsers keep the leading space of a value that starts on line two.
        first, _, rest = value.partition(" ")
        lines, current = [], f"{name}: {first}"
        for word in rest.split(" "):
            if not word:
                continue
            if len(current) + 1 + len(word) > 78:
                lines.append(current)
                current = word
            else:
                current = f"{current} {word}"
        lines.append(current)
        return (self.linesep + " ").join(lines) + self.linesep


_POLICY = _FastPolicy(linesep="\r\n", mangle_from_=False)


# --- Names, dates and the words each locale uses in its reply headers -----------------------------------

_EN_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_EN_DAYS_FULL = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_EN_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_EN_MONTHS_FULL = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                   "October", "November", "December"]
_FR_DAYS = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."]
_FR_DAYS_FULL = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
_FR_MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
_FR_MONTHS_FULL = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
                   "octobre", "novembre", "décembre"]
_DE_DAYS = ["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."]
_DE_DAYS_FULL = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
_DE_MONTHS = ["Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."]
_DE_MONTHS_FULL = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
                   "Oktober", "November", "Dezember"]
_ES_DAYS = ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"]
_ES_DAYS_FULL = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
_ES_MONTHS = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"]
_ES_MONTHS_FULL = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
                   "octubre", "noviembre", "diciembre"]
_RU_DAYS = ["пн", "вт", "ср", "чт", "пт", "сб", "вс"]
_RU_DAYS_FULL = ["понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"]
_RU_MONTHS = ["янв.", "февр.", "мар.", "апр.", "мая", "июн.", "июл.", "авг.", "сент.", "окт.", "нояб.", "дек."]
_RU_MONTHS_GEN = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
                  "октября", "ноября", "декабря"]

_FIRST = {
    "en": ["Jane", "Michael", "Priya", "Tom", "Olivia", "Daniel", "Grace", "Marcus", "Emily", "Chen", "Aisha",
           "Robert", "Sophie", "Liam", "Hannah", "Kevin", "Laura", "Samuel", "Nina", "Victor"],
    "fr": ["Camille", "Julien", "Élodie", "Mathieu", "Chloé", "Sébastien", "Amélie", "Nicolas", "Inès", "Rémi"],
    "de": ["Jürgen", "Katrin", "Lukas", "Anja", "Matthias", "Sabine", "Jörg", "Lena", "Tobias", "Birgit"],
    "es": ["Lucía", "Javier", "María José", "Álvaro", "Carmen", "Andrés", "Paula", "Sergio", "Nuria", "Íñigo"],
    "ru": ["Анна", "Дмитрий", "Ольга", "Сергей", "Екатерина", "Алексей", "Наталья", "Игорь", "Мария", "Павел"],
}
_LAST = {
    "en": ["Doe", "Patel", "O'Brien", "Nguyen", "Walker", "Kim", "Fischer", "Hughes", "Okafor", "Lindqvist",
           "Rossi", "Bennett", "Garcia", "Murphy", "Schwartz", "Tanaka", "Clarke", "Novak"],
    "fr": ["Dubois", "Lefèvre", "Moreau", "Girard", "Rousseau", "Fontaine", "Chevalier", "Bérenger"],
    "de": ["Müller", "Schröder", "Weiß", "Köhler", "Becker", "Hoffmann", "Schäfer", "Krüger"],
    "es": ["García", "Martínez", "Rodríguez", "Fernández", "López", "Sánchez", "Peña", "Muñoz"],
    "ru": ["Смирнова", "Иванов", "Кузнецова", "Попов", "Соколова", "Лебедев", "Новикова", "Морозов"],
}
_COMPANIES = {
    "en": ["Acme Robotics", "Globex", "Initech", "Umbrella Labs", "Stark Logistics", "Hooli", "Vandelay Imports",
           "Tyrell Systems", "Massive Dynamic", "Pied Piper", "Oceanic Travel", "Monarch Solutions",
           "Dunder Paper", "Bluth Homes", "Sterling Cooper", "Wonka Confectionery"],
    "fr": ["Atelier Lumière", "Boulangerie Martin", "Éditions du Parc", "Transports Garnier"],
    "de": ["Müller Maschinenbau GmbH", "Bäckerei Schulz", "Nordlicht Software AG", "Weber & Söhne KG"],
    "es": ["Talleres García S.L.", "Viajes Sol y Mar", "Cerámicas Peña", "Logística Ibérica S.A."],
    "ru": ["ООО «Северный ветер»", "АО «Техноснаб»", "ООО «Балтик Трейд»", "ИП Морозов"],
}
_TITLES = ["Operations Manager", "Head of IT", "Office Manager", "Procurement Lead", "CTO", "Founder",
           "Finance Director", "Project Manager", "Purchasing", "Customer Experience Lead"]
_TZ_HOURS = {"en": [-8, -5, 0, 0, 1, 10], "fr": [1], "de": [1], "es": [1, -6, -3], "ru": [3, 3, 5]}
_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
                      "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"]))
_ASCII = str.maketrans("éèêëàâäîïôöûüùçñáíóúÉÁÍÓÚÜÖÄß'", "eeeeaaaiioouuucnaiouEAIOUUOAs ")


def _slug(text):
    text = text.lower()
    text = "".join(_TRANSLIT.get(ch, ch) for ch in text).translate(_ASCII)
    return "".join(ch for ch in text if ch.isalnum() and ch.isascii())


_LEGAL_FORMS = {"gmbh", "ag", "kg", "s.l.", "s.a.", "ооо", "ао", "ип", "&", "co.", "söhne"}


def _company_domain(company):
    words = [w for w in company.replace("«", " ").replace("»", " ").split() if w.lower() not in _LEGAL_FORMS]
    return _slug("".join(words))[:20] + ".test"


@dataclass
class _Person:
    name: str
    email: str
    locale: str = "en"
    tz: timezone = UTC
    mua: str = "gmail"  # gmail, outlook, iphone, apple, thunderbird
    quote: str = "en_gb"  # the language of the quote header their mail client writes
    signature: str = ""
    charset: str = "utf-8"
    company: str = ""

    @property
    def first(self):
        return self.name.split(" ")[0]

    @property
    def address(self):
        return _addr(self.name, self.email, self.charset)


def _addr(name, email, charset="utf-8"):
    if name.isascii():
        return formataddr((name, email))
    return f"{_encoded_words(name, charset)} <{email}>"


def _encoded_words(text, charset):
    """RFC 2047 encoded words in `charset` itself (email.header would rename gb2312 and shift_jis)."""
    charset = _codec_ok(text, charset)
    label = "UTF-8" if charset == "utf-8" else charset
    q = charset in ("iso-8859-1", "windows-1252")
    room = 75 - len(label) - 7

    def encode(chunk):
        data = chunk.encode(charset)
        if q:
            return "".join(chr(b) if chr(b).isalnum() and b < 128 else "_" if b == 32 else f"={b:02X}" for b in data)
        return base64.b64encode(data).decode("ascii")

    words, start = [], 0
    while start < len(text):
        end = start + 1
        while end < len(text) and len(encode(text[start:end + 1])) <= room:
            end += 1
        words.append(f"=?{label}?{'Q' if q else 'B'}?{encode(text[start:end])}?=")
        start = end
    return " ".join(words)


def _codec_ok(text, charset):
    try:
        text.encode(charset)
        return charset
    except UnicodeEncodeError:
        return "utf-8"


def _date_words(dt):
    d, m, y, hm = dt.day, dt.month - 1, dt.year, f"{dt.hour:02d}:{dt.minute:02d}"
    w = dt.weekday()
    h12 = f"{(dt.hour % 12) or 12}:{dt.minute:02d} {'AM' if dt.hour < 12 else 'PM'}"
    return d, m, y, hm, w, h12


def _quote_header(style, prev, tz):
    """The line a mail client writes above the quoted message, in the replier's language and time zone."""
    dt = prev.when.astimezone(tz)
    d, m, y, hm, w, h12 = _date_words(dt)
    name, email = prev.who.name, prev.who.email
    if style == "en_gb":
        return f"On {_EN_DAYS[w]}, {d} {_EN_MONTHS[m]} {y} at {hm}, {name} <{email}> wrote:"
    if style == "en_us":
        return f"On {_EN_DAYS[w]}, {_EN_MONTHS[m]} {d}, {y} at {h12} {name} <{email}> wrote:"
    if style == "apple":
        return f"On {d} {_EN_MONTHS[m]} {y}, at {hm}, {name} <{email}> wrote:"
    if style == "thunderbird":
        return f"On {d:02d}/{m + 1:02d}/{y} {hm}, {name} wrote:"
    if style == "fr":
        return f"Le {_FR_DAYS[w]} {d} {_FR_MONTHS[m]} {y} à {hm}, {name} <{email}> a écrit :"
    if style == "de":
        return f"Am {_DE_DAYS[w]}, {d}. {_DE_MONTHS[m]} {y} um {hm} Uhr schrieb {name} <{email}>:"
    if style == "es":
        return f"El {_ES_DAYS[w]}, {d} {_ES_MONTHS[m]} {y} a las {hm}, {name} (<{email}>) escribió:"
    if style == "ru":
        return f"{_RU_DAYS[w]}, {d} {_RU_MONTHS[m]} {y} г. в {hm}, {name} <{email}>:"
    raise ValueError(style)


def _outlook_header(locale, prev, tz, classic):
    """Outlook's block above the original message: "-----Original Message-----" or a rule and From/Sent/To."""
    dt = prev.when.astimezone(tz)
    d, m, y, hm, w, h12 = _date_words(dt)
    who = f"{prev.who.name} <{prev.who.email}>"
    if locale == "fr":
        lines = [f"De : {who}", f"Envoyé : {_FR_DAYS_FULL[w]} {d} {_FR_MONTHS_FULL[m]} {y} {hm}",
                 f"À : {prev.to}", f"Objet : {prev.subject}"]
    elif locale == "de":
        lines = [f"Von: {who}", f"Gesendet: {_DE_DAYS_FULL[w]}, {d}. {_DE_MONTHS_FULL[m]} {y} {hm}",
                 f"An: {prev.to}", f"Betreff: {prev.subject}"]
    elif locale == "es":
        lines = [f"De: {who}", f"Enviado: {_ES_DAYS_FULL[w]}, {d} de {_ES_MONTHS_FULL[m]} de {y} {hm}",
                 f"Para: {prev.to}", f"Asunto: {prev.subject}"]
    elif locale == "ru":
        lines = [f"От: {who}", f"Отправлено: {_RU_DAYS_FULL[w]}, {d} {_RU_MONTHS_GEN[m]} {y} г. {hm}",
                 f"Кому: {prev.to}", f"Тема: {prev.subject}"]
    else:
        lines = [f"From: {who}", f"Sent: {_EN_DAYS_FULL[w]}, {_EN_MONTHS_FULL[m]} {d}, {y} {h12}",
                 f"To: {prev.to}", f"Subject: {prev.subject}"]
    rule = "-----Original Message-----" if classic else "_" * 32
    return [rule] + lines


# --- What clients ask and what we answer ---------------------------------------------------------------

@dataclass
class _Topic:
    label: str
    subjects: list
    ask: str
    answer: str
    followups: list = field(default_factory=list)  # (client question, our answer)
    locale: str = "en"
    sales: bool = False
    client_attachment: str = ""  # "photo" or "csv"
    our_attachment: str = ""  # file name pattern of a PDF we attach to the first answer


_TOPICS = [
    _Topic("Label_1", ["Where is my order {order}?", "Order {order} status", "Order {order} still processing"],
           "I placed order {order} on {past_date} and it still shows as \"processing\". Could you tell me when "
           "it will ship? I need the {product} before {eta}.",
           "Thanks for your patience. Order {order} left our warehouse {ship_when} with {carrier}; the tracking "
           "number is {tracking}. It usually takes {days} business days, so you should have it by {eta}.",
           [("The tracking page says the label was created but nothing has moved since. Is that normal?",
             "Yes, that happens when {carrier} scans the parcel at the hub instead of at pickup. If there is "
             "still no movement by {eta}, reply here and I will open a trace and send a replacement right "
             "away.")]),
    _Topic("Label_1", ["Refund for order {order}", "Still waiting for my refund", "Return of {product}"],
           "I returned the {product} from order {order} two weeks ago, but I haven't seen the refund of "
           "{amount} yet. Can you check?",
           "Our warehouse received your return on {past_date}. The refund of {amount} was issued today to the "
           "card ending in {card}; banks usually take 5 to 10 business days to show it.",
           [("Will the original shipping cost be refunded too?",
             "Shipping is refunded when the return is due to a defect or our mistake. Since the {product} was "
             "faulty, I've added the {shipping} shipping charge to the refund as well.")]),
    _Topic("Label_1", ["Damaged {product}", "{product} arrived broken", "Problem with order {order}"],
           "The {product} from order {order} arrived today with a cracked {part}. I've attached a photo of the "
           "box and the item. What can you do?",
           "I'm sorry it arrived like that. I've sent a replacement {product} under order {order2} at no "
           "charge; it ships {ship_when} with {carrier}. There's no need to return the damaged one.",
           [("Thanks. Should I throw the broken one away or will a courier pick it up?",
             "Please recycle it locally, we don't need it back. The replacement's tracking number is "
             "{tracking}.")], client_attachment="photo"),
    _Topic("Label_1", ["Wrong colour received", "Wrong item in order {order}"],
           "I ordered the {product} in {color} but received it in {color2}. How do I exchange it?",
           "You're right, the packing slip was wrong. Here is a prepaid return label: "
           "https://returns.{our_domain}/{rma}. We'll ship the {color} one as soon as the label is scanned, "
           "so you don't have to wait for the return to arrive."),
    _Topic("Label_1", ["Change shipping address for {order}", "Address change"],
           "Can I still change the shipping address on order {order}? I moved to {city} last week.",
           "Yes, the order hadn't been packed yet, so I updated the address to the one in {city}. You'll get a "
           "new confirmation email within the hour."),
    _Topic("Label_1", ["Cancel order {order}", "Please cancel my order"],
           "Please cancel order {order}, I ordered the {product} twice by mistake.",
           "Done: order {order} is cancelled and the {amount} authorisation on your card has been released. "
           "It can take up to 3 business days for your bank to remove the pending charge."),
    _Topic("Label_1", ["Warranty claim: {device}", "{device} stopped working"],
           "My {device} stopped charging after {months} months. Is it still under warranty?",
           "Yes, the {device} has a 2-year warranty. I've opened case {ticket} and emailed you a prepaid "
           "label; once we receive it we repair or replace it within 5 business days.",
           [("Do I need to include the charger and the original box?",
             "Just the {device} itself is fine; keep the charger. Any sturdy box works.")]),
    _Topic("Label_1", ["Can't log in", "Password reset email never arrives"],
           "I can't log in to my account: the password reset email never arrives. I've tried three times.",
           "I checked our mail logs: the reset emails to your address were rejected by your mail server as "
           "spam. I've sent a fresh link from a different sender just now; it's valid for {hours} hours. If it "
           "doesn't show up, look for \"{company_us} accounts\" in your spam folder."),
    _Topic("Label_3", ["Invoice {invoice} with VAT number", "Corrected invoice needed"],
           "Could you re-issue invoice {invoice} with our VAT number {vat}? Our accounting can't book it "
           "without it.",
           "Of course. I've re-issued invoice {invoice} with VAT number {vat} and the reverse-charge note; the "
           "corrected PDF is attached.", our_attachment="Invoice-{invoice}.pdf"),
    _Topic("Label_3", ["Payment failed", "Card declined on renewal"],
           "Our card payment failed this month and the dashboard shows a warning banner. What should we do?",
           "The charge of {amount} on {past_date} was declined by your bank (code {decline}). You can update "
           "the card under Settings > Billing; we retry automatically within 24 hours, and your account stays "
           "active for {days} more days in any case."),
    _Topic("Label_3", ["Charged twice in {month}", "Duplicate charge"],
           "We were charged twice for {month}, {amount} each time. Can you refund one of them?",
           "You're right: a retry after a timeout created a duplicate charge. I refunded the second {amount} "
           "today (refund {refund_id}); it will appear on your statement in 5 to 10 business days."),
    _Topic("Label_3", ["Cancel subscription", "Cancellation at end of term"],
           "We'd like to cancel our subscription at the end of the current term. Can you confirm?",
           "I've scheduled the cancellation for {term_end}. You keep full access until then and won't be "
           "billed again. Your data stays available for export for 30 days after that date.",
           [("Can we export everything as CSV before then?",
             "Yes: Settings > Data > Export creates a ZIP of CSV files, one per table. Large accounts get an "
             "email with the download link after a few minutes.")]),
    _Topic("Label_1", ["GDPR deletion request", "Please delete my data"],
           "Please delete all personal data you hold about me, in accordance with GDPR article 17.",
           "I've started the deletion request ({ticket}). All personal data will be erased within 30 days; "
           "we keep invoices for 10 years because tax law requires it. You'll get a confirmation when it's "
           "done."),
    _Topic("Label_1", ["API returning {error}", "Urgent: {error} errors on /v2/orders"],
           "Since this morning our API calls return {error} on POST /v2/orders. Nothing changed on our side. "
           "Request ids are in the attached log excerpt.",
           "Thanks for the request ids. The {error} responses came from a rate-limit change we rolled out at "
           "{time} UTC; your key was moved to the default limit of {rate} requests per minute by mistake. I've "
           "restored your limit to {rate2} per minute, so the errors should stop now.",
           [("Is there a header we can read to see how close we are to the limit?",
             "Yes: every response carries X-RateLimit-Remaining and X-RateLimit-Reset (seconds until the "
             "window resets). If you back off when Remaining reaches 0 you won't see 429s.")],
           client_attachment="log"),
    _Topic("Label_1", ["Webhooks stopped", "No webhook events since {past_date}"],
           "Our webhook endpoint stopped receiving events around {past_date}. Can you see what's going on?",
           "Your endpoint started answering with a TLS error (its certificate expired on {past_date}), so our "
           "deliveries were paused after 3 days of failures. Once the certificate is renewed, click Resume "
           "under Settings > Webhooks and we'll replay the events of the last 7 days."),
    _Topic("Label_1", ["SSO setup with Okta", "SAML configuration"],
           "We're setting up SSO with Okta. Which ACS URL and entity ID should we use?",
           "Use ACS URL https://app.{our_domain}/sso/saml/acs/{team} and entity ID "
           "https://app.{our_domain}/sso/saml/metadata/{team}. After uploading the IdP metadata under "
           "Settings > Security, test with one user before enforcing SSO for everyone."),
    _Topic("Label_1", ["CSV import fails", "Import error on row {row}"],
           "Our CSV import fails with \"row {row}: invalid date\". The file is attached.",
           "Dates must be in YYYY-MM-DD format, and row {row} has \"{bad_date}\". If your export can't change "
           "the format, tick \"Day-first dates\" in the import dialog and it will read 05/01/2026 as 5 "
           "January.", client_attachment="csv"),
    _Topic("Label_1", ["Export button not working in Safari", "Bug: CSV export"],
           "The export button on the reports page does nothing in Safari {ver}. Chrome works.",
           "Thanks for the detailed report, I reproduced it: Safari {ver} blocks the download because it "
           "starts after an async request. The fix ships in release {release}, expected {eta}; until then "
           "Chrome or Firefox work, or right-click the link and choose Download Linked File."),
    _Topic("Label_1", ["Scheduled reports?", "Feature request: weekly email reports"],
           "Is there a way to have reports emailed to us every week?",
           "Not yet, but it's on our roadmap for {quarter}. I've added your vote and will tell you when it's "
           "in beta. Meanwhile you can call GET /v2/reports/weekly from a cron job; it returns the same PDF."),
    _Topic("Label_1", ["Outage today?", "App unreachable"],
           "The app was unreachable for about 20 minutes today. Was there an outage?",
           "Yes, between {time} and {time2} UTC a database failover took longer than it should have. No data "
           "was lost. The incident write-up is at https://status.{our_domain}/incidents/{ticket}."),
    _Topic("Label_2", ["Pricing for {seats} seats", "Quote for the Business plan"],
           "What would the Business plan cost for {seats} seats, billed annually?",
           "For {seats} seats on Business billed annually it's {price} per seat per month, {total} a year. "
           "That includes SSO, priority support and 1 TB of storage. I can send a formal quote if you share "
           "the billing entity.",
           [("Do you offer a discount for nonprofits?",
             "Yes, registered nonprofits get 30% off any annual plan. Send me your registration document and "
             "I'll apply it to the quote.")], sales=True),
    _Topic("Label_2", ["Volume discount for {qty} units", "Bulk order inquiry"],
           "We're looking to order {qty} units of the {product}. Is there a volume discount?",
           "For {qty} units we can do {discount}% off list, which brings the unit price to {unit_price}. Lead "
           "time is {days} business days from payment, and shipping to {city} is included above 100 units.",
           [("Could we split the delivery into two shipments a month apart?",
             "Yes, at no extra cost. I'll note it on the order: half on confirmation, the rest 30 days later.")],
           sales=True),
    _Topic("Label_2", ["Demo for our team", "Product demo next week?"],
           "Could we schedule a demo for our team next week? We'd be four people.",
           "Happy to. How about {weekday} at {time} {tzname}? I'll send a calendar invitation with a video "
           "link; the demo takes about 30 minutes, plus time for questions.",
           [("That slot doesn't work for us. Could we do {weekday2} afternoon instead?",
             "Sure, I've moved it to {weekday2} at {time2} {tzname}. The updated invitation is on its way.")],
           sales=True),
    _Topic("Label_2", ["Trial extension", "Can we extend our trial?"],
           "Our trial ends on {term_end} but we haven't finished evaluating. Could you extend it?",
           "I've extended your trial by 14 days, to {term_end2}. If it helps, I can set up a 20-minute call to "
           "walk through the reporting features you mentioned.", sales=True),
    _Topic("Label_2", ["Formal quote for {qty} licenses", "Quote request"],
           "Please send a formal quote for {qty} licenses for our procurement department.",
           "Attached is quote {quote} for {qty} licenses ({total} per year, valid 30 days). Procurement can "
           "sign it directly or send a PO referencing the quote number.", sales=True,
           our_attachment="Quote-{quote}.pdf"),
    _Topic("Label_2", ["Upgrading from Starter", "Mid-cycle upgrade"],
           "We're on Starter and hitting the 5-user limit. How does upgrading work mid-cycle?",
           "When you upgrade mid-cycle we credit the unused part of Starter and charge the prorated Business "
           "price, about {amount} today in your case. Your data and integrations stay exactly as they are.",
           sales=True),
    _Topic("Label_2", ["Partner program", "Reselling in {city}"],
           "We're an agency in {city} and would like to resell your product. Do you have a partner program?",
           "We do. Partners get a 20% margin and a sandbox account for demos. The partner agreement is "
           "attached; once it's signed I'll set up your access to the partner portal.", sales=True,
           our_attachment="Partner-Agreement-2026.pdf"),
    _Topic("Label_2", ["Onboarding session", "Booking our onboarding call"],
           "We signed up yesterday. Can we book the onboarding session that's included in our plan?",
           "Welcome aboard! I have {weekday} at {time} or {weekday2} at {time2} {tzname} open. Let me know "
           "which works and who should be invited.",
           [("{weekday2} works. Please invite our IT lead as well.",
             "Done, the invitation for {weekday2} at {time2} went out to both of you.")], sales=True),
    _Topic("Label_2", ["Contract renewal on {term_end}", "Renewal pricing"],
           "Our contract renews on {term_end}. Will the price stay the same?",
           "Your price is locked for this renewal at {price} per seat per month. List prices rise by 5% from "
           "the following term, but existing customers keep a 5% loyalty discount, so for you nothing "
           "changes.", sales=True),
    _Topic("Label_2", ["Security questionnaire", "SOC 2 and data location"],
           "Our security team asks whether you're SOC 2 certified and where the data is hosted.",
           "We have a SOC 2 Type II report (the latest audit period ended {past_date}) and host data in "
           "AWS eu-west-1 (Ireland) or us-east-1, your choice. I can share the report under NDA; shall I send "
           "our mutual NDA for signature?", sales=True),
    _Topic("Label_2", ["Shipping to {country}", "International delivery"],
           "Do you ship to {country}, and what would customs cost us?",
           "Yes, we ship to {country} with {carrier} in {days} business days. Orders go out DDP, so duties and "
           "taxes are included in the checkout price; there's nothing to pay on delivery.", sales=True),
    # Clients who write in their own language get an answer in it.
    _Topic("Label_1", ["Commande {order}", "Suivi de ma commande {order}"],
           "J'ai passé la commande {order} le {date_slash} et je n'ai toujours pas reçu de numéro de suivi. "
           "Pourriez-vous me dire où elle en est ?",
           "Votre commande {order} a été expédiée hier avec {carrier} ; le numéro de suivi est {tracking}. "
           "La livraison prend en général {days} jours ouvrés.", locale="fr"),
    _Topic("Label_3", ["Facture au nom de la société", "Demande de facture"],
           "Pourriez-vous m'envoyer une facture au nom de notre société pour la commande {order} ? Il nous "
           "faut aussi le numéro de TVA intracommunautaire.",
           "Vous trouverez ci-joint la facture {invoice} au nom de votre société, avec notre numéro de TVA "
           "intracommunautaire.", locale="fr", our_attachment="Facture-{invoice}.pdf"),
    _Topic("Label_1", ["Bestellung {order}", "Wann wird meine Bestellung versendet?"],
           "ich habe am {date_dot} die Bestellung {order} aufgegeben. Wann wird sie versendet?",
           "Ihre Bestellung {order} wurde gestern mit {carrier} verschickt; die Sendungsnummer lautet "
           "{tracking}. Die Zustellung dauert in der Regel {days} Werktage.", locale="de"),
    _Topic("Label_1", ["Rücksendung {product}", "Erstattung für Bestellung {order}"],
           "ich habe den {product} vor zwei Wochen zurückgeschickt. Wann bekomme ich mein Geld zurück?",
           "die Rücksendung ist am {date_dot} bei uns eingegangen. Die Erstattung über {amount} haben wir "
           "heute veranlasst; sie ist in 5 bis 10 Werktagen auf Ihrem Konto.", locale="de"),
    _Topic("Label_1", ["Pedido {order}", "¿Dónde está mi pedido?"],
           "Hice el pedido {order} el {date_slash} y todavía no he recibido el número de seguimiento. "
           "¿Podrían decirme cuándo llegará?",
           "Su pedido {order} salió ayer con {carrier}; el número de seguimiento es {tracking}. La entrega "
           "suele tardar {days} días laborables.", locale="es"),
    _Topic("Label_2", ["Precios para {seats} usuarios", "Presupuesto"],
           "¿Cuánto costaría el plan Business para {seats} usuarios con pago anual?",
           "Para {seats} usuarios con pago anual son {price} por usuario y mes, {total} al año. Incluye SSO y "
           "soporte prioritario. Si me indica los datos de facturación, le envío un presupuesto formal.",
           locale="es", sales=True),
    _Topic("Label_1", ["Заказ {order}", "Где мой заказ?"],
           "Я оформила заказ {order} {date_dot}, но до сих пор не получила трек-номер. Подскажите, когда "
           "его отправят?",
           "Ваш заказ {order} отправлен вчера службой {carrier}, трек-номер {tracking}. Доставка обычно "
           "занимает {days} рабочих дней.", locale="ru"),
    _Topic("Label_3", ["Счёт для бухгалтерии", "Нужен счёт на оплату"],
           "Пришлите, пожалуйста, счёт на оплату {seats} лицензий на нашу организацию.",
           "Счёт {invoice} на {seats} лицензий во вложении. Оплатить его можно в течение 10 банковских "
           "дней.", locale="ru", our_attachment="Invoice-{invoice}.pdf"),
]
_TOPICS_BY_LOCALE = {loc: [t for t in _TOPICS if t.locale == loc] for loc in ("en", "fr", "de", "es", "ru")}

_PRODUCTS = ["standing desk", "ergonomic chair", "monitor arm", "wireless headset", "USB-C dock", "desk lamp",
             "webcam", "mechanical keyboard", "laptop stand", "portable SSD", "noise-cancelling headphones"]
_DEVICES = ["wireless headset", "USB-C dock", "webcam", "portable SSD", "noise-cancelling headphones",
            "desk lamp"]
_PARTS = ["base", "cover", "hinge", "screen", "frame", "power adapter"]
_COLORS = ["black", "white", "oak", "walnut", "grey", "navy"]
_CARRIERS = ["UPS", "DHL", "FedEx", "USPS", "La Poste", "DPD", "GLS"]
_CITIES = ["Denver", "Austin", "Leeds", "Lyon", "Hamburg", "Valencia", "Toronto", "Rotterdam", "Milan"]
_COUNTRIES = ["Norway", "Switzerland", "Canada", "Japan", "Australia", "Mexico", "Iceland"]
_ERRORS = ["HTTP 429", "HTTP 503", "HTTP 500", "HTTP 401"]

_GREETING = {"en": ["Hi,", "Hello,", "Hi {to},", "Hello {to},", "Good morning,", "Dear support team,"],
             "fr": ["Bonjour,", "Bonjour {to},"], "de": ["Hallo,", "Guten Tag,", "Hallo {to},"],
             "es": ["Hola,", "Buenos días,", "Hola {to},"], "ru": ["Здравствуйте!", "Добрый день,"]}
_OUR_GREETING = {"en": ["Hi {to},", "Hello {to},", "Dear {to},"], "fr": ["Bonjour {to},"],
                 "de": ["Guten Tag {to},", "Hallo {to},"], "es": ["Hola {to}:", "Estimado/a {to}:"],
                 "ru": ["Здравствуйте, {to}!"]}
_OUR_CLOSING = {"en": ["Let me know if there's anything else I can help with.", "Hope this helps!",
                       "Happy to help if anything else comes up.", ""],
                "fr": ["N'hésitez pas si vous avez d'autres questions."],
                "de": ["Bei Fragen melden Sie sich gerne."], "es": ["Quedo a su disposición."],
                "ru": ["Если появятся вопросы, пишите."]}
_OUR_SIGNOFF = {"en": ["Best regards,", "Kind regards,", "Best,", "Thanks,"], "fr": ["Cordialement,"],
                "de": ["Viele Grüße", "Mit freundlichen Grüßen"], "es": ["Saludos cordiales,", "Un saludo,"],
                "ru": ["С уважением,"]}
_CLIENT_SIGNOFF = {"en": ["Best regards,", "Thanks,", "Cheers,", "Thank you,", "Regards,"],
                   "fr": ["Cordialement,", "Bien à vous,", "Merci d'avance,"],
                   "de": ["Mit freundlichen Grüßen", "Viele Grüße", "Beste Grüße"],
                   "es": ["Saludos cordiales,", "Un saludo,", "Gracias,"],
                   "ru": ["С уважением,", "Спасибо,"]}
_THANKS = {"en": ["Thank you, that's exactly what I needed.", "Perfect, thanks for the quick answer!",
                  "Got it, thanks!", "Great, received. Have a nice day.", "Thanks a lot, all sorted now."],
           "fr": ["Merci beaucoup pour votre réponse rapide !", "Parfait, merci."],
           "de": ["Vielen Dank für die schnelle Antwort!", "Super, danke."],
           "es": ["¡Muchas gracias!", "Perfecto, gracias por la rapidez."],
           "ru": ["Большое спасибо!", "Спасибо, всё получилось."]}
_CHASE = {"en": ["Just following up on my message below. Any news?", "Any update on this? It's getting urgent."],
          "fr": ["Je me permets de vous relancer concernant mon message ci-dessous."],
          "de": ["Ich wollte kurz nachfragen, ob es hierzu schon Neuigkeiten gibt."],
          "es": ["¿Hay alguna novedad sobre mi mensaje?"], "ru": ["Подскажите, есть ли новости по моему вопросу?"]}
_IPHONE = {"en": "Sent from my iPhone", "fr": "Envoyé de mon iPhone", "de": "Von meinem iPhone gesendet",
           "es": "Enviado desde mi iPhone", "ru": "Отправлено с iPhone"}
_LOCALE_CHARSETS = {"en": ["utf-8"], "fr": ["utf-8", "utf-8", "iso-8859-1", "windows-1252"],
                    "de": ["utf-8", "utf-8", "iso-8859-1"], "es": ["utf-8", "utf-8", "iso-8859-1"],
                    "ru": ["utf-8", "koi8-r"]}


def _fills(rng, when, box):
    def day(delta):
        return when + timedelta(days=delta)

    past = day(-rng.randint(2, 12))
    eta = day(rng.randint(3, 9))
    end = day(rng.randint(5, 40))
    seats = rng.choice([5, 8, 12, 15, 20, 25, 40, 60, 120])
    price = rng.choice([12, 15, 19, 24, 29])
    qty = rng.choice([50, 80, 120, 200, 500])
    unit = rng.choice([39, 59, 89, 149, 249])
    discount = rng.choice([8, 10, 12, 15])
    hour = rng.randint(9, 16)
    return {
        "order": f"#{rng.randint(100000, 999999)}", "order2": f"#{rng.randint(100000, 999999)}",
        "tracking": f"1Z{rng.getrandbits(60):016X}", "carrier": rng.choice(_CARRIERS),
        "product": rng.choice(_PRODUCTS), "device": rng.choice(_DEVICES), "part": rng.choice(_PARTS),
        "color": _COLORS[rng.randrange(3)],
        "color2": _COLORS[3 + rng.randrange(3)], "amount": f"${rng.randint(19, 899)}.{rng.randint(0, 99):02d}",
        "card": f"{rng.randint(1000, 9999)}", "shipping": f"${rng.choice([5, 8, 12, 15])}.99",
        "past_date": f"{past.day} {_EN_MONTHS_FULL[past.month - 1]}",
        "date_slash": f"{past.day:02d}/{past.month:02d}/{past.year}",
        "date_dot": f"{past.day:02d}.{past.month:02d}.{past.year}",
        "ship_when": rng.choice(["this morning", "yesterday", f"on {_EN_DAYS_FULL[day(-1).weekday()]}"]),
        "eta": f"{_EN_DAYS_FULL[eta.weekday()]} {eta.day} {_EN_MONTHS_FULL[eta.month - 1]}",
        "days": rng.randint(2, 6), "city": rng.choice(_CITIES), "country": rng.choice(_COUNTRIES),
        "months": rng.randint(4, 20), "ticket": f"CS-{rng.randint(10000, 99999)}", "hours": rng.choice([2, 24]),
        "invoice": f"INV-{when.year}-{rng.randint(1000, 9999)}",
        "vat": f"{rng.choice(['DE', 'FR', 'NL', 'IE'])}{rng.randint(100000000, 999999999)}",
        "decline": rng.choice(["51", "05", "insufficient_funds", "do_not_honor"]),
        "month": _EN_MONTHS_FULL[(when.month - 2) % 12], "refund_id": f"re_{rng.getrandbits(48):012x}",
        "term_end": f"{end.day} {_EN_MONTHS_FULL[end.month - 1]} {end.year}",
        "term_end2": f"{(end + timedelta(days=14)).day} {_EN_MONTHS_FULL[(end + timedelta(days=14)).month - 1]}",
        "error": rng.choice(_ERRORS), "time": f"{hour:02d}:{rng.choice([0, 15, 30, 45]):02d}",
        "time2": f"{hour + 1:02d}:{rng.choice([0, 15, 30, 45]):02d}", "rate": 600, "rate2": rng.choice([3000, 6000]),
        "row": rng.randint(2, 900), "bad_date": f"{rng.randint(13, 28)}/{rng.randint(1, 12)}/2026",
        "ver": f"{rng.randint(17, 18)}.{rng.randint(0, 4)}", "release": f"4.{rng.randint(10, 30)}.0",
        "quarter": rng.choice(["Q2", "Q3"]), "seats": seats, "price": f"${price}",
        "total": f"${seats * price * 12:,}", "qty": qty, "discount": discount,
        "unit_price": f"${unit * (100 - discount) / 100:.2f}", "weekday": rng.choice(_EN_DAYS_FULL[:3]),
        "weekday2": rng.choice(_EN_DAYS_FULL[3:5]), "tzname": rng.choice(["CET", "ET", "GMT", "PT"]),
        "quote": f"Q-{rng.randint(10000, 99999)}", "rma": f"RMA{rng.randint(100000, 999999)}",
        "team": f"t{rng.getrandbits(24):06x}", "our_domain": box.domain, "company_us": OWNER_COMPANY,
    }


# --- Building messages -----------------------------------------------------------------------------------

@dataclass
class _Said:
    """One message of a thread, as a later reply sees it."""
    msgid: str
    who: _Person
    to: str
    when: datetime
    subject: str
    text: str
    html: str | None
    refs: list


@dataclass
class _Box:
    rng: random.Random
    me: _Person
    domain: str
    start: datetime
    end: datetime
    out: list = field(default_factory=list)
    made: dict = field(default_factory=lambda: {"thread": 0, "list": 0, "auto": 0, "misc": 0})
    clients: list = field(default_factory=list)
    targets: dict = field(default_factory=dict)

    def recent(self, when):
        return when > self.end - timedelta(days=3)


def _text_part(text, subtype="plain", charset="utf-8", cte=None):
    part = Message()
    charset = _codec_ok(text, charset)
    data = text.encode(charset)
    if cte is None:
        if data.isascii() and max(map(len, data.split(b"\n"))) < 900:
            cte = "7bit"
        elif charset in ("utf-8", "iso-8859-1", "windows-1252", "koi8-r") or data.isascii():
            cte = "quoted-printable"
        else:
            cte = "base64"
    label = "UTF-8" if charset == "utf-8" else charset
    part["Content-Type"] = f'text/{subtype}; charset="{label}"'
    part["Content-Transfer-Encoding"] = cte
    if cte == "7bit":
        part.set_payload(data.decode("ascii"))
    elif cte == "quoted-printable":
        part.set_payload(binascii.b2a_qp(data, istext=True).decode("ascii"))
    else:
        part.set_payload(base64.encodebytes(data.replace(b"\n", b"\r\n")).decode("ascii"))
    return part


def _binary_part(data, ctype, filename, inline=False):
    part = Message()
    part["Content-Type"] = f'{ctype}; name="{filename}"'
    part["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    part["Content-Transfer-Encoding"] = "base64"
    part.set_payload(base64.encodebytes(data).decode("ascii"))
    return part


def _multipart(subtype, parts, boundary, extra=""):
    part = Message()
    part["Content-Type"] = f'multipart/{subtype}; boundary="{boundary}"{extra}'
    part.set_payload(parts)
    return part


def _boundary(rng):
    return f"000000000000{rng.getrandbits(56):014x}"


def _msgid(rng, who):
    domain = who.email.rpartition("@")[2]
    if who.mua in ("gmail", "iphone") and rng.random() < 0.8:
        token = base64.b64encode(rng.getrandbits(336).to_bytes(42, "big")).decode()
        return f"<CA{token[:52]}@mail.gmail.com>"
    if who.mua == "outlook":
        node = (f"{rng.choice(['AM', 'DB', 'PA', 'VI', 'DM', 'BY'])}{rng.randint(4, 9)}PR{rng.randint(10, 99)}"
                f"MB{rng.randint(1000, 9999)}")
        return f"<{node}{rng.getrandbits(64):016X}@{node}.eurprd0{rng.randint(1, 8)}.prod.outlook.com>"
    return f"<{rng.getrandbits(128):032x}@{domain}>"


def _subject_header(subject, charset="utf-8"):
    return subject if subject.isascii() else _encoded_words(subject, charset)


def _html_of(text):
    paragraphs = text.split("\n\n")
    return "".join(f"<div>{html.escape(p).replace(chr(10), '<br>')}</div><div><br></div>" for p in paragraphs)


def _quote_lines(text):
    return "\n".join(("> " + line) if line and line[0] != ">" else (">" + line) for line in text.split("\n"))


def _emit(box, when, msg, labels, kind, headers_first=(), date=True):
    """Serialise `msg` behind the envelope headers and add it to the mailbox."""
    top = Message()
    for name, value in headers_first:
        if value is not None:
            top[name] = value
    if not date:
        del top["Date"]
    top["MIME-Version"] = "1.0"
    for name, value in msg.items():
        top[name] = value
    top.set_payload(msg.get_payload())
    raw = top.as_bytes(policy=_POLICY)
    box.out.append((when, len(box.out), raw, labels, kind))
    box.made[kind] += 1
    return raw


def _received(rng, box, sender, when):
    host = sender.email.rpartition("@")[2]
    ip = f"{rng.randint(20, 220)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    stamp = format_datetime(when.astimezone(timezone(timedelta(hours=-8))))
    return [
        ("Delivered-To", box.me.email),
        ("Received", f"from mail.{host} (mail.{host}. [{ip}]) by mx.google.com with ESMTPS id "
                     f"{rng.getrandbits(64):016x} for <{box.me.email}> (version=TLS1_3 "
                     f"cipher=TLS_AES_256_GCM_SHA384 bits=256/256); {stamp}"),
        ("Return-Path", f"<{sender.email}>"),
    ]


def _body(author, text, html_body, prev):
    """The plain and HTML bodies of a message by `author`, quoting `prev` the way their mail client does."""
    if prev is None:
        return text, (html_body if author.mua in ("gmail", "outlook", "iphone") else None)
    mua = author.mua
    if mua == "outlook":
        block = _outlook_header(author.locale, prev, author.tz, classic=author.quote == "classic")
        plain = f"{text}\n\n" + "\n".join(block) + f"\n\n{prev.text}"
        info = "<br>".join(f"<b>{html.escape(line.split(':', 1)[0])}:</b>{html.escape(line.split(':', 1)[1])}"
                           for line in block[1:])
        rich = (f"{html_body}<div style=\"border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm\">"
                f"<p class=\"MsoNormal\">{info}</p></div><div>{prev.html or _html_of(prev.text)}</div>")
        return plain, rich
    if mua == "iphone":
        header = _quote_header("apple", prev, author.tz)
        plain = f"{text}\n\n> {header}\n> \n{_quote_lines(prev.text)}"
        rich = (f"{html_body}<div dir=\"ltr\"><br><blockquote type=\"cite\">{html.escape(header)}<br><br>"
                f"{prev.html or _html_of(prev.text)}</blockquote></div>")
        return plain, rich
    header = _quote_header(author.quote, prev, author.tz)
    plain = f"{text}\n\n{header}\n\n{_quote_lines(prev.text)}"
    if mua != "gmail":
        return plain, None
    rich = (f"{html_body}<br><div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">"
            f"{html.escape(header)}<br></div><blockquote class=\"gmail_quote\" style=\"margin:0px 0px 0px "
            f"0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex\">{prev.html or _html_of(prev.text)}"
            f"</blockquote></div>")
    return plain, rich


def _send(box, when, author, to, subject, text, prev=None, labels=(), kind="thread", attachments=(),
          extra_headers=(), signature=None, quote=True):
    """Write one human message (with `signature` under `text`), quoting `prev`; returns what later replies see.

    `to` is a _Person or a ready header value.
    """
    rng = box.rng
    signature = author.signature if signature is None else signature
    own = f"{text}\n\n{signature}" if signature else text
    own_html = f'<div dir="ltr">{_html_of(text)}'
    if signature:
        own_html += f'<div dir="ltr" class="gmail_signature">{_html_of(signature)}</div>'
    own_html += "</div>"
    plain, rich = _body(author, own, own_html, prev if quote else None)
    body = _text_part(plain, "plain", author.charset)
    if rich is not None:
        if author.mua == "outlook":
            rich = f"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head>" \
                   f"<body lang=\"EN-US\"><div class=\"WordSection1\">{rich}</div></body></html>"
        body = _multipart("alternative", [body, _text_part(rich, "html", author.charset)], _boundary(rng))
    if attachments:
        body = _multipart("mixed", [body, *attachments], _boundary(rng))
    msgid = _msgid(rng, author)
    if isinstance(to, _Person):
        to, to_display = to.address, f"{to.name} <{to.email}>"
    else:
        to_display = to
    refs = (prev.refs + [prev.msgid]) if prev is not None else []
    headers = []
    if author is not box.me:
        headers += _received(rng, box, author, when)
    headers += [
        ("From", author.address), ("To", to), ("Subject", _subject_header(subject, author.charset)),
        ("Date", format_datetime(when.astimezone(author.tz))), ("Message-ID", msgid),
        ("In-Reply-To", prev.msgid if prev is not None else None),
        ("References", " ".join(refs[-12:]) if refs else None),
    ]
    if author.mua == "outlook":
        headers.append(("X-Mailer", "Microsoft Outlook 16.0"))
    elif author.mua in ("iphone", "apple"):
        headers.append(("X-Mailer", "iPhone Mail (21D61)" if author.mua == "iphone" else "Apple Mail (2.3774)"))
    elif author.mua == "thunderbird":
        headers.append(("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Thunderbird/115.6.0"))
    headers += list(extra_headers)
    _emit(box, when, body, list(labels), kind, headers)
    return _Said(msgid, author, to_display, when, subject, plain, rich, refs)


# --- People -----------------------------------------------------------------------------------------------

def _new_person(rng, locale=None):
    locale = locale or rng.choices(["en", "fr", "de", "es", "ru"], [62, 10, 10, 9, 9])[0]
    first, last = rng.choice(_FIRST[locale]), rng.choice(_LAST[locale])
    company = rng.choice(_COMPANIES[locale])
    if rng.random() < 0.2:
        domain = rng.choice(["gmail.test", "outlook.test", "yahoo.test", "mail.test"])
        email = f"{_slug(first)}.{_slug(last)}{rng.randint(1, 99)}@{domain}"
        company = ""
    else:
        email = f"{_slug(first)}.{_slug(last)}@{_company_domain(company)}"
    mua = rng.choices(["gmail", "outlook", "iphone", "apple", "thunderbird"], [38, 30, 17, 10, 5])[0]
    if mua == "gmail":
        quote = locale if locale != "en" else rng.choice(["en_gb", "en_us"])
    elif mua == "outlook":
        quote = rng.choice(["classic", "modern"])
    else:
        quote = "apple" if mua in ("iphone", "apple") else "thunderbird"
    name = f"{first} {last}"
    phone = f"+{rng.randint(1, 49)} {rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    signoff = rng.choice(_CLIENT_SIGNOFF[locale])
    if mua == "iphone":
        signature = f"{signoff}\n{first}\n\n{_IPHONE[locale]}"
    elif mua == "outlook" and company:
        signature = f"{signoff}\n{name}\n{rng.choice(_TITLES)} | {company} | {phone}"
    elif company and rng.random() < 0.6:
        signature = f"{signoff}\n{first}\n\n-- \n{name}\n{rng.choice(_TITLES)}, {company}\n{phone}"
    else:
        signature = f"{signoff}\n{first}"
    charset = rng.choice(_LOCALE_CHARSETS[locale]) if mua in ("outlook", "thunderbird", "apple") else "utf-8"
    tz = timezone(timedelta(hours=rng.choice(_TZ_HOURS[locale])))
    return _Person(name, email, locale, tz, mua, quote, signature, charset, company)


def _client(box):
    rng = box.rng
    if box.clients and rng.random() < 0.3:
        return rng.choice(box.clients)
    person = _new_person(rng)
    box.clients.append(person)
    return person


def _later(rng, when, lo_minutes, hi_minutes, tz=None):
    """`when` plus a delay; with `tz`, a reply that would be written at night waits for the next morning."""
    when += timedelta(minutes=rng.uniform(lo_minutes, hi_minutes))
    if tz is not None:
        local = when.astimezone(tz)
        if local.hour < 7 or local.hour >= 21:
            morning = local.replace(hour=rng.randint(7, 9), minute=rng.randint(0, 59))
            when = (morning + timedelta(days=1 if local.hour >= 21 else 0)).astimezone(UTC)
    return when


def _office_hours(rng, when, tz):
    local = when.astimezone(tz)
    local = local.replace(hour=rng.randint(8, 18), minute=rng.randint(0, 59), second=rng.randint(0, 59))
    return local.astimezone(UTC)


# --- Attachments ------------------------------------------------------------------------------------------

def _pdf(title, padding=0, rng=None):
    text = f"BT /F1 18 Tf 72 720 Td ({title}) Tj ET".encode()
    body = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/MediaBox[0 0 612 792]/Parent 2 0 R/Contents 4 0 R"
            b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
            b"4 0 obj<</Length " + str(len(text)).encode() + b">>stream\n" + text + b"\nendstream endobj\n"
            b"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n")
    if padding:
        blob = rng.randbytes(padding)
        body += b"6 0 obj<</Length " + str(len(blob)).encode() + b">>stream\n" + blob + b"\nendstream endobj\n"
    return body + b"trailer<</Root 1 0 R>>\n%%EOF\n"


def _png(width, height, rng):
    raw = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b"")


def _csv(rng, rows):
    lines = ["date,order,sku,quantity,amount"]
    for i in range(rows):
        lines.append(f"2026-01-{1 + i % 28:02d},{rng.randint(100000, 999999)},SKU-{rng.randint(100, 999)},"
                     f"{rng.randint(1, 20)},{rng.randint(5, 900)}.{rng.randint(0, 99):02d}")
    return ("\r\n".join(lines) + "\r\n").encode()


def _client_attachment(rng, kind):
    if kind == "photo":
        return _binary_part(_png(24, 18, rng), "image/png", f"IMG_{rng.randint(1000, 9999)}.png")
    if kind == "csv":
        return _binary_part(_csv(rng, 30), "text/csv", "import.csv")
    log = "\n".join(f"2026-01-05T{9 + i // 60:02d}:{i % 60:02d}:12Z POST /v2/orders 429 "
                    f"request_id=req_{rng.getrandbits(40):010x}" for i in range(12)) + "\n"
    return _binary_part(log.encode(), "text/plain", "api-errors.log")


# --- Client threads ---------------------------------------------------------------------------------------

def _client_thread(box, when):
    """A client asks, we answer, and the conversation goes on for a few rounds or stops."""
    rng, me = box.rng, box.me
    client = _client(box)
    local = _TOPICS_BY_LOCALE[client.locale] if client.locale != "en" else []
    topic = rng.choice(local) if local and rng.random() < 0.5 else rng.choice(_TOPICS_BY_LOCALE["en"])
    lang = topic.locale
    fills = _fills(rng, when, box)
    fills["client_first"] = client.first
    subject = rng.choice(topic.subjects).format_map(fills)
    user_labels = [topic.label] if rng.random() < 0.7 else []
    important = rng.random() < 0.6
    when = _office_hours(rng, when, client.tz)
    incoming = ["INBOX", "CATEGORY_PERSONAL"] + (["IMPORTANT"] if important else []) + user_labels
    sent = ["SENT"] + (["IMPORTANT"] if important else []) + user_labels
    # Our replies mostly come from Gmail on the web, sometimes from a phone or from Outlook on the desktop.
    me.mua, me.quote = rng.choices([("gmail", "en_gb"), ("gmail", "en_us"), ("iphone", "apple"),
                                    ("outlook", "classic")], [60, 15, 15, 10])[0]
    our_sig = f"{rng.choice(_OUR_SIGNOFF[lang])}\n{OWNER_NAME.split()[0]}\n\n-- \n{OWNER_SIGNATURE}"
    if me.mua == "iphone":
        our_sig = f"{OWNER_NAME.split()[0]}\n\n{_IPHONE['en']}"

    def ours(text, prev, attachments=()):
        greeting = rng.choice(_OUR_GREETING[lang]).format(to=client.first)
        closing = rng.choice(_OUR_CLOSING[lang])
        body = f"{greeting}\n\n{text}" + (f"\n\n{closing}" if closing else "")
        return _send(box, when, me, client, "Re: " + _strip_re(prev.subject), body, prev, sent,
                     attachments=attachments, signature=our_sig)

    def theirs(text, prev, attachments=(), unread=False):
        greeting = rng.choice(_GREETING[client.locale]).format(to=OWNER_NAME.split()[0])
        subj = subject if prev is None else _reply_prefix(client) + _strip_re(prev.subject)
        labels = incoming + (["UNREAD"] if unread else [])
        return _send(box, when, client, me, subj, f"{greeting}\n\n{text}", prev, labels,
                     attachments=attachments)

    answered = rng.random() < 0.88
    prev = None
    if topic.sales and rng.random() < 0.2:
        # Outbound: we wrote first, the prospect answers with the question.
        intro = (f"Hi {client.first},\n\nThanks for stopping by our booth last week. I'm the account manager "
                 f"for your region; if {OWNER_COMPANY} can help your team, I'd be glad to answer any "
                 f"questions or set up a short call.")
        prev = _send(box, when, me, client, f"{OWNER_COMPANY} + {client.company or client.name}",
                     intro, None, sent, signature=our_sig)
        subject = "Re: " + prev.subject
        when = _later(rng, when, 120, 2880, client.tz)
    attachments = [_client_attachment(rng, topic.client_attachment)] if topic.client_attachment else []
    question = theirs(topic.ask.format_map(fills), prev, attachments,
                      unread=not answered and (box.recent(when) or rng.random() < 0.5))
    if rng.random() < 0.08:
        when = _later(rng, when, 600, 2880, client.tz)
        question = theirs(rng.choice(_CHASE[client.locale]), question, unread=not answered)
    if not answered:
        return
    when = _later(rng, when, 10, 1800, OUR_TZ)
    our_files = []
    if topic.our_attachment:
        name = topic.our_attachment.format_map(fills)
        our_files = [_binary_part(_pdf(name[:-4]), "application/pdf", name)]
    reply = ours(topic.answer.format_map(fills), question, our_files)
    if rng.random() < 0.05:
        _auto_reply(box, _later(rng, when, 0.2, 2), client, reply)
    followups = list(topic.followups)
    rounds = 0
    while followups and rng.random() < 0.55 and rounds < 3:
        ask, answer = followups.pop(0)
        rounds += 1
        when = _later(rng, when, 30, 2880, client.tz)
        followup = theirs(ask.format_map(fills), reply)
        when = _later(rng, when, 10, 1440, OUR_TZ)
        reply = ours(answer.format_map(fills), followup)
    if rng.random() < 0.35:
        when = _later(rng, when, 20, 1440, client.tz)
        thanks = theirs(rng.choice(_THANKS[client.locale]), reply, unread=box.recent(when) and rng.random() < 0.7)
        if rng.random() < 0.05:
            when = _later(rng, when, 10, 600, OUR_TZ)
            ours("You're welcome! Have a great week.", thanks)


def _reply_prefix(person):
    return "AW: " if person.mua == "outlook" and person.locale == "de" else "Re: "


def _strip_re(subject):
    while subject[:4].lower() in ("re: ", "aw: ", "sv: "):
        subject = subject[4:]
    return subject


# --- Newsletters and mailing lists ------------------------------------------------------------------------

_NEWSLETTERS = [
    # (sender name, address, category, charset, subjects, html only?)
    ("Northwind Outfitters", "news@northwind-outfitters.test", "CATEGORY_PROMOTIONS", "utf-8",
     ["🔥 48 hours only: {pct}% off everything", "New arrivals for {month} ❄️", "Your {pct}% code expires tonight"],
     False),
    ("Lumen Coffee Roasters", "hello@lumencoffee.test", "CATEGORY_PROMOTIONS", "utf-8",
     ["☕ Single-origin of the month: {origin}", "Free shipping this weekend", "Brew guide: {origin} pour-over"],
     True),
    ("La Maison du Linge", "newsletter@maisondulinge.test", "CATEGORY_PROMOTIONS", "iso-8859-1",
     ["Soldes d'hiver : jusqu'à -{pct} % sur le linge de lit", "Nouveautés : la collection été arrive"],
     False),
    ("Hartwell & Co.", "deals@hartwell.test", "CATEGORY_PROMOTIONS", "windows-1252",
     ["“Members only” — {pct}% off outdoor gear™", "Last call: clearance ends Sunday — up to {pct}% off"],
     False),
    ("Acme Cloud", "changelog@acmecloud.test", "CATEGORY_UPDATES", "utf-8",
     ["Changelog: what's new in {month}", "Acme Cloud release {ver}", "Scheduled maintenance on {day}"], True),
    ("The Weekly Stack", "digest@weeklystack.test", "CATEGORY_UPDATES", "utf-8",
     ["The Weekly Stack #{issue}: Postgres 18, HTMX 2 and more", "The Weekly Stack #{issue}"], False),
    ("Bankly", "no-reply@bankly.test", "CATEGORY_UPDATES", "utf-8",
     ["Your {month} statement is ready", "We're updating our terms of service"], True),
]
_LISTS = [
    # (list id, list address, name, language, charset, subjects)
    ("django-users.googlegroups.test", "django-users@googlegroups.test", "Django users", "en", "utf-8",
     ["How to filter a queryset by an annotated Subquery?", "Migrations stuck on a renamed field",
      "Best way to serve media files behind nginx", "select_related vs prefetch_related for a reverse FK",
      "Async views and the ORM in Django 5.2"]),
    ("python-ideas.python.test", "python-ideas@python.test", "python-ideas", "en", "utf-8",
     ["Allow trailing commas in import lists", "PEP idea: dict.pop_many()", "Pattern matching on dataclasses"]),
    ("ruby-list.ruby-lang.test", "ruby-list@ruby-lang.test", "ruby-list", "ja", "iso-2022-jp",
     ["文字コードの変換について", "Ruby 3.4 のリリースについて", "gem のインストールに失敗します"]),
    ("ru-python.lists.test", "ru-python@lists.test", "ru-python", "ru", "koi8-r",
     ["Вопрос по asyncio и таймаутам", "Как лучше хранить настройки приложения?", "Ищу ментора по Django"]),
    ("debian-user-german.lists.debian.test", "debian-user-german@lists.debian.test", "debian-user-german",
     "de", "iso-8859-1", ["Drucker über CUPS einrichten", "Probleme mit WLAN nach Update", "Größe der Swap-Partition"]),
]
_JA_NAMES = [("山田 太郎", "taro.yamada"), ("佐藤 花子", "hanako.sato"), ("鈴木 一郎", "ichiro.suzuki"),
             ("高橋 美咲", "misaki.takahashi")]
_LIST_BODIES = {
    "en": ["I've been trying this for a while and can't get it to work. Here's a minimal example of what I'm "
           "doing; am I missing something obvious?", "Have you tried wrapping it in a transaction? That fixed "
           "the same symptom for us.", "+1, I ran into this last week. The docs could be clearer here.",
           "This is expected behaviour; see the release notes for 5.1, the default changed."],
    "ja": ["お世話になっております。表題の件で質問させてください。手元の環境では再現するのですが、原因が分かりません。",
           "私も同じ現象に遭遇しました。設定ファイルを見直したところ解決しました。", "ご回答ありがとうございます。試してみます。"],
    "ru": ["Коллеги, подскажите, пожалуйста, как правильно решить эту задачу? Пример кода ниже.",
           "Попробуйте обернуть вызов в asyncio.wait_for, у нас это помогло.", "Спасибо, заработало!"],
    "de": ["Hallo zusammen, ich habe folgendes Problem und komme nicht weiter. Hat jemand eine Idee?",
           "Schau mal in /etc/cups/cupsd.conf, da muss der Zugriff erlaubt sein.", "Danke, das hat geholfen. Grüße"],
}
_LIST_FOOTER = ("-- \nYou received this message because you are subscribed to the Google Groups \"{name}\" group.\n"
                "To unsubscribe from this group and stop receiving emails from it, send an email to "
                "{local}+unsubscribe@googlegroups.test.")


def _newsletter(box, when):
    rng = box.rng
    name, sender, category, charset, subjects, html_only = rng.choice(_NEWSLETTERS)
    when = _office_hours(rng, when, UTC)
    fills = {"pct": rng.choice([15, 20, 25, 30, 40, 50]), "month": _EN_MONTHS_FULL[when.month - 1],
             "origin": rng.choice(["Ethiopia Guji", "Colombia Huila", "Kenya Nyeri"]),
             "ver": f"2026.{when.month}.{rng.randint(1, 9)}", "day": _EN_DAYS_FULL[rng.randrange(5)],
             "issue": 300 + (when - box.start).days // 7}
    subject = rng.choice(subjects).format_map(fills)
    campaign = f"{when:%Y%m%d}-{rng.getrandbits(24):06x}"
    link = f"https://{sender.rpartition('@')[2]}/c/{campaign}?utm_source=newsletter&utm_medium=email"
    unsubscribe = f"https://{sender.rpartition('@')[2]}/unsubscribe/{rng.getrandbits(64):016x}"
    if charset == "iso-8859-1":
        lines = [f"Bonjour,", f"Profitez de -{fills['pct']} % sur une sélection de linge de maison, "
                 f"jusqu'à dimanche minuit.", f"Découvrir : {link}", "Se désabonner : " + unsubscribe]
    elif charset == "windows-1252":
        lines = ["Hi there,", f"Our “members only” sale is on — {fills['pct']}% off tents, packs and more.",
                 f"Shop now: {link}", f"Don’t want these emails? Unsubscribe: {unsubscribe}"]
    else:
        lines = ["Hi there,", f"{subject}.", "Here's what happened this week:",
                 *(f"* {rng.choice(['New', 'Improved', 'Fixed'])}: {rng.choice(_PRODUCTS)} "
                   f"{rng.choice(['pricing', 'reports', 'integrations', 'search'])}" for _ in range(4)),
                 f"Read more: {link}", f"Unsubscribe: {unsubscribe}"]
    text = "\n\n".join(lines)
    rich = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + html.escape(subject) + "</title></head>"
            "<body style=\"margin:0;background:#f4f4f4\"><table role=\"presentation\" width=\"100%\"><tr><td "
            "align=\"center\"><table width=\"600\" style=\"background:#ffffff;font-family:Arial,sans-serif\">"
            + "".join(f"<tr><td style=\"padding:12px 24px\">{html.escape(line)}</td></tr>" for line in lines)
            + f"<tr><td><img src=\"https://{sender.rpartition('@')[2]}/open/{campaign}.gif\" width=\"1\" "
              f"height=\"1\" alt=\"\"></td></tr></table></td></tr></table></body></html>")
    if html_only:
        body = _text_part(rich, "html", charset)
    else:
        body = _multipart("alternative", [_text_part(text, "plain", charset), _text_part(rich, "html", charset)],
                          _boundary(rng))
    domain = sender.rpartition("@")[2]
    headers = [
        ("Delivered-To", box.me.email), ("Return-Path", f"<bounces+{rng.getrandbits(32):08x}@em.{domain}>"),
        ("From", _addr(name, sender)), ("To", box.me.email), ("Subject", _subject_header(subject, charset)),
        ("Date", format_datetime(when)), ("Message-ID", f"<{campaign}.{rng.getrandbits(48):012x}@em.{domain}>"),
        ("List-Id", f"{name.encode('ascii', 'ignore').decode().strip()} <{_slug(name)}.list-id.{domain}>"),
        ("List-Unsubscribe", f"<{unsubscribe}>, <mailto:unsubscribe-{campaign}@em.{domain}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"), ("Precedence", "bulk"),
        ("Feedback-ID", f"{campaign}:newsletter:{domain}"), ("X-Campaign-ID", campaign),
    ]
    labels = ["INBOX", category] + (["UNREAD"] if rng.random() < 0.6 else []) + \
        (["Label_4"] if rng.random() < 0.3 else [])
    if category == "CATEGORY_PROMOTIONS" and rng.random() < 0.3:
        labels.remove("INBOX")  # archived
    _emit(box, when, body, labels, "list", headers)


def _list_thread(box, when):
    """A mailing-list discussion: a question and a few answers from other subscribers."""
    rng = box.rng
    list_id, post, name, lang, charset, subjects = rng.choice(_LISTS)
    local = post.partition("@")[0]
    number = rng.randint(40000, 59999)
    topic = rng.choice(subjects)
    prev = None
    for i in range(rng.choice([1, 1, 2, 3, 4])):
        locale = lang if lang in _FIRST else "en"
        author = _new_person(rng, locale if locale != "ja" else "en")
        if lang == "ja":
            author.name, romaji = rng.choice(_JA_NAMES)
            author.email = f"{romaji}@{rng.choice(['example.ne.test', 'ruby-users.test', 'dev.co.test'])}"
        author.mua, author.quote, author.charset = "thunderbird", "thunderbird", charset
        author.signature = "" if lang != "en" else author.first
        bodies = _LIST_BODIES[lang]
        text = bodies[0] if i == 0 else rng.choice(bodies[1:])
        if lang == "en" and local.startswith("django"):
            text += "\n\n" + _LIST_FOOTER.format(name=name, local=local)
        prefix = f"[{local}:{number + i}] " if lang == "ja" else f"[{local}] "
        subject = prefix + ("Re: " if i else "") + topic
        extra = [("List-Id", f"{name} <{list_id}>"), ("List-Post", f"<mailto:{post}>"),
                 ("List-Help", f"<mailto:{local}+help@{post.partition('@')[2]}>"),
                 ("List-Archive", f"<https://{post.partition('@')[2]}/archive/{local}/>"),
                 ("List-Unsubscribe", f"<mailto:{local}+unsubscribe@{post.partition('@')[2]}>"),
                 ("Precedence", "list"), ("Sender", post)]
        labels = ["INBOX", "CATEGORY_FORUMS"] + (["UNREAD"] if rng.random() < 0.7 else [])
        when = _office_hours(rng, when, author.tz) if i == 0 else _later(rng, when, 20, 1440)
        prev = _send(box, when, author, post, subject, text, prev, labels, kind="list", extra_headers=extra,
                     quote=rng.random() < 0.6)
        if box.made["list"] >= box.targets["list"]:
            break


# --- Notifications, auto-replies and bounces ---------------------------------------------------------------

_OOO = {"en": ("Automatic reply: {subject}", "Thank you for your email. I am out of the office until {back} with "
               "limited access to email. For urgent matters please contact {colleague}."),
        "fr": ("Réponse automatique : {subject}", "Bonjour, je suis absent(e) jusqu'au {back}. En cas "
               "d'urgence, merci de contacter {colleague}."),
        "de": ("Abwesenheitsnotiz: {subject}", "Vielen Dank für Ihre Nachricht. Ich bin bis einschließlich "
               "{back} nicht im Büro. In dringenden Fällen wenden Sie sich bitte an {colleague}."),
        "es": ("Respuesta automática: {subject}", "Gracias por su mensaje. Estaré fuera de la oficina hasta el "
               "{back}. Para asuntos urgentes, contacte con {colleague}."),
        "ru": ("Автоответ: {subject}", "Спасибо за письмо. Я в отпуске до {back}, по срочным вопросам "
               "обращайтесь к {colleague}.")}


def _auto_reply(box, when, person, to_said):
    """An out-of-office answer to one of our messages (`to_said` may be None: our bulk announcement)."""
    rng = box.rng
    subject_tpl, text = _OOO[person.locale]
    if person.mua != "outlook" and person.locale == "en":
        subject_tpl = rng.choice(["Out of Office: {subject}", "Out of office: {subject}", "Auto: {subject}"])
    back = when + timedelta(days=rng.randint(2, 14))
    original = to_said.subject if to_said else f"{OWNER_COMPANY}: what's new in {_EN_MONTHS_FULL[when.month - 1]}"
    subject = subject_tpl.format(subject=original)
    colleague = f"{rng.choice(_FIRST['en']).lower()}@{person.email.rpartition('@')[2]}"
    body = _text_part(text.format(back=f"{back:%d.%m.%Y}", colleague=colleague), "plain", person.charset)
    refs = (to_said.refs + [to_said.msgid]) if to_said else [f"<{rng.getrandbits(96):024x}@mail.{box.domain}>"]
    headers = _received(rng, box, person, when) + [
        ("From", person.address), ("To", box.me.address), ("Subject", _subject_header(subject, person.charset)),
        ("Date", format_datetime(when.astimezone(person.tz))), ("Message-ID", _msgid(rng, person)),
        ("In-Reply-To", refs[-1]), ("References", " ".join(refs[-12:])),
        ("Auto-Submitted", "auto-replied"), ("X-Autoreply", "yes"), ("X-Auto-Response-Suppress", "All"),
    ]
    if rng.random() < 0.5:
        headers.append(("Precedence", "bulk"))
    _emit(box, when, body, ["INBOX", "CATEGORY_PERSONAL"] + (["UNREAD"] if rng.random() < 0.5 else []),
          "auto", headers)


def _bounce(box, when):
    """We mistype an address; the mail server answers with a delivery status report."""
    rng, me = box.rng, box.me
    me.mua = "gmail"
    person = _new_person(rng, "en")
    user, _, domain = person.email.partition("@")
    typo = f"{user}@{domain[:-5]}.tset" if rng.random() < 0.5 else f"{user[:-1]}@{domain}"
    when = _office_hours(rng, when, UTC)
    text = f"Hi {person.first},\n\nAs promised, here are the next steps for your account setup.\n\nBest,\nAlex"
    original = _send(box, when, me, typo, "Next steps for your account", text, None, ["SENT"], kind="misc",
                     signature="")
    when = _later(rng, when, 0.1, 3)
    gmail_style = rng.random() < 0.6
    status = ("5.1.2", f"DNS Error: DNS type 'mx' lookup of {typo.partition('@')[2]} responded with code NXDOMAIN") \
        if typo.endswith(".tset") else ("5.1.1", f"550 5.1.1 <{typo}>: Recipient address rejected: User unknown")
    human = (f"** Address not found **\n\nYour message wasn't delivered to {typo} because the address couldn't "
             f"be found, or is unable to receive mail.\n\nThe response from the remote server was:\n{status[1]}\n"
             if gmail_style else
             f"This is the mail system at host mx.{box.domain}.\n\nI'm sorry to have to inform you that your "
             f"message could not be delivered to one or more recipients.\n\n<{typo}>: {status[1]}\n")
    per_message = Message()
    per_message["Reporting-MTA"] = f"dns; {'googlemail.com' if gmail_style else 'mx.' + box.domain}"
    per_message["Arrival-Date"] = format_datetime(original.when)
    per_recipient = Message()
    per_recipient["Final-Recipient"] = f"rfc822; {typo}"
    per_recipient["Action"] = "failed"
    per_recipient["Status"] = status[0]
    per_recipient["Diagnostic-Code"] = f"smtp; {status[1]}"
    per_recipient["Last-Attempt-Date"] = format_datetime(when)
    dsn = Message()
    dsn["Content-Type"] = "message/delivery-status"
    dsn.set_payload([per_message, per_recipient])
    headers_part = Message()
    headers_part["Content-Type"] = "text/rfc822-headers"
    headers_part.set_payload(f"From: {me.address}\nTo: {typo}\nSubject: Next steps for your account\n"
                             f"Date: {format_datetime(original.when)}\nMessage-ID: {original.msgid}\n")
    report = _multipart("report", [_text_part(human), dsn, headers_part], _boundary(rng),
                        "; report-type=delivery-status")
    sender = ("Mail Delivery Subsystem", "mailer-daemon@googlemail.com") if gmail_style else \
        ("Mail Delivery System", f"MAILER-DAEMON@mx.{box.domain}")
    headers = [
        ("Delivered-To", me.email), ("Return-Path", "<>"), ("From", formataddr(sender)), ("To", me.email),
        ("Subject", "Delivery Status Notification (Failure)" if gmail_style else
         "Undelivered Mail Returned to Sender"),
        ("Date", format_datetime(when)), ("Message-ID", f"<{rng.getrandbits(96):024x}@mx.{box.domain}>"),
        ("In-Reply-To", original.msgid), ("References", original.msgid), ("Auto-Submitted", "auto-generated"),
    ]
    _emit(box, when, report, ["INBOX", "CATEGORY_UPDATES", "UNREAD"], "auto", headers)


_NOTIFICATIONS = [
    ("GitHub", "notifications@github.test", "[brightwater/shop] Run failed: CI - main ({sha})",
     "The workflow run \"CI\" on branch main failed.\n\nJob test (3.11): 2 failed, 418 passed\n\n"
     "View run: https://github.test/brightwater/shop/actions/runs/{run}"),
    ("Stripe", "receipts@stripe.test", "Your receipt from Acme Cloud #{receipt}",
     "Receipt #{receipt}\n\nAmount paid: {amount}\nDate paid: {date}\nPayment method: Visa - {card}\n\n"
     "If you have any questions, contact us at billing@acmecloud.test."),
    ("Google", "no-reply@accounts.google.test", "Security alert",
     "A new sign-in on Mac\n\n{email}\n\nWe noticed a new sign-in to your Google Account on a Mac device. "
     "If this was you, you don't need to do anything."),
    ("UPS", "pkginfo@ups.test", "UPS Update: Package Scheduled for Delivery Today",
     "Your package is scheduled for delivery today between 10:30 AM and 2:30 PM.\n\nTracking Number: {tracking}"),
    ("Calendly", "notifications@calendly.test", "New Event: {name} - 30 Minute Meeting",
     "Hi Alex,\n\nA new event has been scheduled.\n\nInvitee: {name}\nEvent Date/Time: {date} 15:00 (GMT)"),
    ("Jira", "jira@brightwater.atlassian.test", "[JIRA] (SUP-{run}) Customer cannot export reports",
     "{name} updated SUP-{run}:\n\nStatus: In Progress -> Done\n\nView issue: "
     "https://brightwater.atlassian.test/browse/SUP-{run}"),
]


def _notification(box, when):
    rng = box.rng
    when = _office_hours(rng, when, UTC) if rng.random() < 0.7 else when
    if rng.random() < 0.15:
        return _calendar_invite(box, when)
    name, sender, subject, text = rng.choice(_NOTIFICATIONS)
    fills = {"sha": f"{rng.getrandbits(28):07x}", "run": rng.randint(1000, 99999),
             "receipt": f"{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
             "amount": f"${rng.randint(9, 499)}.00", "card": rng.randint(1000, 9999),
             "date": f"{_EN_MONTHS[when.month - 1]} {when.day:02d}, {when.year}",
             "email": box.me.email, "tracking": f"1Z{rng.getrandbits(60):016X}",
             "name": f"{rng.choice(_FIRST['en'])} {rng.choice(_LAST['en'])}"}
    subject, text = subject.format_map(fills), text.format_map(fills)
    domain = sender.rpartition("@")[2]
    rich = f"<html><body><table width=\"100%\"><tr><td>{_html_of(text)}</td></tr></table></body></html>"
    body = _multipart("alternative", [_text_part(text), _text_part(rich, "html")], _boundary(rng))
    headers = [
        ("Delivered-To", box.me.email), ("Return-Path", f"<bounce-{rng.getrandbits(32):08x}@{domain}>"),
        ("From", _addr(name, sender)), ("To", box.me.email), ("Subject", subject),
        ("Date", format_datetime(when)), ("Message-ID", f"<{rng.getrandbits(96):024x}@{domain}>"),
        ("Auto-Submitted", "auto-generated"), ("X-Auto-Response-Suppress", "All"),
    ]
    labels = ["INBOX", "CATEGORY_UPDATES"] + (["UNREAD"] if rng.random() < 0.4 else []) + \
        (["Label_5"] if name == "Stripe" else [])
    _emit(box, when, body, labels, "auto", headers)


def _calendar_invite(box, when):
    rng = box.rng
    guest = f"{rng.choice(_FIRST['en'])} {rng.choice(_LAST['en'])}"
    at = (when + timedelta(days=rng.randint(1, 6))).replace(hour=15, minute=0, second=0, microsecond=0)
    uid = f"{rng.getrandbits(80):020x}@google.test"
    summary = f"Onboarding call with {guest}"
    ics = ("BEGIN:VCALENDAR\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\nVERSION:2.0\nMETHOD:REQUEST\n"
           f"BEGIN:VEVENT\nDTSTART:{at:%Y%m%dT%H%M%SZ}\nDTEND:{at + timedelta(minutes=30):%Y%m%dT%H%M%SZ}\n"
           f"DTSTAMP:{when.astimezone(UTC):%Y%m%dT%H%M%SZ}\nORGANIZER;CN={guest}:mailto:calendar@google.test\n"
           f"UID:{uid}\nATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{box.me.email}\n"
           f"SUMMARY:{summary}\nSTATUS:CONFIRMED\nEND:VEVENT\nEND:VCALENDAR\n")
    subject = (f"Invitation: {summary} @ {_EN_DAYS[at.weekday()]} {at.day} {_EN_MONTHS[at.month - 1]} "
               f"{at.year} 3pm - 3:30pm (GMT) ({box.me.email})")
    text = (f"You have been invited to the following event.\n\n{summary}\nWhen: {_EN_DAYS_FULL[at.weekday()]} "
            f"{at.day} {_EN_MONTHS_FULL[at.month - 1]} {at.year} 3pm - 3:30pm (GMT)")
    calendar = _text_part(ics, "calendar")
    calendar.replace_header("Content-Type", 'text/calendar; charset="UTF-8"; method=REQUEST')
    body = _multipart("mixed", [
        _multipart("alternative", [_text_part(text), _text_part(f"<html><body>{_html_of(text)}</body></html>",
                                                                "html"), calendar], _boundary(rng)),
        _binary_part(ics.replace("\n", "\r\n").encode(), "application/ics", "invite.ics"),
    ], _boundary(rng))
    headers = [
        ("Delivered-To", box.me.email),
        ("From", _addr(f"{guest} (Google Calendar)", "calendar-notification@google.test")),
        ("Reply-To", _addr(guest, "calendar@google.test")), ("To", box.me.email), ("Subject", subject),
        ("Date", format_datetime(when)), ("Message-ID", f"<calendar-{uid}>"),
        ("Auto-Submitted", "auto-generated"), ("Sender", "Google Calendar <calendar-notification@google.test>"),
    ]
    _emit(box, when, body, ["INBOX", "CATEGORY_PERSONAL", "IMPORTANT", "UNREAD"], "auto", headers)


def _automated(box, when):
    roll = box.rng.random()
    if roll < 0.2:
        return _bounce(box, when)
    if roll < 0.45:
        return _auto_reply(box, _office_hours(box.rng, when, UTC), _new_person(box.rng), None)
    return _notification(box, when)


# --- Everything else: colleagues, charsets, attachments, malformed mail ------------------------------------

_CHARSET_MAIL = {
    "iso-2022-jp": ("山本 健", "ken.yamamoto@tokyo-trading.test", "来週のお打ち合わせについて",
                    "アレックス様\n\nいつもお世話になっております。東京トレーディングの山本です。\n"
                    "来週のお打ち合わせですが、水曜日の午後三時からでいかがでしょうか。\n\nよろしくお願いいたします。\n山本"),
    "shift_jis": ("田中 美咲", "misaki.tanaka@osaka-denki.test", "見積書送付のご案内",
                  "ご担当者様\n\n大阪電機の田中でございます。\nご依頼いただいた見積書を添付にてお送りいたします。\n"
                  "ご確認のほど、よろしくお願い申し上げます。"),
    "gb2312": ("王伟", "wang.wei@shenzhen-mfg.test", "关于订单发货时间的确认",
               "您好！\n\n关于贵司上周的订单，我们预计下周三发货。请确认收货地址是否有变更。\n\n谢谢！\n王伟"),
    "koi8-r": ("Ирина Волкова", "irina.volkova@severny.test", "Документы для договора",
               "Алекс, добрый день!\n\nНаправляю реквизиты для договора. Подтвердите, пожалуйста, получение.\n\n"
               "С уважением,\nИрина"),
    "iso-8859-1": ("Hélène Fauré", "helene.faure@cafe-des-arts.test", "Réunion de lundi : ordre du jour",
                   "Bonjour Alex,\n\nVoici l'ordre du jour de la réunion de lundi : bilan de l'année, "
                   "prévisions et questions diverses.\n\nÀ lundi,\nHélène"),
    "windows-1252": ("Sean O’Connor", "sean.oconnor@dublin-design.test", "Re: “Spring” catalogue — final proofs",
                     "Hi Alex,\n\nFinal proofs are attached – we’re on track for the 15th. One small thing: "
                     "the ™ symbol is missing on page 4.\n\nCheers,\nSeán"),
}
_COLLEAGUE_NOTES = [
    ("Team lunch on Friday", "Hi all,\n\nWe're doing team lunch on Friday at 12:30 at the Thai place. Reply if you "
     "can't make it.\n\nSam"),
    ("Q1 support numbers", "Hi Alex,\n\nQ1 numbers so far: median first response 2h 10m, CSAT 94%. Nice work. "
     "Can you add the refund stats to the deck before Thursday?\n\nPriya"),
    ("Handover while I'm away", "Alex,\n\nI'm out next week. The open tickets are in the shared view; the Globex "
     "renewal needs a reply by Wednesday.\n\nThanks!\nDana"),
    ("New return policy draft", "Hi,\n\nDraft of the new return policy attached. Main change: 45 days instead of "
     "30 for unopened items. Comments by Monday please.\n\nMarco"),
    ("Re: Support rota", "Works for me. I'll take Tuesday and Thursday mornings.\n\nJo"),
]


def _misc(box, when, special=None):
    rng, me = box.rng, box.me
    kind = special or rng.choices(
        ["colleague", "outbound", "attachment", "charset", "html_only", "forward", "big_attachment", "malformed"],
        [34, 14, 20, 15, 8, 6, 1, 0.3])[0]
    when = _office_hours(rng, when, UTC)
    if kind in ("colleague", "outbound", "attachment", "big_attachment"):
        colleague = _new_person(rng, "en")
        colleague.email = f"{_slug(colleague.first)}@{box.domain}"
        colleague.signature = ""
        if kind == "outbound":
            me.mua, me.quote = "gmail", "en_gb"
            vendor = _new_person(rng, "en")
            _send(box, when, me, vendor.address, rng.choice(["Invoice question", "Catering for 14 March",
                                                             "Office printer service", "Booth for the trade fair"]),
                  f"Hi {vendor.first},\n\nCould you send me the details and a price for this? We'd need it "
                  f"within two weeks.\n\nThanks,\nAlex", None, ["SENT"], kind="misc", signature="")
            return
        subject, text = rng.choice(_COLLEAGUE_NOTES)
        files = []
        if kind == "attachment":
            choice = rng.random()
            if choice < 0.4:
                files = [_binary_part(_pdf("Report"), "application/pdf", f"report-{when:%Y-%m}.pdf")]
            elif choice < 0.7:
                files = [_binary_part(_png(32, 24, rng), "image/png", "screenshot.png")]
            else:
                files = [_binary_part(_csv(rng, 60), "text/csv", f"orders-{when:%Y-%m-%d}.csv")]
        elif kind == "big_attachment":
            subject = "Scans of the signed contracts"
            text = "Hi Alex,\n\nHere are the scans of the signed contracts for your files.\n\nSam"
            files = [_binary_part(_pdf("Contracts", padding=300_000, rng=rng), "application/pdf",
                                  "signed-contracts.pdf")]
        _send(box, when, colleague, me.address, subject, text, None,
              ["INBOX", "CATEGORY_PERSONAL"] + (["UNREAD"] if box.recent(when) else []), kind="misc",
              attachments=files)
        return
    if kind == "charset" or kind.startswith("charset:"):
        charset = kind.partition(":")[2] or rng.choice(list(_CHARSET_MAIL))
        name, email, subject, text = _CHARSET_MAIL[charset]
        person = _Person(name, email, "xx", UTC, "apple", "apple", "", charset)
        cte = {"iso-2022-jp": "7bit", "shift_jis": "base64", "gb2312": "base64", "koi8-r": "8bit"}.get(charset)
        if cte == "8bit":
            cte = "quoted-printable" if rng.random() < 0.5 else "base64"
        body = _text_part(text, "plain", charset, cte)
        if charset == "shift_jis":
            body = _multipart("mixed", [body, _binary_part(_pdf("Mitsumori"), "application/pdf",
                                                            "mitsumori.pdf")], _boundary(rng))
        headers = _received(rng, box, person, when) + [
            ("From", person.address), ("To", me.address), ("Subject", _subject_header(subject, charset)),
            ("Date", format_datetime(when)), ("Message-ID", _msgid(rng, person)),
        ]
        _emit(box, when, body, ["INBOX", "CATEGORY_PERSONAL"] + (["UNREAD"] if rng.random() < 0.3 else []),
              "misc", headers)
        return
    if kind == "html_only":
        person = _new_person(rng, "en")
        text = (f"<html><body><p>Hi Alex,</p><p>Congratulations on the new role! &#127881; Let's grab a coffee "
                f"when you're back in town.</p><p>{html.escape(person.first)}</p></body></html>")
        body = _text_part(text, "html", "utf-8", "quoted-printable")
        headers = _received(rng, box, person, when) + [
            ("From", person.address), ("To", me.address), ("Subject", "Congrats!"),
            ("Date", format_datetime(when)), ("Message-ID", _msgid(rng, person)),
        ]
        _emit(box, when, body, ["INBOX", "CATEGORY_PERSONAL"], "misc", headers)
        return
    if kind == "forward":
        return _forward(box, when)
    return _malformed(box, when, special.partition(":")[2] if special else None)


def _forward(box, when):
    """A colleague forwards a client's mail, both inline and as a message/rfc822 attachment."""
    rng, me = box.rng, box.me
    client = _new_person(rng, "en")
    inner = Message()
    inner["From"] = client.address
    inner["To"] = f"sales@{box.domain}"
    inner["Subject"] = "Question about your enterprise plan"
    inner["Date"] = format_datetime(when - timedelta(hours=5))
    inner["Message-ID"] = f"<{rng.getrandbits(96):024x}@{client.email.rpartition('@')[2]}>"
    inner["Content-Type"] = 'text/plain; charset="UTF-8"'
    inner["Content-Transfer-Encoding"] = "7bit"
    question = "Hello,\n\nDo you offer an on-premise version of your product for 300 users?\n\nThanks"
    inner.set_payload(question)
    attached = Message()
    attached["Content-Type"] = "message/rfc822"
    attached["Content-Disposition"] = 'attachment; filename="Question about your enterprise plan.eml"'
    attached.set_payload([inner])
    text = (f"Alex, can you take this one? It came in on the sales alias.\n\n---------- Forwarded message "
            f"---------\nFrom: {client.name} <{client.email}>\nDate: {inner['Date']}\nSubject: Question about "
            f"your enterprise plan\nTo: <sales@{box.domain}>\n\n{question}\n")
    body = _multipart("mixed", [_text_part(text), attached], _boundary(rng))
    colleague = _Person("Sam Rivera", f"sam@{box.domain}")
    headers = [("From", colleague.address), ("To", me.address),
               ("Subject", "Fwd: Question about your enterprise plan"), ("Date", format_datetime(when)),
               ("Message-ID", _msgid(rng, colleague))]
    _emit(box, when, body, ["INBOX", "CATEGORY_PERSONAL", "IMPORTANT"], "misc", headers)


def _malformed(box, when, flavour=None):
    """Mail that real mailboxes contain and strict parsers choke on."""
    rng, me = box.rng, box.me
    flavour = flavour or rng.choice(["broken-boundary", "bad-charset", "missing-date", "raw-8bit-header"])
    sender = _new_person(rng, "en")
    headers = [("From", sender.address), ("To", me.address), ("Subject", "Re: the files you asked for"),
               ("Date", format_datetime(when)), ("Message-ID", f"<{rng.getrandbits(96):024x}@legacy-mailer.test>"),
               (MALFORMED_HEADER, flavour)]
    text = "Hi,\n\nSee below / attached.\n\nRegards\n"
    if flavour == "missing-date":
        _emit(box, when, _text_part(text), ["INBOX", "CATEGORY_PERSONAL"], "misc", headers, date=False)
        return
    if flavour == "bad-charset":
        body = _text_part("Pri\xe8re de trouver ci-joint le devis.\n", "plain", "iso-8859-1", "quoted-printable")
        body.replace_header("Content-Type", 'text/plain; charset="iso-8859-1x-unknown"')
        headers[2] = ("Subject", "=?x-unknown-charset?Q?Devis_n=E9_2026?=")
        _emit(box, when, body, ["INBOX", "CATEGORY_PERSONAL"], "misc", headers)
        return
    if flavour == "raw-8bit-header":
        headers[2] = ("Subject", "RAW8BITSUBJECT")
        _emit(box, when, _text_part(text), ["INBOX", "CATEGORY_PERSONAL"], "misc", headers)
        when_, seq, raw, labels, kind = box.out[-1]
        box.out[-1] = (when_, seq, raw.replace(b"RAW8BITSUBJECT", "Réunion à 14h – ordre du jour".encode("latin-1",
                                                                                                  "replace")),
                       labels, kind)
        return
    # broken-boundary: the parts use a different boundary than the header announces, and never close.
    part = _text_part(text)
    raw_part = part.as_bytes(policy=_POLICY)
    raw_attachment = _binary_part(_csv(rng, 10), "text/csv", "export.csv").as_bytes(policy=_POLICY)
    body = Message()
    body["Content-Type"] = 'multipart/mixed; boundary="----=_Part_1234_announced"'
    body.set_payload("This is a multi-part message in MIME format.\r\n\r\n------=_Part_9999_actual\r\n"
                     + raw_part.decode() + "\r\n------=_Part_9999_actual\r\n" + raw_attachment.decode())
    _emit(box, when, body, ["INBOX", "CATEGORY_PERSONAL"], "misc", headers)


# Every demo mailbox of a reasonable size contains one of each of these, whatever the seed.
_MISC_SPECIALS = ["malformed:broken-boundary", "malformed:bad-charset", "malformed:missing-date",
                  "malformed:raw-8bit-header", *(f"charset:{c}" for c in _CHARSET_MAIL), "big_attachment",
                  "html_only", "forward", "attachment"]


# --- Public API -------------------------------------------------------------------------------------------

def generate_demo_mailbox(address="me@example.com", count=2400, seed=7, start=datetime(2026, 1, 5, tzinfo=UTC)):
    """`count` demo messages as (raw RFC 822 bytes, Gmail label ids), oldest first; same seed, same bytes."""
    rng = random.Random(seed)
    me = _Person(OWNER_NAME, address, tz=OUR_TZ, signature=OWNER_SIGNATURE)
    # About 25 messages a day, the volume of a busy support inbox.
    span = timedelta(days=max(1.0, count / 25))
    box = _Box(rng, me, address.rpartition("@")[2], start, start + span)
    targets = {"thread": round(count * 0.45), "list": round(count * 0.30), "auto": round(count * 0.10)}
    targets["misc"] = count - sum(targets.values())
    box.targets.update(targets)

    def moment():
        return start + span * rng.random()

    while box.made["thread"] < targets["thread"]:
        _client_thread(box, moment())
    while box.made["list"] < targets["list"]:
        if rng.random() < 0.75:
            _newsletter(box, moment())
        else:
            _list_thread(box, moment())
    while box.made["auto"] < targets["auto"]:
        _automated(box, moment())
    specials = iter(_MISC_SPECIALS if count >= 100 else ())
    while box.made["misc"] < targets["misc"]:
        _misc(box, moment(), next(specials, None))
    box.out.sort(key=lambda item: (item[0], item[1]))
    return [(raw, labels) for _, _, raw, labels, _ in box.out[:count]]


def write_demo_mbox(path, **kwargs):
    """Write the demo mailbox as a Google Takeout mbox: X-GM-THRID and X-Gmail-Labels before each message."""
    with open(path, "wb") as out:
        for raw, labels in generate_demo_mailbox(**kwargs):
            head, _, body = raw.partition(b"\r\n\r\n")
            head, body = head.replace(b"\r\n", b"\n"), body.replace(b"\r\n", b"\n")
            thread = _takeout_thread_id(head)
            names = ",".join(LABEL_NAMES[label] for label in labels)
            stamp = _takeout_date(head)
            body = b"\n".join(b">" + line if line.lstrip(b">").startswith(b"From ") else line
                              for line in body.split(b"\n"))
            out.write(b"From %d@xxx %s\n" % (thread, stamp))
            out.write(b"X-GM-THRID: %d\nX-Gmail-Labels: %s\n" % (thread, names.encode()))
            out.write(head + b"\n\n" + body.rstrip(b"\n") + b"\n\n")


def _header_value(head, name):
    prefix = name.lower() + b":"
    lines = head.split(b"\n")
    for i, line in enumerate(lines):
        if line.lower().startswith(prefix):
            value = line[len(prefix):]
            for more in lines[i + 1:]:
                if not more[:1] in (b" ", b"\t"):
                    break
                value += more
            return value.strip()
    return b""


def _takeout_thread_id(head):
    """Takeout's thread id is a 64-bit number; derive one from the first message of the thread."""
    references = _header_value(head, b"References").split()
    root = references[0] if references else _header_value(head, b"Message-ID")
    return int.from_bytes(hashlib.sha1(root).digest()[:8], "big") >> 1


def _takeout_date(head):
    try:
        when = parsedate_to_datetime(_header_value(head, b"Date").decode("ascii", "replace")).astimezone(UTC)
    except (TypeError, ValueError):
        when = datetime(2026, 1, 1, tzinfo=UTC)
    # Month and day names from our tables: strftime's %a and %b follow the process locale.
    return (f"{_EN_DAYS[when.weekday()]} {_EN_MONTHS[when.month - 1]} {when.day:02d} "
            f"{when:%H:%M:%S} +0000 {when.year}").encode()
